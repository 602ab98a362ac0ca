"""The mailbox channel of service requests through a real dovecot (the project mailbox) and
aiosmtpd (what we send), the mailbox flow on the session's Prefect server: a client's
question is kept; the lead makes it a service request (``service from-mail``); it is worked
and done; a reply saying it is still wrong stays a kept mail; the requester's reply
confirming it is recorded (via mail, the message's sha256 on its audit event) and answered,
and its time counts in the one count of service days. A mail carrying the filled service
request form (服务请求单) becomes a service request as from the inbox folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.mail import body_text, reply
from tests.support.serviceform import ACCOUNT, fill_form

pytestmark = [pytest.mark.prefect, pytest.mark.slow]
ZHAO = "zhao.qiang@client.example"  # 赵强, a contact of the sample contract's client
FROM_ZHAO = f"赵强 <{ZHAO}>"


def _run(cli, *args: str) -> dict:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def _service(key: str):
    from changeflow.db.servicereq import ServiceRequest
    from changeflow.db.session import transaction

    with transaction() as s:
        sr = s.scalar(select(ServiceRequest).where(ServiceRequest.key == key))
        s.expunge_all()
        return sr


def _year():
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.servicedays import service_year

    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        return service_year(s, k)


def test_mail_to_service_request_to_confirmation_by_reply(
    prefect_server, contract, servers, cli, tmp_path: Path
) -> None:
    from changeflow.db.clientmail import MailboxMessage
    from changeflow.db.servicereq import ServiceEvent
    from changeflow.db.session import transaction
    from changeflow.flows.mail import mailbox

    servers.imap.append(reply(None, [], sender=FROM_ZHAO, subject="考勤记录缺失",
                              body="11 月 18 日的打卡记录缺失，请帮忙补录。"))  # fmt: skip
    state = mailbox(return_state=True)
    assert state.is_completed(), state.message
    assert "1 来信已保存并转交负责人" in state.message
    with transaction() as s:
        mid = s.scalar(select(MailboxMessage.id).where(MailboxMessage.state == "kept"))

    # the lead confirms it is a service request
    v = _run(cli, "service", "from-mail", str(mid), "--category", "数据维护",
             "--department", "信息中心", "--confirm", "李明", "--engineer", "张伟")  # fmt: skip
    key = v["key"]
    assert (key, v["channel"], v["requester"], v["state"]) == (
        "FW-2026-0001", "mail", ZHAO, "assigned",
    )  # fmt: skip
    assert "请帮忙补录" in _service(key).description
    _run(cli, "service", "work", key, "--minutes", "90")
    done = _run(cli, "service", "done", key, "--resolution", "已补录 11 月 18 日打卡记录")
    assert done["confirm_mail"] == f"sent: the requester ({ZHAO}) asked to confirm by reply"
    assert _year().service_requests == {}  # done, not confirmed: not counted yet
    (ask,) = [m for m in servers.sent_to(ZHAO) if "请确认" in m["Subject"]]
    assert key in ask["Subject"] and "已补录 11 月 18 日打卡记录" in body_text(ask)

    # "still wrong" is no confirmation: kept for the lead, the request stays done
    servers.imap.append(reply(None, [], sender=FROM_ZHAO, subject=f"Re: {key} 考勤记录缺失",
                              body="还是不行，18 日下午的记录仍然没有。"))  # fmt: skip
    state = mailbox(return_state=True)
    assert state.is_completed() and "1 来信已保存并转交负责人" in state.message
    assert _service(key).state == "done"

    # the requester's reply confirming it
    servers.imap.append(reply(ask, [], sender=FROM_ZHAO,
                              body="已确认，记录都补上了，谢谢！\n\n> 原邮件"))  # fmt: skip
    state = mailbox(return_state=True)
    assert state.is_completed(), state.message
    assert "1 已登记 recorded" in state.message
    sr = _service(key)
    assert (sr.state, sr.confirmed_by, sr.confirmed_via) == ("confirmed", "赵强", "mail")
    with transaction() as s:
        last = s.scalars(
            select(ServiceEvent).where(ServiceEvent.service_id == sr.id)
            .order_by(ServiceEvent.id.desc())
        ).first()  # fmt: skip
        assert (last.to_state, last.channel, last.actor) == (
            "confirmed", "mail", f"mailbox {ZHAO}",
        )  # fmt: skip
        assert last.reason == "已确认，记录都补上了，谢谢！" and len(last.evidence_sha256) == 64
    (answer,) = [m for m in servers.sent_to(ZHAO) if "Confirmed" in m["Subject"]]
    assert key in answer["Subject"] and "已登记为对服务请求" in body_text(answer)
    # its time counts in the one count of service days
    assert _year().service_requests == {key: 90}


def test_mail_with_the_filled_form(prefect_server, contract, servers, cli, tmp_path) -> None:
    from changeflow.flows.mail import mailbox

    code, out, err = cli("service", "form", "--out", str(tmp_path), "--json")
    assert code == 0, err
    blank = Path(json.loads(out)["path"])
    bad = fill_form(blank, ACCOUNT | {"authorised_by": "李四"})
    servers.imap.append(reply(None, [("申请单.docx", bad)], sender=FROM_ZHAO, subject="开通权限"))
    state = mailbox(return_state=True)
    assert state.is_failed() and "授权人 Authorised by" in state.message
    (refusal,) = servers.sent_to(ZHAO)
    assert "授权人 Authorised by" in body_text(refusal) and "申请单.docx" in body_text(refusal)
    assert _service("FW-2026-0001") is None

    good = fill_form(blank, ACCOUNT)
    servers.imap.append(reply(None, [("申请单.docx", good)], sender=FROM_ZHAO, subject="开通权限"))
    state = mailbox(return_state=True)
    assert state.is_completed(), state.message and "1 已登记 recorded" in state.message
    sr = _service("FW-2026-0001")
    assert (sr.channel, sr.category, sr.requester) == ("mail", "account", "李娜")
    receipts = [m for m in servers.sent_to(ZHAO) if "服务请求" in m["Subject"]]
    assert len(receipts) == 1 and "服务请求单已受理为 FW-2026-0001" in body_text(receipts[0])
    # shown as a hand-in run like other hand-ins, with its state and requester
    from tests.flows.test_flow_board import newest_run_named
    from tests.support.prefect import read_artifacts

    run = newest_run_named("受理服务请求 FW-2026-0001 为李娜开通报销审批权限")
    assert run.state.is_completed()
    md = "\n".join(a.data for a in read_artifacts(run.id) if a.type == "markdown")
    assert "服务请求单" in md and "李娜" in md and "邮箱" in md
