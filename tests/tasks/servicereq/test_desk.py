"""Service requests (FW keys) from the CLI and the project mailbox through to the
requester's confirmation, their worked time counted in the one count of service days; an
account change refused without a named authoriser and recorded with one."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select


def _year():
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.servicedays import service_year

    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        return service_year(s, k)


def _run(cli, *args: str) -> dict:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_cli_request_through_confirmation_counts_its_time(contract, cli) -> None:
    v = _run(cli, "service", "new", "--category", "数据维护", "--title", "考勤数据修正",
             "--requester", "赵强", "--department", "信息中心",
             "--received-at", "2026-11-18 09:00")  # fmt: skip
    assert v["key"] == "FW-2026-0001" and v["state"] == "received"
    # the non-crash response clock (60 min in service hours) from the sample contract
    assert v["response_due"].startswith("2026-11-18 10:00")
    urgent = _run(cli, "service", "new", "--category", "form", "--title", "请假单加字段",
                  "--urgent", "--received-at", "2026-11-18 09:00")  # fmt: skip
    assert urgent["key"] == "FW-2026-0002"
    assert urgent["response_due"].startswith("2026-11-18 09:30")  # crash response: 30 min

    v = _run(cli, "service", "assign", "FW-2026-0001", "--engineer", "张伟",
             "--at", "2026-11-18 09:20")  # fmt: skip
    assert v["state"] == "assigned" and v["response_met"] is True
    # 17:00-18:30: 30 min in service hours (to 17:30), 60 min overtime
    v = _run(cli, "service", "work", "FW-2026-0001", "--start", "2026-11-18 17:00",
             "--end", "2026-11-18 18:30")  # fmt: skip
    assert (v["service_minutes"], v["overtime_minutes"]) == (30, 60)
    v = _run(cli, "service", "work", "FW-2026-0001", "--minutes", "90",
             "--start", "2026-11-19 10:00")  # fmt: skip
    assert v["state"] == "in_progress" and v["service_minutes"] == 120
    v = _run(cli, "service", "done", "FW-2026-0001", "--resolution", "已修正 11 月考勤记录",
             "--at", "2026-11-19 12:00")  # fmt: skip
    assert v["state"] == "done"
    before = _year()
    assert before.awaiting == Decimal("0.25") and before.service_request_days == 0

    code, _, err = cli("service", "confirm", "FW-2026-0001", "--by", "赵强", "--via", "fax")
    assert code == 2 and "via" in err and "\n" not in err.strip()
    v = _run(cli, "service", "confirm", "FW-2026-0001", "--by", "赵强",
             "--at", "2026-11-19 15:00")  # fmt: skip
    assert v["state"] == "confirmed" and v["confirmed_by"] == "赵强"
    after = _year()
    assert after.service_request_days == Decimal("0.25")  # 120 min / 8 h
    assert after.maintenance == before.maintenance + Decimal("0.25")
    assert after.used == before.used + Decimal("0.25") and after.awaiting == 0
    assert after.service_requests == {"FW-2026-0001": 120}

    shown = _run(cli, "service", "show", "FW-2026-0001")
    assert [e["to"] for e in shown["events"]] == [
        "received", "assigned", "in_progress", "in_progress", "done", "confirmed"
    ]  # fmt: skip
    listed = _run(cli, "service", "list", "--state", "confirmed")
    assert [r["key"] for r in listed] == ["FW-2026-0001"]


def test_permission_change_needs_a_named_authoriser(contract, cli) -> None:
    from changeflow.db.servicereq import PermissionChange, ServiceEvent
    from changeflow.db.session import transaction

    key = _run(cli, "service", "new", "--category", "account", "--title", "开通财务审批权限",
               "--requester", "李娜", "--engineer", "张伟",
               "--received-at", "2026-11-20 09:00")["key"]  # fmt: skip
    base = ["service", "permission", key, "--asked-by", "李娜", "--change",
            "授予 报销审批 角色", "--account", "lina", "--at", "2026-11-20 10:00"]  # fmt: skip
    code, _, err = cli(*base, "--department", "办公室", "--authorised-by", "李四")
    assert code == 2
    assert err.strip() == (
        f"service {key}: authorised_by: '李四' may not authorise changes for 办公室 "
        "(contract OA-2026 names: 王芳)"
    )
    code, _, err = cli(*base, "--department", "财务部", "--authorised-by", "王芳")
    assert code == 2 and "names no authoriser for '财务部'" in err
    # an account request is not done before its change is recorded
    _run(cli, "service", "work", key, "--minutes", "30", "--start", "2026-11-20 10:00")
    code, _, err = cli("service", "done", key, "--resolution", "已开通")
    assert code == 2 and "permission" in err
    with transaction() as s:
        assert s.scalars(select(PermissionChange)).all() == []

    v = _run(cli, *base, "--department", "办公室", "--authorised-by", "王芳")
    assert v["permission_changes"] == 1
    with transaction() as s:
        p = s.scalars(select(PermissionChange)).one()
        assert (p.department, p.asked_by, p.authorised_by, p.account) == (
            "办公室",
            "李娜",
            "王芳",
            "lina",
        )
        ev = s.scalars(select(ServiceEvent).order_by(ServiceEvent.id.desc())).first()
        assert ev.data["authorised_by"] == "王芳"
    assert _run(cli, "service", "done", key, "--resolution", "已开通")["state"] == "done"


def test_old_contract_files_without_authorisers_stay_valid(db, tmp_path) -> None:
    from changeflow.tasks.contracts import load_contract_file
    from tests.conftest import EXAMPLES

    text = (EXAMPLES / "contract.yaml").read_text(encoding="utf-8")
    start = text.index("    authorisers:")
    end = text.index("    repo:", start)
    old = tmp_path / "old.yaml"
    old.write_text(text[:start] + text[end:], encoding="utf-8")
    assert load_contract_file(old)["contracts"] == ["OA-2026"]


def test_kept_client_mail_becomes_a_request_confirmed_by_mail(contract, cli) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from changeflow.db.clientmail import MailboxMessage
    from changeflow.db.session import transaction

    with transaction() as s:  # a client's question the mailbox kept (no document, no task book)
        msg = MailboxMessage(
            message_key="<q1@client.example>", message_id="<q1@client.example>",
            sender="zhao.qiang@client.example", subject="会议室预订流程怎么撤回？",
            sha256="0" * 64, state="recorded", data={"body": "已提交的预订如何撤回？"},
            claimed_at=datetime(2026, 11, 23, 9, 5, tzinfo=ZoneInfo("Asia/Shanghai")),
        )  # fmt: skip
        s.add(msg)
        s.flush()
        mid = msg.id
    code, _, err = cli("service", "from-mail", str(mid), "--category", "howto", "--confirm", "")
    assert code == 2 and "confirmed_by" in err
    v = _run(cli, "service", "from-mail", str(mid), "--category", "使用咨询",
             "--confirm", "李明", "--engineer", "张伟")  # fmt: skip
    assert v["channel"] == "mail" and v["requester"] == "zhao.qiang@client.example"
    assert v["title"] == "会议室预订流程怎么撤回？" and v["state"] == "assigned"
    code, _, err = cli("service", "from-mail", str(mid), "--category", "howto", "--confirm", "李明")
    assert code == 2 and f"already made service request {v['key']}" in err

    _run(cli, "service", "work", v["key"], "--start", "2026-11-23 09:30",
         "--end", "2026-11-23 10:00")  # fmt: skip
    _run(cli, "service", "done", v["key"], "--resolution", "电话说明撤回步骤",
         "--at", "2026-11-23 10:00")  # fmt: skip
    v = _run(cli, "service", "confirm", v["key"], "--by", "赵强", "--via", "mail",
             "--at", "2026-11-23 11:00")  # fmt: skip
    assert v["confirmed_via"] == "mail"
    assert _year().service_requests == {v["key"]: 30}
