"""Reports on the clocks: the monthly SLA report (and its Markdown), and the breaches of
a period for other reports (the weekly report). The Word statement the client confirms is
in ``statement``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import CLOCKS, SEVERITIES, both, pick
from changeflow.db.maintenance import Fault
from changeflow.db.models import Request
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError
from changeflow.settings import get_settings

from .. import sla
from ..calendar import WorkingCalendar, calendar_for, month_days
from ..directory import find_contract
from .common import show
from .fault_clocks import asked_onsite, clocks

# --- the monthly SLA report ---------------------------------------------------------------


def month_range(text: str) -> tuple[date, date]:
    """The SLA report's month (``month_days``, a refusal naming the report)."""
    return month_days(text, "sla report")


def sla_report(
    month: str, contract: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Faults reported in ``month``: met % per clock (of the clocks decided), average and
    worst times (clock time, pauses left out), every breach with its recorded cause, each
    fault with its clocks and pauses, and the month's service days. A clock not stopped
    yet is open (with its elapsed clock time and whether it is already past due), never
    counted as breached: its figure would grow each run."""
    now = now or utcnow()
    tz = get_settings().tz
    first, last = month_range(month)
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    end = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
    with transaction() as s:
        q = (
            select(Request, Fault)
            .join(Fault, Fault.request_id == Request.id)
            .where(
                Fault.reported_at >= start, Fault.reported_at < end, Request.state != "cancelled"
            )
            .order_by(Fault.reported_at)
        )
        k = find_contract(s, contract, first, "sla report") if contract else None
        if k is not None:
            q = q.where(Fault.contract_id == k.id)
        cals: dict[int, WorkingCalendar] = {}
        stats = {
            n: {"faults": 0, "met": 0, "breached": 0, "open": 0, "overdue": 0, "minutes": []}
            for n in sla.CLOCK_NAMES
        }
        severities: dict[str, int] = {}
        breaches = []
        faults = []
        for req, fault in s.execute(q).all():
            cal = cals.get(fault.contract_id)
            if cal is None:
                cal = cals[fault.contract_id] = calendar_for(s, fault.contract)
            severities[fault.severity] = severities.get(fault.severity, 0) + 1
            row: dict[str, Any] = {
                "key": req.key,
                "title": req.title,
                "severity": fault.severity,
                "reported_at": show(fault.reported_at),
                "state": req.state,
                "cause": fault.breach_cause,
                "onsite_requested": show(asked_onsite(fault)),  # when it is the deadline
                "pauses": [
                    {"from": show(p.started_at), "to": show(p.ended_at), "reason": p.reason}
                    for p in fault.pauses
                ],
                "clocks": {},
            }
            for name, st in clocks(fault, cal, now).items():
                c = stats[name]
                c["faults"] += 1
                used = round(st.used.total_seconds() / 60, 1)
                row["clocks"][name] = {
                    "minutes": st.minutes,
                    "clock": st.clock,
                    "due": show(st.due),
                    "stopped_at": show(st.stopped_at),
                    "status": st.status if st.stopped_at is not None else "open",
                    "past_due": st.stopped_at is None and st.status == sla.BREACHED,
                    "used_minutes": used,
                }
                if st.stopped_at is None:
                    c["open"] += 1
                    c["overdue"] += st.status == sla.BREACHED
                    continue
                c["minutes"].append(st.used.total_seconds() / 60)
                if st.status == sla.MET:
                    c["met"] += 1
                else:
                    c["breached"] += 1
                    over = (st.used - st.limit).total_seconds() / 60
                    breaches.append(
                        {
                            "key": req.key,
                            "title": req.title,
                            "severity": fault.severity,
                            "clock": name,
                            "due": show(st.due),
                            "stopped_at": show(st.stopped_at),
                            "over_minutes": round(max(over, 0), 1),
                            "cause": fault.breach_cause or "(cause not recorded)",
                        }
                    )
            faults.append(row)
        clocks_out = {}
        for name, c in stats.items():
            decided = c["met"] + c["breached"]
            mins = c.pop("minutes")
            clocks_out[name] = {
                **c,
                "met_percent": round(100 * c["met"] / decided, 1) if decided else None,
                "average_minutes": round(sum(mins) / len(mins), 1) if mins else None,
                "worst_minutes": round(max(mins), 1) if mins else None,
            }
        service = None
        if k is not None or contract is None:
            from .quota import year_usage

            try:
                kk = k or find_contract(s, None, first, "sla report")
            except InputError:
                kk = None
            if kk is not None:
                u = year_usage(s, kk, last, until=last)  # the year as it stood at the month's end
                month = f"{first:%Y-%m}"
                service = {
                    **_month_money(s, kk, first, last, u["orders"], month),
                    "contract": kk.code,
                    "client": kk.client.name,
                    "month_days": u["per_month"].get(f"{first:%Y-%m}", Decimal("0.00")),
                    "allowance_per_cycle": u["allowance_per_cycle"],
                    "service_cycle": u["service_cycle"],
                    "days_used": u["days_used"],
                    "days_left": u["days_left"],
                    "service_days_per_year": u["service_days_per_year"],
                    # the month's dispatch orders: counted (accepted), not accepted, waiting
                    "orders": [o for o in u["orders"] if f"{o['day']:%Y-%m}" == month],
                }
        return {
            "month": f"{first:%Y-%m}",
            "contract": contract,
            "as_of": show(now),
            "faults": sum(severities.values()),
            "by_severity": severities,
            "clocks": clocks_out,
            "breaches": breaches,
            "fault_rows": faults,
            "service_days": service,
        }


def _month_money(
    session: Session, k: Any, first: date, last: date, orders: list[dict[str, Any]], month: str
) -> dict[str, Any]:
    """The month's money where the contract ties money to it: overtime of the month's
    accepted orders (billed at ``settings.fees.overtime_hour_rate`` when the contract names
    one) and development beyond the year's days in the plans approved this month."""
    from ..money import ZERO, times, total
    from ..servicedays import development_billed, overtime_hour_rate

    hours = sum(
        (o["overtime_hours"] for o in orders
         if f"{o['day']:%Y-%m}" == month and o["state"] == "signed" and o["accepted"]),
        Decimal("0.00"),
    )  # fmt: skip
    rate = overtime_hour_rate(k)
    dev = development_billed(session, k, first, last)
    return {
        "month_overtime_hours": hours,
        "month_overtime_rate": rate,
        "month_overtime_billed": times(hours, rate) if rate is not None else ZERO,
        "month_development_billed": total(dev.values()),
        "month_development": dev,
    }


def report_markdown(r: dict[str, Any]) -> str:
    """The report as Markdown (Prefect artifact, mail body)."""

    def cell(v: Any) -> str:
        return "-" if v is None else str(v).replace("|", "\\|").replace("\n", " ")

    lines = [
        f"# SLA 月报 SLA report {r['month']}",
        "",
        f"故障数 Faults: {r['faults']}  "
        + "  ".join(
            f"{both(SEVERITIES[k]) if k in SEVERITIES else k}: {v}"
            for k, v in r["by_severity"].items()
        ),
        "",
        "| 时限 Clock | 故障 Faults | 达标 Met | 超时 Breached | 未结 Open (已过期 past due)"
        " | 达标率 Met % | 平均 Avg (min) | 最长 Worst (min) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, c in r["clocks"].items():
        lines.append(
            f"| {both(CLOCKS[name])} | {c['faults']} | {c['met']} | {c['breached']}"
            f" | {c['open']} ({c['overdue']}) | {cell(c['met_percent'])}"
            f" | {cell(c['average_minutes'])} | {cell(c['worst_minutes'])} |"
        )
    lines += ["", "## 超时明细 Breaches", ""]
    if not r["breaches"]:
        lines.append("无 None.")
    else:
        lines += [
            "| 编号 Key | 故障 Fault | 时限 Clock | 到期 Due | 实际 Actual"
            " | 超出 Over (min) | 原因 Cause |",
            "|---|---|---|---|---|---|---|",
        ]
        for b in r["breaches"]:
            lines.append(
                f"| {b['key']} | {cell(b['title'])} | {pick(CLOCKS[b['clock']], 'en')}"
                f" | {cell(b['due'])}"
                f" | {cell(b['stopped_at'])} | {b['over_minutes']} | {cell(b['cause'])} |"
            )
    return "\n".join(lines)


# --- for other reports (weekly report) -----------------------------------------------------


def breaches_between(
    session: Session,
    first: datetime,
    last: datetime,
    *,
    client_id: int | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Clocks whose due time fell in [first, last) and that were (or are) breached, by the
    same rules as the watch and the monthly report (pauses, remote resolution, a visit
    counting as the response)."""
    now = now or utcnow()
    q = (
        select(Request, Fault)
        .join(Fault, Fault.request_id == Request.id)
        .where(Fault.reported_at < last, Request.state != "cancelled")
    )
    if client_id is not None:
        q = q.where(Request.client_id == client_id)
    out = []
    cals: dict[int, WorkingCalendar] = {}
    for req, fault in session.execute(q.order_by(Fault.reported_at)).all():
        cal = cals.get(fault.contract_id)
        if cal is None:
            cal = cals[fault.contract_id] = calendar_for(session, fault.contract)
        for name, st in clocks(fault, cal, now).items():
            if st.status == sla.BREACHED and st.due is not None and first <= st.due < last:
                out.append(
                    {
                        "key": req.key,
                        "title": req.title,
                        "severity": fault.severity,
                        "clock": name,
                        "due": st.due,
                        "done": st.stopped_at,
                        "cause": fault.breach_cause,
                    }
                )
    return out
