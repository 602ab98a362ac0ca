"""The figures of a contract year's settlement (年度服务结算单): the fee, its invoices and
payments, the service days bought / used / left (the one count, ``tasks/servicedays.py``),
overtime and development beyond the year's days billed, faults by severity with their
clocks met and missed, development requests delivered and accepted, the renewal date, and
a short summary of the year (年度服务总结).

Overtime is billed only when the contract names a rate (``settings.fees.overtime_hour_rate``,
CNY an hour); otherwise its hours are shown and nothing is billed for them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.maintenance import Fault
from changeflow.db.models import Contract, Request
from changeflow.settings import get_settings

from .. import sla
from ..calendar import calendar_for
from ..maintenance.fault_clocks import clocks
from ..money import ZERO, times, total
from ..servicedays import (
    APPROVED_STATES,
    approved_plan,
    overtime_hour_rate,
    plan_billed,
    service_year,
)
from .fees import standing

TWO = Decimal("0.01")
DELIVERED = ("live", "accepted")


def _faults(session: Session, k: Contract, now: datetime) -> dict[str, dict[str, int]]:
    """Faults of the contract year by severity, each clock met, missed (breached) or open."""
    tz = get_settings().tz
    cal = calendar_for(session, k)
    out = {
        sev: {
            "faults": 0,
            "response_met": 0,
            "response_missed": 0,
            "onsite_met": 0,
            "onsite_missed": 0,
            "open": 0,
        }
        for sev in sla.SEVERITIES
    }
    q = (
        select(Fault, Request)
        .join(Request, Fault.request_id == Request.id)
        .where(Fault.contract_id == k.id, Request.state != "cancelled")
    )
    for fault, _req in session.execute(q):
        if not k.start_date <= fault.reported_at.astimezone(tz).date() <= k.end_date:
            continue
        row = out[fault.severity]
        row["faults"] += 1
        for name, st in clocks(fault, cal, now).items():
            if st.stopped_at is None:
                row["open"] += 1
            elif st.status == sla.MET:
                row[f"{name}_met"] += 1
            else:
                row[f"{name}_missed"] += 1
    return out


def _development(session: Session, k: Contract) -> list[dict[str, Any]]:
    """The contract's development requests with an approved plan: state, person-days, and
    what the plan billed beyond the year's days (incl. tax)."""
    rows = []
    for req in session.scalars(
        select(Request)
        .where(Request.contract_id == k.id, Request.state.in_(APPROVED_STATES))
        .order_by(Request.key)
    ):
        plan = approved_plan(session, req)
        if plan is None:
            continue
        billed = plan_billed(plan)
        rows.append(
            {
                "key": req.key,
                "title": req.title,
                "state": req.state,
                "person_days": Decimal(plan.person_days),
                "delivered": req.state in DELIVERED,
                "accepted": req.state == "accepted",
                "billed": billed,
            }
        )
    return rows


def year_figures(session: Session, k: Contract, today: date, now: datetime) -> dict[str, Any]:
    """Every figure of the settlement, as of ``today``."""
    year = service_year(session, k)
    fee = standing(session, k, today)
    rate = overtime_hour_rate(k)
    overtime_hours = (Decimal(year.overtime_minutes) / 60).quantize(TWO)
    overtime_billed = times(overtime_hours, rate) if rate is not None else ZERO
    dev = _development(session, k)
    dev_billed = total(d["billed"] for d in dev)
    faults = _faults(session, k, now)
    return {
        "contract": k.code,
        "title": k.title,
        "client": k.client.name,
        "period": (k.start_date, k.end_date),
        "renewal_date": k.renewal_date,
        "fee": fee,
        "days": {
            key: (v.quantize(TWO) if isinstance(v, Decimal) else v)
            for key, v in year.summary().items()
        },
        "overtime_hours": overtime_hours,
        "overtime_rate": rate,
        "overtime_billed": overtime_billed,
        "development": dev,
        "development_billed": dev_billed,
        "faults": faults,
        "beyond_fee": overtime_billed + dev_billed,
        "our_lead": k.our_lead.name if k.our_lead else "",
        "client_lead": k.lead.name if k.lead else "",
    }
