"""A fault reported late (its response window already over when it is recorded) is flagged
on arrival: the report says which clocks are overdue and the breach notice goes to the duty
staff at once (real aiosmtpd), once; the watch sends no second one. Mails to people carry
no CLI commands. Faults are numbered GZ-…"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.mail import LEAD, body_text

pytestmark = pytest.mark.slow
ENGINEER = "zhang.wei@contractor.example"


def _report(**kw):
    from changeflow.tasks.maintenance import report_fault

    return report_fault(severity="crash", title="数据库无法连接", contract="OA-2026", **kw)


def test_a_late_report_is_flagged_overdue_and_the_duty_staff_told_at_once(
    contract, servers
) -> None:
    from changeflow.db.types import utcnow
    from changeflow.tasks.maintenance import sla_watch

    now = utcnow()
    r = _report(reported_at=now - timedelta(hours=2), now=now)  # crash: 30 min to respond
    assert r.key.startswith("GZ-")  # a key of its own (the year is the report's)
    assert r.overdue == ("response",)  # the on-site clock (6 h) still runs
    assert r.notice is not None and [n["clock"] for n in r.notice["sent"]] == ["response"]
    mails = [m for m in servers.sent() if "SLA" in m["Subject"]]
    assert len(mails) == 1 and r.key in mails[0]["Subject"]
    assert {LEAD, ENGINEER} <= set(mails[0]["To"].split(", "))
    text = body_text(mails[0])
    assert "报告时已超过合同规定的时限" in text and "reported late" in text
    assert "changeflow " not in text  # no command lines in a mail to people
    assert "Prefect" in text and "「响应」" in text
    # the watch five minutes later: the notice exists, no second mail
    out = sla_watch(now=now + timedelta(minutes=5))
    assert out["sent"] == [] and len([m for m in servers.sent() if "SLA" in m["Subject"]]) == 1


def test_a_timely_report_is_not_flagged(contract, servers) -> None:
    from changeflow.db.types import utcnow

    now = utcnow()
    r = _report(reported_at=now - timedelta(minutes=10), now=now)
    assert r.overdue == () and r.notice is None
    assert servers.sent() == []


def test_the_cli_report_says_overdue(contract, servers, cli) -> None:
    from changeflow.db.types import utcnow
    from changeflow.settings import get_settings

    when = (utcnow() - timedelta(hours=3)).astimezone(get_settings().tz)
    code, out, err = cli("fault", "report", "--severity", "crash", "--title", "宕机",
                         "--reported-at", when.strftime("%Y-%m-%d %H:%M"))  # fmt: skip
    assert code == 0, err
    assert "报告时已超时 ALREADY OVERDUE" in out and "breach notice sent to" in out
