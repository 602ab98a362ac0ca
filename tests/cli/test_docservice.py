"""The document service of ``changeflow up`` (its ASGI app, driven over real HTTP requests in
process): documents by recorded id only, the Prefect basic-auth string when set, and the
hand-in page sending a returned document through the inbox's own door."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select

from tests.support.approval import fill, make_plan
from tests.support.helpers import all_counts, states


def _png(w: int = 4, h: int = 3) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * w for _ in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))  # fmt: skip


PNG = _png()


@pytest.fixture
def client(db: str, monkeypatch: pytest.MonkeyPatch):
    from starlette.testclient import TestClient

    from changeflow.cli.docservice import create_app

    monkeypatch.delenv("PREFECT_SERVER_API_AUTH_STRING", raising=False)
    with TestClient(create_app()) as c:
        yield c


def _plan_doc_id(key: str) -> int:
    from changeflow.db.models import Document, Request
    from changeflow.db.session import transaction

    with transaction() as s:
        return s.scalar(
            select(func.max(Document.id))
            .join(Request)
            .where(Request.key == key, Document.kind == "plan")
        )


def _hand_in(client, what: str, name: str, data: bytes):
    return client.post("/hand-in", data={"what": what, "by": "李娜"}, files={"file": (name, data)})


def test_a_recorded_document_downloads_by_id_and_an_unknown_id_is_404(
    client, submitted: str
) -> None:
    path = make_plan(submitted)
    doc_id = _plan_doc_id(submitted)
    r = client.get(f"/documents/{doc_id}")
    assert r.status_code == 200
    assert r.content == path.read_bytes()
    assert "attachment" in r.headers["content-disposition"]
    assert submitted in r.headers["content-disposition"]
    assert docx.Document(io.BytesIO(r.content)).tables  # the signed .docx itself
    assert client.get("/documents/999999").status_code == 404
    assert client.get(f"/documents/{doc_id}/pdf").status_code == 404  # no PDF made
    # a path is never a way in
    assert client.get("/documents/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get(f"/documents/{path}").status_code == 404


def test_auth_string_is_enforced_when_set(client, submitted: str, monkeypatch) -> None:
    make_plan(submitted)
    doc_id = _plan_doc_id(submitted)
    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", "lead:s3cret")
    for url in (f"/documents/{doc_id}", "/hand-in", "/documents/999999"):
        r = client.get(url)
        assert r.status_code == 401, url
        assert r.headers["www-authenticate"].startswith("Basic")
    wrong = base64.b64encode(b"lead:guess").decode()
    assert client.get("/hand-in", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    good = base64.b64encode(b"lead:s3cret").decode()
    r = client.get(f"/documents/{doc_id}", headers={"Authorization": f"Basic {good}"})
    assert r.status_code == 200 and r.content.startswith(b"PK")


def test_a_refused_hand_in_shows_the_reason_and_records_nothing(client, submitted: str) -> None:
    make_plan(submitted)
    before = all_counts()
    state = states()
    # a plan whose approval table was never filled in
    r = _hand_in(client, "returned", "plan.docx", (Path(_plan_path(submitted))).read_bytes())
    assert r.status_code == 422
    assert 'class="refused"' in r.text and "refused" in r.text
    # not a zip at all, and an evidence "scan" that is text
    r2 = _hand_in(client, "returned", "plan.docx", b"not a word file")
    assert r2.status_code == 422 and "Refused: plan.docx" in r2.text
    r3 = _hand_in(client, "evidence", "scan.pdf", b"hello")
    assert r3.status_code == 422 and "not really a .pdf" in r3.text
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x.txt", "x")
    r4 = _hand_in(client, "returned", "zip.docx", buf.getvalue())
    assert r4.status_code == 422
    assert all_counts() == before and states() == state


def _plan_path(key: str) -> Path:
    from tests.support.approval import plan_path

    return plan_path(key)


def test_a_signed_plan_handed_in_is_recorded_like_the_inbox(client, submitted: str) -> None:
    make_plan(submitted)
    data = fill(_plan_path(submitted))
    r = _hand_in(client, "returned", "signed.docx", data)
    assert r.status_code == 200, r.text
    assert "approved by 王芳" in r.text and f"{submitted} 现为 now 已批准 Approved" in r.text
    assert states()[submitted] == "approved"
    again = _hand_in(client, "returned", "signed.docx", data)
    assert "already recorded" in again.text  # the inbox's duplicate rule, not a copy of it


def test_uploads_get_ids_the_forms_accept(client, db: str) -> None:
    from changeflow.errors import NotFoundError
    from changeflow.flows.approval import evidence_path
    from changeflow.flows.delivery import delivery_file

    r = _hand_in(client, "screenshot", "home.png", PNG)
    assert r.status_code == 200, r.text
    line = r.text.split('id="result"')[1]
    upload_id = int(line.split("recorded as upload ")[1].split(";")[0])
    path = delivery_file(str(upload_id), "screenshots")
    assert path.read_bytes() == PNG
    from changeflow.tasks.uploads import upload_name

    assert upload_name(upload_id) == "home.png"  # the name the manual notes' image points at
    with pytest.raises(NotFoundError):
        evidence_path(str(upload_id))  # a screenshot is not evidence
    with pytest.raises(NotFoundError):
        delivery_file("424242", "junit_files")
    r2 = _hand_in(client, "evidence", "scan.png", PNG)
    assert r2.status_code == 200
    page = client.get("/hand-in")
    assert page.status_code == 200 and "下一步 Next" in page.text


def test_a_confirmed_sla_statement_handed_in_is_recorded(client, contract: str) -> None:
    """The monthly statement the client confirmed, through the hand-in page (the inbox's
    door): recorded as agreed; a copy with a changed figure is refused with the reason."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from changeflow.tasks import maintenance as mt
    from changeflow.tasks.signoff import today_local
    from tests.support.maintenance import fill_statement, stored

    sh = ZoneInfo("Asia/Shanghai")
    f = mt.report_fault(severity="crash", title="服务器崩溃",
                        reported_at=datetime(2026, 9, 23, 2, 0, tzinfo=sh),
                        now=datetime(2026, 9, 23, 2, 1, tzinfo=sh))  # fmt: skip
    mt.stamp(f.key, "respond", at=datetime(2026, 9, 23, 2, 20, tzinfo=sh))
    r = mt.sla_report_document("2026-09", "OA-2026")
    src = stored(r["path"])
    out = fill_statement(src, src.with_name("filled.docx"),
                         {"result": "无异议", "signer": "王芳",
                          "date": today_local().isoformat()})  # fmt: skip
    data = out.read_bytes()
    import io

    import docx

    d = docx.Document(io.BytesIO(data))
    changed = 0
    for t in d.tables:
        for row in t.rows:
            for c in row.cells:
                if c.text == "达标\n（20\u00a0分钟）":  # the state, the time used under it
                    c.text, changed = "达标\n（2\u00a0分钟）", changed + 1
    assert changed, "the statement shows the response used as 达标 / （20\u00a0分钟）"
    buf = io.BytesIO()
    d.save(buf)
    bad = _hand_in(client, "returned", "对账单.docx", buf.getvalue())
    shown = bad.text.replace("\u00a0", " ").replace("&nbsp;", " ")  # the changed cell, quoted
    assert bad.status_code in (200, 400, 422) and "content" in bad.text and "2 分钟" in shown
    assert mt.list_statements()[0]["state"] == "issued"
    ok = _hand_in(client, "returned", "对账单.docx", data)
    assert ok.status_code == 200, ok.text
    assert "by 王芳" in ok.text and "OA-2026/2026-09 现为 now 已确认 agreed" in ok.text
    assert mt.list_statements()[0]["state"] == "agreed"
