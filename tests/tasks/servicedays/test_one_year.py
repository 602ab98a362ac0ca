"""One contract year, told the way it happens: a weekly visit, emergencies over midnight and
across National Day, work done and not signed, two approved plans and a rejected one, one
development accepted. At every point the plan, ``contract usage``, the monthly statement,
the board and the year's settlement show the same service days used and left (one count:
``tasks/servicedays.py``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from changeflow.tasks import maintenance as mt
from tests.support.maintenance import fill_signoff, stored

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def smtp(cf_home, monkeypatch: pytest.MonkeyPatch):
    from changeflow.settings import reset_settings
    from tests.support.smtp import Sink, free_port, start_smtp

    sink, port = Sink(), free_port()
    ctl = start_smtp(sink, port)
    monkeypatch.setenv("CHANGEFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(port))
    monkeypatch.setenv("CHANGEFLOW_SMTP_SECURITY", "none")
    reset_settings()
    yield sink.messages
    ctl.stop()


def _order(start: str, end: str, folder, *, sign: bool = True) -> str:
    o = mt.create_dispatch(kind="change", planned_start=start, staff=["张伟"])
    v = mt.complete_dispatch(o["number"], actual_start=start, actual_end=end)
    if sign:
        filled = fill_signoff(
            stored(v["document"]), folder / f"{o['number']}.docx",
            {"accepted": "是", "satisfaction": "5", "signer": "王芳", "date": end[:10]},
        )  # fmt: skip
        mt.signoff_dispatch(filled)
    return o["number"]


def _take_in(n: int) -> list[str]:
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import TaskBook
    from tests.support.helpers import sample_taskbook

    return [
        intake(TaskBook.model_validate(sample_taskbook() | {"project": f"年度项目 {i}"}),
               source="test").key
        for i in range(n)
    ]  # fmt: skip


def views() -> dict[str, dict[str, Decimal]]:
    """The days as each view shows them now (the statement of this month: the year as it
    stands at the month's end; an earlier month's statement shows the year at its end)."""
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.maintenance.reports import sla_report
    from changeflow.tasks.settlement import year_figures
    from changeflow.tasks.signoff import today_local

    u = mt.contract_usage("OA-2026")
    r = sla_report(f"{today_local():%Y-%m}", "OA-2026")["service_days"]
    with transaction() as s:
        from sqlalchemy import select

        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        f = year_figures(s, k, today_local(), datetime.now(SH))["days"]
    from changeflow.tasks.board import board_facts

    (b,) = [k["days"] for k in board_facts()["contracts"] if k["code"] == "OA-2026"]
    return {
        "board": {"used": b["days_used"], "left": b["days_left"], "free": b["days_free"]},
        "usage": {"used": u["days_used"], "left": u["days_left"], "free": u["days_free"]},
        "statement": {"used": r["days_used"], "left": r["days_left"]},
        "settlement": {"used": f["days_used"], "left": f["days_left"], "free": f["days_free"]},
    }


def same_everywhere(used: str, left: str, free: str) -> None:
    v = views()
    want = {"used": Decimal(used), "left": Decimal(left), "free": Decimal(free)}
    assert v["usage"] == want, v
    assert v["board"] == want, v
    assert v["settlement"] == want, v
    assert v["statement"] == {"used": want["used"], "left": want["left"]}, v


def test_one_contract_year(contract: str, tmp_path, smtp) -> None:
    from changeflow.tasks.planning import make_plan
    from changeflow.tasks.signoff import record_decision, today_local
    from tests.support.approval import approve
    from tests.support.delivery import advance

    same_everywhere("0", "24", "24")
    # the weekly visit: Wednesday 14:00-17:30, 210 minutes of service time
    _order("2026-09-16 14:00", "2026-09-16 17:30", tmp_path)
    # an emergency across National Day: 16:00 on 30 September to 02:00 on 1 October
    _order("2026-09-30 16:00", "2026-10-01 02:00", tmp_path)
    # an emergency over midnight: Thursday 20:00 to Friday 10:00 (60 service, 780 overtime)
    _order("2026-11-26 20:00", "2026-11-27 10:00", tmp_path)
    # done, not signed yet: shown apart, never counted
    _order("2026-11-30 09:00", "2026-11-30 17:30", tmp_path, sign=False)
    u = mt.contract_usage("OA-2026")
    assert u["maintenance_days"] == Decimal("0.75")  # (210 + 90 + 60) / 480
    assert u["awaiting_days"] == Decimal("1.00") and u["overtime_hours"] == Decimal("21.50")
    same_everywhere("0.75", "23.25", "23.25")

    one, two, three = _take_in(3)
    a = make_plan(one, issue=True)
    sd = a["service_days"]
    # the plan's "left before" is the year's free days, as contract usage says them
    assert (sd["maintenance"], sd["before"], sd["uses"]) == ("0.75", "23.25", "19")
    assert (sd["covered"], sd["billed"], sd["billed_total"]) == ("19", "0", "0.00")
    approve(one, tmp_path)
    same_everywhere("0.75", "23.25", "4.25")  # 19 approved, not done: apart from used

    b = make_plan(two, issue=True)
    assert b["service_days"]["before"] == "4.25" and b["service_days"]["covered"] == "4.25"
    assert b["service_days"]["billed"] == "14.75"
    record_decision(two, "reject", "王芳", today_local(), comment="今年不做", channel="cli")
    same_everywhere("0.75", "23.25", "4.25")  # a rejected plan holds nothing

    c = make_plan(three, issue=True)
    assert c["service_days"]["before"] == "4.25"
    approve(three, tmp_path)
    same_everywhere("0.75", "23.25", "-14.75")

    advance(one, "in_development", "in_testing", "live", "accepted")  # 验收: done, used
    same_everywhere("19.75", "4.25", "-14.75")
    # November's statement shows the year as it stood at November's end
    from changeflow.tasks.maintenance.reports import sla_report

    nov = sla_report("2026-11", "OA-2026")["service_days"]
    assert (nov["days_used"], nov["days_left"]) == (Decimal("0.75"), Decimal("23.25"))
    # the month's money: November's overtime (780 minutes over midnight), not billed without
    # a rate in the contract; this month's plans bill what goes beyond the year's days
    assert nov["month_overtime_hours"] == Decimal("13.00") and nov["month_overtime_rate"] is None
    now = sla_report(f"{today_local():%Y-%m}", "OA-2026")["service_days"]
    assert now["month_development"] == {
        one: Decimal("0.00"),
        three: Decimal(c["service_days"]["billed_total"]),
    }
    assert Decimal(c["service_days"]["billed_total"]) > 0
    from changeflow.tasks.maintenance.statement import _context

    line = _context(sla_report("2026-11", "OA-2026"), "zh-CN")["month_money"]
    assert line.startswith("加班 13.00 小时（合同未约定加班费，不另计费）")
    u = mt.contract_usage("OA-2026")
    assert u["development_days"] == Decimal("19.00") and u["planned_days"] == Decimal("19.00")
    assert u["development"]["per_request"][one]["done"] == Decimal("19")


def test_development_not_counted_says_so(contract: str, tmp_path) -> None:
    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.planning import make_plan
    from tests.support.approval import approve

    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        k.settings = dict(k.settings or {}) | {"planning": {"development_counts": False}}
    (one,) = _take_in(1)
    r = make_plan(one, issue=True)
    assert r["service_days"]["uses"] == "0" and r["service_days"]["billed_total"] == "20458.00"
    approve(one, tmp_path)
    same_everywhere("0", "24", "24")  # development never touches the days


def test_sample_plan_says_development_is_covered(submitted: str) -> None:
    """The sample contract and task book: the client reads the plan against the contract."""
    import docx

    from changeflow.tasks.planning import make_plan

    r = make_plan(submitted, issue=True)
    d = docx.Document(str(r["document"]))
    text = "\n".join(p.text for p in d.paragraphs) + "\n".join(
        c.text for t in d.tables for row in t.rows for c in row.cells
    )
    assert "年度服务费（¥20,000.00/年）包含日常维护和约定时间内的项目开发" in text
    assert "19 人日由本合同年度服务天数覆盖，不另行收费；本计划无需另行付费。" in text
    assert "本计划 19 人日，年度服务覆盖 19 人日，无需另行付费" in text  # on the cover
    assert "¥19,300.00" in text  # the work's value stays visible
