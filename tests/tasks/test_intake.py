"""Task-book intake: the filled template, YAML, the CLI, and every class of bad input."""

from __future__ import annotations

import copy
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from sqlalchemy import select

from changeflow.db.models import Document, Request
from changeflow.db.session import transaction
from changeflow.db.store import document_path, sha256_file
from tests.conftest import EXAMPLES
from tests.support.helpers import counts, fill_taskbook, sample_taskbook


def test_filled_docx_template_becomes_submitted_request(contract: str, tmp_path: Path, cli) -> None:
    path = fill_taskbook(sample_taskbook(), tmp_path / "任务书.docx")
    code, out, _ = cli("intake", str(path), "--json")
    assert code == 0
    key = yaml.safe_load(out)["key"]
    assert key.startswith("CR-20") and key.endswith("-0001")
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == key))
        assert req.state == "submitted" and req.kind == "dev" and req.priority == "high"
        assert req.client.code == "DEMO" and req.contract.code == "OA-2026"
        assert [r.no for r in req.requirements] == [1, 2, 3]
        assert req.requirements[0].text == "请假超过 3 天增加分管领导审批节点"
        assert req.requirements[1].priority == "medium"
        assert req.requirements[2].acceptance == "报表数字与考勤系统导出一致"
        assert str(req.desired_date) == "2027-01-29" and req.requester == "王芳"
        assert req.attachments == ["请假流程图.pdf", "考勤接口说明.docx"]
        assert req.contact["phone"] == "010-6000-1234"
        doc = s.scalar(select(Document).where(Document.request_id == req.id))
        assert doc.kind == "taskbook" and doc.sha256 == sha256_file(path)
        assert document_path(doc).read_bytes() == path.read_bytes()
        assert [e.to_state for e in req.events] == ["submitted"]
        assert req.events[0].evidence_sha256 == doc.sha256


def test_english_template_and_extra_rows(contract: str, tmp_path: Path) -> None:
    from changeflow.tasks.intake import intake_file

    data = sample_taskbook()
    data["requirements"] = [
        {"no": i, "text": f"Requirement {i} <b>&amp;</b>", "priority": "low", "acceptance": "ok"}
        for i in range(1, 9)
    ]  # more rows than the blank template has
    path = fill_taskbook(data, tmp_path / "taskbook-en.docx", lang="en")
    result = intake_file(path)
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == result.key))
        assert len(req.requirements) == 8
        assert req.requirements[7].text == "Requirement 8 <b>&amp;</b>"


def test_yaml_intake_and_status(contract: str, cli) -> None:
    code, out, _ = cli("intake", str(EXAMPLES / "taskbook.yaml"))
    assert code == 0 and "CR-" in out
    code, out, _ = cli("status", "--json")
    rows = yaml.safe_load(out)
    assert len(rows) == 1 and rows[0]["state"] == "submitted"
    key = rows[0]["key"]
    code, out, _ = cli("status", key, "--json")
    info = yaml.safe_load(out)
    assert info["timeline"][0]["to"] == "submitted" and len(info["requirements"]) == 3
    code, out, _ = cli("status", key)
    assert code == 0 and "请假" in out


def test_same_file_twice_is_refused(contract: str) -> None:
    from changeflow.errors import InputError
    from changeflow.tasks.intake import intake_file

    intake_file(EXAMPLES / "taskbook.yaml")
    before = counts()
    with pytest.raises(InputError, match="already taken in"):
        intake_file(EXAMPLES / "taskbook.yaml")
    assert counts() == before


def test_unknown_client_hints_to_load_contract(db: str, cli) -> None:
    code, _, err = cli("intake", str(EXAMPLES / "taskbook.yaml"))
    assert code == 2 and "client" in err and "changeflow contract load" in err
    assert counts() == {"request": 0, "request_event": 0, "document": 0, "files": 0}


def test_keys_count_per_year(contract: str) -> None:
    from datetime import UTC, datetime

    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import validate

    book = validate(sample_taskbook(), "t")
    k1 = intake(book, now=datetime(2026, 12, 31, 15, 59, tzinfo=UTC)).key  # 23:59 Shanghai
    k2 = intake(book, now=datetime(2026, 12, 31, 16, 1, tzinfo=UTC)).key  # 00:01 next year
    k3 = intake(book, now=datetime(2027, 1, 2, tzinfo=UTC)).key
    assert (k1, k2, k3) == ("CR-2026-0001", "CR-2027-0001", "CR-2027-0002")


# --- bad input: one clear line naming file, field, problem; exit 2; nothing written ---------


def _yaml(tmp_path: Path, name: str, data: object) -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def _zip(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _docx_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(EXAMPLES / "taskbook.docx") as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def bad_inputs(tmp_path: Path) -> list[tuple[str, Path, str, str]]:
    """(class, file, expected field, expected words)."""
    data = sample_taskbook()
    cases: list[tuple[str, Path, str, str]] = []
    d = copy.deepcopy(data)
    del d["project"]
    cases.append(("missing field", _yaml(tmp_path, "missing.yaml", d), "project", "required"))
    d = copy.deepcopy(data)
    d["date"] = "2026-13-45"
    cases.append(("bad date", _yaml(tmp_path, "baddate.yaml", d), "date", "date"))
    d = copy.deepcopy(data)
    d["requirements"] = []
    cases.append(("empty requirements yaml", _yaml(tmp_path, "noreq.yaml", d), "requirements",
                  "empty"))  # fmt: skip
    d = copy.deepcopy(data)
    d["requirements"] = []
    cases.append(("empty requirements docx", fill_taskbook(d, tmp_path / "noreq.docx"),
                  "requirements", "empty"))  # fmt: skip
    d = copy.deepcopy(data)
    d["date"] = "下周一"
    cases.append(("bad date docx", fill_taskbook(d, tmp_path / "baddate.docx"), "date", "date"))
    p = tmp_path / "notes.txt"
    p.write_text("项目名称: x")
    cases.append(("neither docx nor yaml", p, "file", "neither"))
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048
    p = tmp_path / "old.doc"
    p.write_bytes(ole)
    cases.append(("old binary .doc", p, "file", ".doc"))
    p = tmp_path / "encrypted.docx"
    p.write_bytes(ole)
    cases.append(("encrypted docx (OLE2 container)", p, "file", "encrypted"))
    p = tmp_path / "notzip.docx"
    p.write_bytes(b"this is not a zip file at all")
    cases.append(("not a zip", p, "file", "not a Word"))
    p = tmp_path / "truncated.docx"
    p.write_bytes((EXAMPLES / "taskbook.docx").read_bytes()[:3000])
    cases.append(("truncated", p, "file", "damaged"))
    p = tmp_path / "empty.docx"
    p.write_bytes(b"")
    cases.append(("empty file", p, "file", "empty"))
    parts = _docx_parts()
    parts["word/document.xml"] = b"<w:p/>" * (12 * 1024 * 1024)
    p = tmp_path / "bomb.docx"
    p.write_bytes(_zip(parts))
    cases.append(("zip bomb", p, "file", "zip bomb"))
    parts = _docx_parts()
    parts["word/document.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        + parts["word/document.xml"].split(b"?>", 1)[1]
    )
    p = tmp_path / "entity.docx"
    p.write_bytes(_zip(parts))
    cases.append(("DOCTYPE/ENTITY part", p, "file", "DOCTYPE"))
    parts = _docx_parts()
    parts["word/vbaProject.bin"] = b"macro"
    p = tmp_path / "macro.docx"
    p.write_bytes(_zip(parts))
    cases.append(("macro-enabled", p, "file", "macro"))
    p = tmp_path / "huge.yaml"
    with open(p, "wb") as f:
        f.truncate(21 * 1024 * 1024)
    cases.append(("oversized file", p, "file", "limit"))
    p = tmp_path / "bomb.yaml"
    p.write_text('a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: [*c,*c]\n')
    cases.append(("yaml alias bomb", p, "line", "aliases"))
    d = copy.deepcopy(data)
    d["requirements"] = "all of them"
    cases.append(("yaml wrong type", _yaml(tmp_path, "wrongtype.yaml", d), "requirements",
                  "list"))  # fmt: skip
    d = copy.deepcopy(data)
    d["requirements"][0]["priority"] = "asap"
    cases.append(("bad priority", _yaml(tmp_path, "prio.yaml", d), "requirements.0.priority",
                  "priority"))  # fmt: skip
    p = tmp_path / "gbk.yaml"
    p.write_bytes("project: 请假".encode("gbk"))
    cases.append(("wrong encoding", p, "file", "UTF-8"))
    p = tmp_path / "impossible.yaml"
    p.write_text((EXAMPLES / "taskbook.yaml").read_text().replace("2026-11-20", "2027-02-30"))
    cases.append(("impossible unquoted yaml date", p, "document", "out of range"))
    p = tmp_path / "list.yaml"
    p.write_text("- a\n- b\n")
    cases.append(("yaml not a mapping", p, "document", "mapping"))
    return cases


def test_every_bad_input_class_is_refused_cleanly(contract: str, tmp_path: Path, cli) -> None:
    for name, path, field, words in bad_inputs(tmp_path):
        before = counts()
        code, _, err = cli("intake", str(path))
        assert code == 2, name
        assert str(path) in err and field in err and words in err, (name, err)
        assert "\n" not in err.strip(), name
        assert counts() == before, name


def test_cli_process_prints_one_line_and_exits_2(contract: str, tmp_path: Path) -> None:
    """The installed command itself: no traceback, one line on stderr, exit code 2."""
    bad = tmp_path / "old.doc"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "changeflow", "intake", str(bad)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and "file" in lines[0]


def test_hostile_text_is_kept_as_text(contract: str, tmp_path: Path) -> None:
    """Markup-like and template-like text is data: stored exactly, control chars stripped."""
    from changeflow.tasks.intake import intake_file

    d = sample_taskbook()
    d["project"] = "A < B && C {{ 7*7 }} {% if x %}</w:t>\x0b"
    path = fill_taskbook(d, tmp_path / "hostile.docx")
    key = intake_file(path).key
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == key))
        assert req.title == "A < B && C {{ 7*7 }} {% if x %}</w:t>"
    reread = docx.Document(str(path))
    assert "{{ 7*7 }}" in reread.tables[0].rows[0].cells[1].text


# --- what a person reads ------------------------------------------------------------------


def test_intake_names_client_contract_count_and_next_step(contract: str, cli) -> None:
    code, out, err = cli("intake", str(EXAMPLES / "taskbook.yaml"))
    assert code == 0, err
    line = " ".join(out.split())
    assert "CR-2026-0001" in line and "client 示例集团有限公司" in line
    assert "contract OA-2026" in line and "3 requirement(s)" in line
    assert "next: changeflow plan CR-2026-0001" in line
    # the same task book as .docx (same project, client and requirements): refused, named
    code, out, err = cli("intake", str(EXAMPLES / "taskbook.docx"), "--json")
    assert code == 2 and not out.strip(), out
    assert "already taken in as CR-2026-0001" in err and "taskbook.docx" in err


def test_every_bad_field_is_named_at_once(contract: str, tmp_path: Path, cli) -> None:
    data = sample_taskbook()
    data["kind"] = "maybe"  # 需求类型
    data["priority"] = "asap"  # 优先级
    data["requirements"][1]["priority"] = "soon"
    path = _yaml(tmp_path, "bad.yaml", data)
    before = counts()
    code, _, err = cli("intake", str(path))
    assert code == 2 and "\n" not in err.strip()
    for field, value in (("kind", "maybe"), ("priority", "asap"),
                         ("requirements.1.priority", "soon")):  # fmt: skip
        assert f"{field}: '{value}'" in err, (field, err)
    assert counts() == before


def test_unknown_client_lists_known_names_and_aliases(contract: str, tmp_path: Path, cli) -> None:
    data = sample_taskbook()
    data["client"] = "无名公司"
    code, _, err = cli("intake", str(_yaml(tmp_path, "who.yaml", data)))
    assert code == 2 and "unknown client '无名公司'" in err
    assert "示例集团有限公司 (DEMO" in err and "示例集团" in err and "Demo Group Ltd." in err
