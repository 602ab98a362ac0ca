"""Client approval through the returned plan: the round trip, every refusal class, double and
concurrent ingestion, key rotation, and the lead's path (phone, mail, paper)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select

from changeflow.errors import InputError
from tests.support.approval import fill, libreoffice_resave, make_plan, plan_path, replace_cell
from tests.support.helpers import counts, sample_taskbook


def _approvals() -> list:
    from changeflow.db.approval import Approval
    from changeflow.db.session import transaction

    with transaction() as s:
        return [
            (a.request.key, a.subject_version, a.decision, a.channel, a.evidence_sha256)
            for a in s.scalars(select(Approval).order_by(Approval.id))
        ]


def _state(key: str) -> str:
    from changeflow.db.models import Request
    from changeflow.db.session import transaction

    with transaction() as s:
        return s.scalar(select(Request.state).where(Request.key == key))


def _last_event(key: str):
    from changeflow.db.models import Request, RequestEvent
    from changeflow.db.session import transaction

    with transaction() as s:
        ev = s.scalars(
            select(RequestEvent)
            .join(Request)
            .where(Request.key == key)
            .order_by(RequestEvent.id.desc())
        ).first()
        s.expunge(ev)
        return ev


@pytest.fixture
def planned(submitted: str) -> str:
    make_plan(submitted)
    return submitted


def second_request() -> str:
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import validate

    book = sample_taskbook() | {"project": "OA 报销流程改造"}
    return intake(validate(book, "second"), source="second").key


def _write(tmp_path: Path, data: bytes, name: str = "returned.docx") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _refused(cli, path: Path, code: str, *words: str) -> str:
    """The CLI refuses with exit 2 naming the file; nothing is written anywhere."""
    from changeflow.tasks.returned import approve_file
    from changeflow.tasks.signoff import Refused

    before = counts()
    with pytest.raises(InputError) as info:
        approve_file(path)
    err = info.value
    assert str(path) in str(err)
    if code:
        assert isinstance(err, Refused) and err.code == code, (err, getattr(err, "code", None))
    for w in words:
        assert w in str(err), str(err)
    rc, out, msg = cli("approve", str(path))
    assert rc == 2, (rc, out, msg)
    assert counts() == before
    assert _approvals() == []
    return str(err)


# --- the issued document ---------------------------------------------------------------


def test_issued_plan_carries_a_verifiable_signature(planned: str) -> None:
    from changeflow.tasks.inputs import open_docx
    from changeflow.tasks.signoff import canonical_lines, content_digest, signature_of
    from changeflow.wordparts import read_custom_properties

    path = plan_path(planned)
    d = open_docx(path.read_bytes(), str(path))
    props = signature_of(d, str(path))
    assert props["changeflow.request"] == planned
    assert props["changeflow.kind"] == "plan" and props["changeflow.version"] == "1"
    assert props["changeflow.kid"] == "k1"
    assert props["changeflow.digest"] == content_digest(canonical_lines(d))
    lines = canonical_lines(d)
    assert any("2,400.00" in line for line in lines)  # amounts are in the canonical content
    # the whole document is signed: the scope's text and the sign-off table's labels too,
    # but not the cells the client fills in
    assert "审批人 | ＿" in lines and any(line.startswith("¶ ") for line in lines)
    assert read_custom_properties(d)["changeflow.total"]  # the planner's own properties stay


# --- round trips -----------------------------------------------------------------------


def test_round_trip_approved_by_document(planned: str, cli, tmp_path: Path) -> None:
    from changeflow.db.store import sha256_bytes
    from changeflow.settings import get_settings

    data = fill(plan_path(planned), comment="同意，请尽快安排。")
    path = _write(tmp_path, data)
    rc, out, err = cli("approve", str(path), "--json")
    assert rc == 0, err
    res = json.loads(out)
    assert res["key"] == planned and res["decision"] == "approve" and res["state"] == "approved"
    assert res["approver"] == "王芳" and res["comment"] == "同意，请尽快安排。"
    assert res["evidence_sha256"] == sha256_bytes(data) and not res["duplicate"]
    archived = get_settings().store_dir / res["evidence"]
    assert archived.read_bytes() == data
    assert "/plan-returned/" in res["evidence"]
    ev = _last_event(planned)
    assert (ev.from_state, ev.to_state, ev.channel) == ("planned", "approved", "document")
    assert ev.actor == "王芳" and ev.evidence_sha256 == sha256_bytes(data)
    assert ev.data["comment"] == "同意，请尽快安排。" and ev.data["decided_on"] == res["decided_on"]
    assert _state(planned) == "approved"


def test_rejected_then_new_version_then_approved(planned: str, cli, tmp_path: Path) -> None:
    v1 = fill(plan_path(planned), decision="不同意", comment="测试工作量偏高，请调整。")
    rc, out, err = cli("approve", str(_write(tmp_path, v1, "v1.docx")), "--json")
    assert rc == 0, err
    assert json.loads(out)["state"] == "rejected"
    ev = _last_event(planned)
    assert ev.to_state == "rejected" and "测试工作量偏高" in ev.reason
    make_plan(planned)  # the lead answers with v2
    assert _state(planned) == "planned"
    v2 = fill(plan_path(planned, 2))
    rc, out, err = cli("approve", str(_write(tmp_path, v2, "v2.docx")), "--json")
    assert rc == 0, err
    assert json.loads(out)["version"] == 2 and _state(planned) == "approved"
    assert [a[1:3] for a in _approvals()] == [(1, "reject"), (2, "approve")]


def test_english_plan_and_english_labels(submitted: str, cli, tmp_path: Path) -> None:
    make_plan(submitted, lang="en")
    data = fill(plan_path(submitted), decision="Approved", approver="Wang Fang", comment="OK")
    rc, out, err = cli("approve", str(_write(tmp_path, data)), "--json")
    assert rc == 0, err
    assert json.loads(out)["decision"] == "approve"


def test_libreoffice_resaved_document_round_trips(planned: str, cli, tmp_path: Path) -> None:
    from changeflow.tasks.inputs import open_docx
    from changeflow.tasks.signoff import canonical_lines

    filled = fill(plan_path(planned), comment="同意  （盖章后扫描件另寄）")
    resaved = libreoffice_resave(filled, tmp_path)
    sent = plan_path(planned).read_bytes()
    assert canonical_lines(open_docx(resaved, "lo")) == canonical_lines(open_docx(sent, "sent"))
    rc, out, err = cli("approve", str(_write(tmp_path, resaved)), "--json")
    assert rc == 0, err
    res = json.loads(out)
    assert res["state"] == "approved" and res["comment"] == "同意 （盖章后扫描件另寄）"


def test_libreoffice_resave_keeps_an_edited_amount_visible(
    planned: str, cli, tmp_path: Path
) -> None:
    edited = fill(plan_path(planned), edit=lambda d: replace_cell(d, "2,400.00", "1,400.00"))
    resaved = libreoffice_resave(edited, tmp_path)
    _refused(cli, _write(tmp_path, resaved), "edited", "2,400.00", "1,400.00")


def test_older_key_still_verifies_after_rotation(planned: str, cli, tmp_path: Path) -> None:
    data = fill(plan_path(planned))
    rc, out, _ = cli("secret", "rotate", "--json")
    assert rc == 0 and json.loads(out) == {"signing_key": "k2", "keys": ["k1", "k2"]}
    rc, out, err = cli("approve", str(_write(tmp_path, data)), "--json")
    assert rc == 0, err
    from changeflow.tasks.signoff import signature_of

    make_plan(planned)  # approved -> planned again: v2 is signed with the new key
    d = docx.Document(str(plan_path(planned, 2)))
    assert signature_of(d, "v2")["changeflow.kid"] == "k2"


# --- refusals: each class --------------------------------------------------------------


def test_refuses_a_document_without_signature(planned: str, cli, tmp_path: Path) -> None:
    from changeflow.wordparts import write_custom_properties

    data = fill(plan_path(planned), edit=lambda d: write_custom_properties(d, {}))
    _refused(cli, _write(tmp_path, data), "unsigned", "no changeflow signature")


def test_refuses_forged_properties(planned: str, cli, tmp_path: Path) -> None:
    from changeflow.wordparts import read_custom_properties, write_custom_properties

    def bump_version(d) -> None:
        props = read_custom_properties(d)
        props["changeflow.version"] = "7"
        write_custom_properties(d, props)

    data = fill(plan_path(planned), edit=bump_version)
    _refused(cli, _write(tmp_path, data), "forged", "does not verify")


def test_refuses_a_signature_from_another_installation(
    planned: str, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone with a copy of the software but not our secret signs an edited plan."""
    from changeflow.settings import reset_settings
    from changeflow.tasks.signoff import sign_docx

    edited = fill(plan_path(planned), edit=lambda d: replace_cell(d, "2,400.00", "24.00"))
    monkeypatch.setenv("CHANGEFLOW_SECRET_FILE", str(tmp_path / "other.key"))
    reset_settings()
    from changeflow.tasks.signoff.keys import ensure_secret

    ensure_secret()
    forged = sign_docx(edited, kind="plan", request=planned, version=1, lang="zh-CN")
    monkeypatch.delenv("CHANGEFLOW_SECRET_FILE")
    reset_settings()
    _refused(cli, _write(tmp_path, forged), "forged", "does not verify")


def test_refuses_edited_amounts_and_names_them(planned: str, cli, tmp_path: Path) -> None:
    data = fill(plan_path(planned), edit=lambda d: replace_cell(d, "¥20,458.00", "¥12,000.00"))
    msg = _refused(cli, _write(tmp_path, data), "edited", "¥20,458.00", "¥12,000.00")
    assert "new version" in msg


def test_refuses_an_added_work_item_row(planned: str, cli, tmp_path: Path) -> None:
    def add_row(d) -> None:
        items = next(t for t in d.tables if len(t.columns) == 10)  # the work items
        row = items.add_row()
        row.cells[3].text = "额外免费工作"

    _refused(
        cli, _write(tmp_path, fill(plan_path(planned), edit=add_row)), "edited", "额外免费工作"
    )


def test_refuses_a_stale_version(planned: str, cli, tmp_path: Path) -> None:
    v1 = fill(plan_path(planned, 1))
    make_plan(planned)  # v2 sent: planned -> planned
    _refused(cli, _write(tmp_path, v1), "stale", "v2")


def test_refuses_another_requests_document(planned: str, cli, tmp_path: Path) -> None:
    from changeflow.wordparts import read_custom_properties, write_custom_properties

    other = second_request()
    make_plan(other)
    theirs = read_custom_properties(docx.Document(str(plan_path(other))))

    def take_signature(d) -> None:  # our plan's content under the other request's signature
        write_custom_properties(d, theirs)

    data = fill(plan_path(planned), edit=take_signature)
    _refused(cli, _write(tmp_path, data), "other-request", planned, other)
    # and the right document, declared for the wrong request
    path = _write(tmp_path, fill(plan_path(planned)), "mine.docx")
    rc, _, msg = cli("approve", str(path), "--key", other)
    assert rc == 2 and f"not of {other}" in msg


@pytest.mark.parametrize(
    ("decision", "approver", "date", "code", "words"),
    [
        ("", "王芳", None, "decision", "blank"),
        ("同意/不同意", "王芳", None, "decision", "not a clear decision"),
        ("□同意 □不同意", "王芳", None, "decision", "no box is ticked"),
        ("可以吧", "王芳", None, "decision", "not a clear decision"),
        ("同意", "", None, "approver", "approver"),
        ("同意", "王芳", "", "date", "blank"),
        ("同意", "王芳", "下周一", "date", "not a date"),
        ("同意", "王芳", "2026-02-30", "date", "not a date"),
        ("同意", "王芳", "2099-01-01", "date", "future"),
        ("同意", "王芳", "2020-01-01", "date", "before the plan v1 was issued"),
    ],
)
def test_refuses_an_unclear_signoff(
    planned: str, cli, tmp_path: Path, decision, approver, date, code, words
) -> None:
    data = fill(plan_path(planned), decision=decision, approver=approver, date=date)
    _refused(cli, _write(tmp_path, data), code, words)


def test_ticked_box_is_a_decision(planned: str, cli, tmp_path: Path) -> None:
    data = fill(plan_path(planned), decision="☐同意 ☑不同意", comment="预算超出")
    rc, out, err = cli("approve", str(_write(tmp_path, data)), "--json")
    assert rc == 0, err
    assert json.loads(out)["decision"] == "reject"


def test_refuses_a_removed_signoff_table(planned: str, cli, tmp_path: Path) -> None:
    def drop(d) -> None:  # the table the client fills (the seal block after it stays)
        t = next(t for t in d.tables if t.rows[0].cells[0].text.startswith("决定"))._tbl
        t.getparent().remove(t)

    _refused(cli, _write(tmp_path, fill(plan_path(planned), edit=drop)), "signoff", "sign-off")


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("empty.docx", lambda good: b"", "empty"),
        ("plain.docx", lambda good: "这不是文档".encode(), "not a Word .docx"),
        ("cut.docx", lambda good: good[: len(good) // 2], "damaged or truncated"),
        ("old.doc", lambda good: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old binary"),
    ],
)
def test_refuses_a_file_that_fails_the_checks(
    planned: str, cli, tmp_path: Path, name, make, words
) -> None:
    good = fill(plan_path(planned))
    path = _write(tmp_path, make(good), name)
    before = counts()
    rc, _, msg = cli("approve", str(path))
    assert rc == 2 and words in msg and str(path) in msg, msg
    assert counts() == before and _approvals() == []


def test_a_different_file_for_a_decided_version_is_refused(
    planned: str, cli, tmp_path: Path
) -> None:
    rc, _, err = cli("approve", str(_write(tmp_path, fill(plan_path(planned)), "a.docx")))
    assert rc == 0, err
    again = fill(plan_path(planned), decision="不同意", approver="赵强")
    path = _write(tmp_path, again, "b.docx")
    before = counts()
    rc, _, msg = cli("approve", str(path))
    assert rc == 2 and "already approved by 王芳" in msg
    assert counts() == before


# --- idempotency -----------------------------------------------------------------------


def test_same_file_twice_is_one_decision(planned: str, cli, tmp_path: Path) -> None:
    path = _write(tmp_path, fill(plan_path(planned)))
    rc1, out1, _ = cli("approve", str(path), "--json")
    before = counts()
    rc2, out2, _ = cli("approve", str(path), "--json")
    assert rc1 == rc2 == 0
    first, second = json.loads(out1), json.loads(out2)
    assert not first["duplicate"] and second["duplicate"]
    assert first["approval_id"] == second["approval_id"]
    assert counts() == before and len(_approvals()) == 1


def test_two_threads_at_once_give_one_decision(planned: str, tmp_path: Path) -> None:
    from changeflow.tasks.returned import approve_file

    path = _write(tmp_path, fill(plan_path(planned)))
    results, errors = [], []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        try:
            results.append(approve_file(path))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.duplicate for r in results) == [False, True, True, True]
    assert len({r.approval_id for r in results}) == 1
    assert len(_approvals()) == 1
    _assert_one_decision_event(planned)


def _assert_one_decision_event(key: str) -> None:
    from changeflow.db.models import Document, Request, RequestEvent
    from changeflow.db.session import transaction

    with transaction() as s:
        n = s.scalar(
            select(func.count())
            .select_from(RequestEvent)
            .join(Request)
            .where(Request.key == key, RequestEvent.to_state == "approved")
        )
        docs = s.scalar(
            select(func.count()).select_from(Document).where(Document.kind == "plan-returned")
        )
    assert n == 1 and docs == 1
    from changeflow.settings import get_settings

    archived = list((get_settings().store_dir / key / "plan-returned").iterdir())
    assert len(archived) == 1


def test_two_processes_at_once_give_one_decision(planned: str, tmp_path: Path) -> None:
    path = _write(tmp_path, fill(plan_path(planned)))
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "changeflow", "approve", str(path), "--json"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err.decode()
    docs = [json.loads(out) for out, _ in outs]
    assert sorted(d["duplicate"] for d in docs) == [False, True]
    assert len(_approvals()) == 1
    _assert_one_decision_event(planned)


def test_concurrent_ingestion_on_postgres(pg_url: str, tmp_path: Path) -> None:
    from changeflow.db.migrate import upgrade
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.intake import intake_file
    from changeflow.tasks.returned import approve_file
    from changeflow.tasks.signoff.keys import ensure_secret

    upgrade(pg_url)
    ensure_secret()
    load_contract_file(Path("examples/contract.yaml").resolve())
    key = intake_file(Path("examples/taskbook.yaml").resolve()).key
    make_plan(key)
    path = _write(tmp_path, fill(plan_path(key)))
    results, errors = [], []
    barrier = threading.Barrier(3)

    def worker() -> None:
        barrier.wait()
        try:
            results.append(approve_file(path))
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.duplicate for r in results) == [False, True, True]
    _assert_one_decision_event(key)


# --- the lead's path: phone, mail, paper ------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_recorded_decision_with_a_scan(planned: str, cli, tmp_path: Path) -> None:
    from changeflow.db.store import sha256_bytes
    from changeflow.settings import get_settings
    from changeflow.tasks.signoff import today_local

    scan = _write(tmp_path, PDF + "盖章扫描件".encode(), "盖章审批单.pdf")
    args = [
        "decision",
        planned,
        "--approve",
        "--approver",
        "王芳",
        "--date",
        today_local().isoformat(),
        "--comment",
        "电话确认，纸质件已盖章",
        "--evidence",
        str(scan),
        "--json",
    ]
    rc, out, err = cli(*args)
    assert rc == 0, err
    res = json.loads(out)
    assert res["channel"] == "cli" and res["state"] == "approved"
    assert res["evidence_sha256"] == sha256_bytes(scan.read_bytes())
    assert (get_settings().store_dir / res["evidence"]).read_bytes() == scan.read_bytes()
    assert "/plan-evidence/" in res["evidence"]
    rc, out, _ = cli(*args)  # the same form again: one decision
    assert rc == 0 and json.loads(out)["duplicate"]
    assert len(_approvals()) == 1


def test_recorded_decision_by_phone_without_a_file(planned: str) -> None:
    from changeflow.tasks.signoff import record_decision, today_local

    res = record_decision(planned, "reject", "王芳", today_local(), "电话：预算需压缩到 1.5 万")
    assert res.state == "rejected" and res.evidence is None and res.channel == "ui"
    ev = _last_event(planned)
    assert ev.channel == "ui" and "1.5 万" in ev.reason


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("scan.exe", b"MZ....", "use a scan"),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n....", "not really a .pdf"),
        ("mail.eml", "只是一段文字".encode(), "no headers"),
        ("scan.pdf", b"", "empty"),
    ],
)
def test_recorded_decision_refuses_bad_evidence(planned: str, name, data, words) -> None:
    from changeflow.tasks.signoff import record_decision, today_local

    before = counts()
    with pytest.raises(InputError) as info:
        record_decision(planned, "approve", "王芳", today_local(), "", data, name)
    assert words in str(info.value)
    assert counts() == before


def test_recorded_decision_refuses_when_not_waiting(submitted: str, cli) -> None:
    rc, _, msg = cli(
        "decision", submitted, "--approve", "--approver", "王芳", "--date", "2026-12-01"
    )
    assert rc == 2 and "no plan sent yet" in msg


def test_decision_cli_needs_exactly_one_choice(planned: str, cli) -> None:
    rc, _, msg = cli("decision", planned, "--approver", "王芳", "--date", "2026-12-01")
    assert rc == 2 and "exactly one" in msg
    rc, _, msg = cli(
        "decision", planned, "--approve", "--reject", "--approver", "x", "--date", "2026-12-01"
    )
    assert rc == 2


def test_canonical_content_ignores_run_splits_and_spacing(planned: str) -> None:
    """What Word/WPS do on save (runs split, spaces doubled, full-width digits) is not an
    edit; a changed digit is."""
    from changeflow.tasks.signoff import canonical_lines

    d = docx.Document(str(plan_path(planned)))
    sent = canonical_lines(d)
    cell = d.tables[0].rows[0].cells[1]
    p = cell.paragraphs[0]
    text = p.text
    for r in list(p.runs):
        r._r.getparent().remove(r._r)
    p.add_run("  " + text[:3])
    p.add_run(text[3:].replace("2026", "２０２６") + " \u00a0")
    buf = io.BytesIO()
    d.save(buf)
    assert canonical_lines(docx.Document(io.BytesIO(buf.getvalue()))) == sent
    replace_cell(d, "2,400.00", "2,400.01")
    assert canonical_lines(d) != sent
