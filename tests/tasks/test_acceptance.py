"""Acceptance: the certificate we issue, and the returned copy through the same verified
path as a plan approval (signature, unchanged tables, newest version, once only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from changeflow.errors import InputError, TransitionError
from tests.support.delivery import (
    docx_text,
    east_asia_fonts,
    fill_certificate,
    go_live,
    state_of,
)
from tests.support.helpers import counts

HOSTILE = "A < B && C > D {{ 7*7 }} {% if x %}boom{% endif %} \x0bend\x00"
HOSTILE_SHOWN = "A < B && C > D {{ 7*7 }} {% if x %}boom{% endif %} end"


@pytest.fixture
def live(submitted: str, tmp_path: Path) -> str:
    """A request that went live at its tested commit."""
    return go_live(submitted, tmp_path)


def _events(key: str) -> list[dict]:
    from changeflow.tasks.status import request_status

    return request_status(key)["timeline"]


def test_certificate_lists_the_deliverables_and_is_signed(live) -> None:
    import docx

    from changeflow.tasks.acceptance import issue_certificate
    from changeflow.wordparts import read_custom_properties

    cert = issue_certificate(live, actor="李明")
    assert cert.version == 1 and cert.state == "live"
    assert [d["kind"] for d in cert.deliverables] == ["testreport", "golive", "release"]
    assert cert.missing == ["plan", "techdoc", "manual"]
    # a number keeps its unit in a table cell (3\u00a0天): read as the page shows it
    text = docx_text(Path(cert.document)).replace("\u00a0", " ")
    for expected in ("验收单", live, "测试报告", "上线记录", "程序代码", "王芳", "李明",
                     "请假超过 3 天增加分管领导审批节点", "第1次测试通过", "退回至"):  # fmt: skip
        assert expected in text, expected
    props = read_custom_properties(docx.Document(cert.document))
    assert props["changeflow.kind"] == "acceptance" and props["changeflow.request"] == live
    assert props["changeflow.mac"] and props["changeflow.release"] == f"release/{live}-v1"
    assert east_asia_fonts(Path(cert.document)) == {
        "docDefaults": "SimSun",
        "Normal": "SimSun",
        "Heading1": "SimHei",
    }


def test_issue_refused_unless_live(submitted) -> None:
    from changeflow.tasks.acceptance import issue_certificate

    before = counts()
    with pytest.raises(TransitionError, match="submitted"):
        issue_certificate(submitted)
    assert counts() == before


def test_accepted_closes_the_request(live) -> None:
    from changeflow.tasks.acceptance import issue_certificate
    from changeflow.tasks.signoff import accept_document

    cert = issue_certificate(live)
    filled = fill_certificate(Path(cert.document), comment="同意验收 <&>")
    res = accept_document(filled, "returned.docx", actor="inbox")
    assert res["decision"] == "approve" and res["state"] == "accepted"
    assert res["returned_to"] is None and state_of(live) == "accepted"
    last = _events(live)[-1]
    assert (last["from"], last["to"], last["actor"], last["channel"]) == (
        "live", "accepted", "王芳", "document",
    )  # fmt: skip
    assert "同意验收 <&>" in last["reason"]
    again = accept_document(filled, "returned-again.docx")
    assert again["duplicate"] is True and state_of(live) == "accepted"


@pytest.mark.parametrize(("back", "state"), [("", "in_testing"), ("开发", "in_development"),
                                             ("测试", "in_testing")])  # fmt: skip
def test_not_accepted_goes_back_with_the_reasons(live, back, state) -> None:
    from changeflow.tasks.acceptance import issue_certificate
    from changeflow.tasks.signoff import accept_document

    cert = issue_certificate(live)
    filled = fill_certificate(
        Path(cert.document), decision="不通过", comment="统计报表按月汇总不对", return_to=back
    )
    res = accept_document(filled, "returned.docx")
    assert res["decision"] == "reject" and res["state"] == state == state_of(live)
    reasons = " ".join(e["reason"] for e in _events(live)[-2:])
    assert "统计报表按月汇总不对" in reasons


def test_returned_certificate_refusals(live, tmp_path) -> None:
    import docx

    from changeflow.tasks.acceptance import issue_certificate
    from changeflow.tasks.signoff import Refused, accept_document, accept_file

    v1 = issue_certificate(live)
    before = counts()

    def refused(data: bytes, code: str | None = None, match: str = "") -> None:
        with pytest.raises(InputError) as err:
            accept_document(data, "back.docx")
        if code:
            assert getattr(err.value, "code", None) == code, err.value
        assert match in str(err.value)

    # the release's version edited in the deliverables table
    edited = fill_certificate(Path(v1.document))
    d = docx.Document(__import__("io").BytesIO(edited))
    for t in d.tables:
        for row in t.rows:
            if row.cells[1].text == "程序代码":
                row.cells[3].text = "第9版"
    buf = __import__("io").BytesIO()
    d.save(buf)
    refused(buf.getvalue(), "edited", "第9版")
    refused(fill_certificate(Path(v1.document), decision="也许"), "decision")
    refused(fill_certificate(Path(v1.document), approver=""), "approver")
    refused(fill_certificate(Path(v1.document), date="明天"), "date")
    refused(fill_certificate(Path(v1.document), decision="不通过", return_to="重做"), "decision",
            "重做")  # fmt: skip
    refused(b"not a docx", None, "zip")
    # a plan or any other signed document is not a certificate
    from changeflow.tasks.signoff import sign_docx

    other = sign_docx(Path(v1.document).read_bytes(), kind="plan", request=live, version=1,
                      lang="zh-CN")  # fmt: skip
    refused(other, "unknown", "not an acceptance certificate")
    assert counts() == before and state_of(live) == "live"
    same = issue_certificate(live)  # nothing changed: v1 stands, nothing written
    assert (same.unchanged, same.version, same.sha256) == (True, 1, v1.sha256)
    assert counts() == before
    # v2 issued on purpose: v1 is stale
    assert issue_certificate(live, new_version=True).version == 2
    with pytest.raises(Refused) as err:
        accept_file(_write(tmp_path / "v1.docx", fill_certificate(Path(v1.document))))
    assert err.value.code == "stale"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_hostile_text_renders_as_typed_in_every_document(live, tmp_path) -> None:
    """Requirement text and a title with markup, template tags and control characters."""
    from sqlalchemy import select

    from changeflow.db.models import Request
    from changeflow.db.session import transaction
    from changeflow.tasks.acceptance import issue_certificate

    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == live))
        req.title = "标题 " + HOSTILE
        req.requirements[0].text = HOSTILE
        req.requirements[0].acceptance = "</w:t><w:t>injected & <b>"
    cert = issue_certificate(live)
    text = docx_text(Path(cert.document))
    assert HOSTILE_SHOWN in text and "标题 " + HOSTILE_SHOWN in text
    assert "</w:t><w:t>injected & <b>" in text
    assert "\x0b" not in text and "\x00" not in text
    # the test report and the go-live record of the same request, both languages
    from changeflow.db.delivery import Release, TestRun
    from changeflow.tasks.golive import render_golive
    from changeflow.tasks.testing import render_report

    with transaction() as s:
        run = s.scalar(select(TestRun))
        rel = s.scalar(select(Release))
        for lang in ("zh-CN", "en"):
            report = docx_text(render_report(run, lang))
            assert HOSTILE_SHOWN in report and "</w:t><w:t>injected & <b>" in report
            assert "标题 " + HOSTILE_SHOWN in docx_text(render_golive(rel, lang))


def test_cli_acceptance_and_accept(live, cli, tmp_path) -> None:
    code, out, _ = cli("acceptance", live, "--json")
    assert code == 0
    cert = json.loads(out)
    f = _write(tmp_path / "back.docx", fill_certificate(Path(cert["document"])))
    code, out, _ = cli("accept", str(f), "--json")
    assert code == 0 and json.loads(out)["state"] == "accepted"
    code, _, err = cli("accept", str(tmp_path / "missing.docx"))
    assert code == 2 and "missing.docx" in err
    code, _, err = cli("acceptance", live)
    assert code == 4


def test_certificate_filled_and_resaved_by_libreoffice_is_accepted(live, tmp_path) -> None:
    """A client using LibreOffice: the signature and the tables survive its re-save."""
    from changeflow.tasks.acceptance import issue_certificate
    from changeflow.tasks.signoff import accept_document
    from tests.support.approval import libreoffice_resave

    cert = issue_certificate(live)
    filled = fill_certificate(Path(cert.document), decision="不通过", comment="报表需按季度",
                              return_to="开发")  # fmt: skip
    resaved = libreoffice_resave(filled, tmp_path)
    res = accept_document(resaved, "returned-by-lo.docx")
    assert res["decision"] == "reject" and res["state"] == "in_development"
    assert "报表需按季度" in _events(live)[-1]["reason"]


def test_an_edited_template_makes_a_new_certificate(
    live: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lead edits the certificate template in Word: the next issue is a new version
    even though nothing else changed (the template is one of the inputs)."""
    import shutil

    import docx

    from changeflow.settings import get_settings, reset_settings
    from changeflow.tasks.acceptance import issue_certificate

    assert issue_certificate(live).version == 1
    templates = tmp_path / "templates"
    shutil.copytree(get_settings().template_root / "zh-CN", templates / "zh-CN")
    monkeypatch.setenv("CHANGEFLOW_TEMPLATES_DIR", str(templates))
    reset_settings()
    assert issue_certificate(live).unchanged  # the same template, copied: v1 stands
    path = templates / "zh-CN" / "acceptance.docx"
    d = docx.Document(str(path))
    d.add_paragraph("本单一式两份。")
    d.save(str(path))
    again = issue_certificate(live)
    assert (again.version, again.unchanged) == (2, False)
    assert "本单一式两份。" in docx_text(Path(again.document))


# --- a row per requirement; exact deliverables; refused while untested or a draft --------


def test_certificate_rows_per_requirement_and_exact_deliverables(live) -> None:
    import docx
    from sqlalchemy import select

    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path
    from changeflow.tasks.acceptance import issue_certificate

    cert = issue_certificate(live)
    d = docx.Document(cert.document)
    reqs = next(t for t in d.tables if t.cell(0, 4).text == "测试结果")
    assert [[c.text for c in r.cells][::4] for r in reqs.rows[1:]] == [
        ["1", "通过"], ["2", "通过"], ["3", "通过"]
    ]  # fmt: skip
    deliv = next(t for t in d.tables if t.cell(0, 2).text == "文件名")
    with transaction() as s:
        report = s.scalar(select(Document).where(Document.kind == "testreport"))
        assert report is not None
        stored = document_path(report)
        sha = report.sha256
    row = next(r for r in deliv.rows if r.cells[1].text == "测试报告")
    assert row.cells[2].text == stored.name and stored.is_file()  # the exact stored name
    assert row.cells[3].text == "第1版" and len(sha) == 64  # the checksum stays in our records


def test_certificate_refused_while_a_requirement_is_untested(submitted, tmp_path) -> None:
    from changeflow.tasks.acceptance import issue_certificate
    from changeflow.tasks.golive import golive
    from changeflow.tasks.testing import run_tests
    from tests.support.delivery import make_project, point_contract, pytest_command, to_development

    repo = make_project(tmp_path / "oa", submitted)
    point_contract(repo.path, test_command=pytest_command())
    to_development(submitted)
    two = [c for c in __import__("tests.support.delivery").support.delivery.manual_cases()
           if c.requirement_no != 3]  # fmt: skip
    res = run_tests(submitted, cases=two)
    assert res.passed and [r["result_text"] for r in res.requirements] == ["通过", "通过", "未测"]
    assert "需求 3 未测" in docx_text(Path(res.document))
    golive(submitted)
    before = counts()
    with pytest.raises(TransitionError, match="需求3 未测"):
        issue_certificate(submitted)
    assert counts() == before


def test_a_draft_cannot_be_listed_on_a_certificate(live, cli, tmp_path) -> None:
    from changeflow.tasks.acceptance import issue_certificate
    from changeflow.tasks.delivery_docs import make_docs

    (tech,) = make_docs(live, notes="# 总体设计\n\n只写了这一节。", kinds=("techdoc",), draft=True)
    assert tech.draft and "接口设计" in tech.missing
    before = counts()
    with pytest.raises(TransitionError, match="draft"):
        issue_certificate(live)
    code, _, err = cli("acceptance", live)
    assert code != 0 and "草稿" in err
    assert counts() == before
