"""The client's service request form (服务请求单) through the inbox folder: the blank issued
by the CLI, filled as a client does in Word, dropped in the inbox; it becomes a service
request (FW-…) with its audit event and the file's sha256, an account change with its named
authoriser; a bad form is refused with one line naming the file and the field in both
languages, and nothing is written; the same file again makes nothing new."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from sqlalchemy import select

from tests.support.helpers import counts
from tests.support.serviceform import ACCOUNT, LEAVE_APPROVAL, fill_form, service_rows


def _inbox() -> Path:
    from changeflow.settings import get_settings

    p = get_settings().inbox
    p.mkdir(parents=True, exist_ok=True)
    return p


def _drop(name: str, data: bytes) -> Path:
    p = _inbox() / name
    p.write_bytes(data)
    old = time.time() - 60
    os.utime(p, (old, old))
    return p


def _blank(cli, tmp_path: Path, lang: str = "zh-CN") -> Path:
    rc, out, err = cli("service", "form", "--lang", lang, "--out", str(tmp_path), "--json")
    assert rc == 0, err
    path = Path(json.loads(out)["path"])
    assert path.name == ("OA-2026-服务请求单.docx" if lang == "zh-CN" else
                         "OA-2026-service-request-form.docx")  # fmt: skip
    return path


def test_a_form_in_the_inbox_becomes_a_service_request(contract, cli, tmp_path) -> None:
    import docx

    from changeflow.db.servicereq import ServiceRequest
    from changeflow.db.session import transaction
    from changeflow.tasks.board import hand_in_fact
    from changeflow.wordparts import read_custom_properties

    blank = _blank(cli, tmp_path)
    d = docx.Document(str(blank))
    assert read_custom_properties(d)["changeflow.kind"] == "servicereq-form"
    text = "\n".join(c.text for t in d.tables for r in t.rows for c in r.cells)
    assert "OA-2026" in text and "办公室：王芳" in text  # the contract and its authorisers
    data = fill_form(blank, LEAVE_APPROVAL)
    _drop("考勤修正-服务请求单.docx", data)
    rc, out, err = cli("inbox", "--json")
    assert rc == 0, err
    [item] = json.loads(out)["items"]
    assert item["outcome"] == "service" and item["key"] == "FW-2026-0001"
    assert item["detail"].startswith("service request form taken in as FW-2026-0001 (data)")
    assert "response due" in item["detail"]
    assert (_inbox() / "done" / "考勤修正-服务请求单.docx").is_file()
    with transaction() as s:
        sr = s.scalar(select(ServiceRequest))
        assert (sr.channel, sr.category, sr.requester, sr.department, sr.urgent) == (
            "inbox", "data", "赵强", "信息中心", False,
        )  # fmt: skip
        assert sr.contract.code == "OA-2026" and "补录" in sr.description
        [ev] = sr.events
        assert ev.to_state == "received" and ev.actor == "inbox" and ev.channel == "inbox"
        assert ev.evidence_sha256 and ev.data["form"] == "考勤修正-服务请求单.docx"
    fact = hand_in_fact("FW-2026-0001", "service", detail=item["detail"], lang="zh-CN")
    assert fact.name == "受理服务请求 FW-2026-0001 修正 11 月考勤记录"
    assert "已受理" in fact.markdown("zh-CN") and "赵强" in fact.markdown("zh-CN")
    # the same file again: nothing new
    before = service_rows()
    _drop("考勤修正-again.docx", data)
    rc, out, _ = cli("inbox", "--json")
    [again] = json.loads(out)["items"]
    assert (again["outcome"], again["key"]) == ("duplicate", "FW-2026-0001")
    assert service_rows() == before


def test_an_account_form_needs_a_named_authoriser(contract, cli, tmp_path) -> None:
    from changeflow.db.servicereq import ServiceRequest
    from changeflow.db.session import transaction

    blank = _blank(cli, tmp_path, "en")
    before, rows = counts(), service_rows()
    _drop("account.docx", fill_form(blank, ACCOUNT | {"authorised_by": "李四"}))
    _drop("nocategory.docx", fill_form(blank, LEAVE_APPROVAL | {"category": "报修"}))
    _drop("noauth.docx", fill_form(blank, ACCOUNT | {"authorised_by": ""}))
    rc, out, err = cli("inbox", "--json")
    assert rc == 2
    by = {i["file"]: i for i in json.loads(out)["items"]}
    assert {i["outcome"] for i in by.values()} == {"refused"}
    assert by["account.docx"]["detail"] == (
        "account.docx: 授权人 Authorised by: '李四' may not authorise changes for 办公室"
        " (contract OA-2026 names: 王芳)"
    )
    assert by["nocategory.docx"]["detail"].startswith("nocategory.docx: 类别 Category: '报修'")
    assert by["noauth.docx"]["detail"] == (
        "noauth.docx: 授权人 Authorised by: is empty: an account/permission request names it"
    )
    reason = (_inbox() / "refused" / "account.docx.reason.txt").read_text("utf-8")
    assert "授权人 Authorised by" in reason
    assert counts() == before and service_rows() == rows  # nothing written
    # with a named authoriser (a form whose properties were lost is still known by its rows)
    _drop("account-ok.docx", fill_form(blank, ACCOUNT, props=False))
    rc, out, err = cli("inbox", "--json")
    assert rc == 0, err
    [ok] = json.loads(out)["items"]
    assert ok["outcome"] == "service" and "permission change recorded" in ok["detail"]
    with transaction() as s:
        sr = s.scalar(select(ServiceRequest))
        assert (sr.key, sr.category, sr.urgent, sr.department) == (
            "FW-2026-0001", "account", True, "办公室",
        )  # fmt: skip
        [pc] = sr.permission_changes
        assert (pc.asked_by, pc.authorised_by, pc.account, pc.change) == (
            "李娜", "王芳", "lina", "授予 报销审批 角色",
        )  # fmt: skip
        assert [e.reason for e in sr.events] == [
            "service request received (account, urgent)",
            "permission change authorised by 王芳",
        ]
