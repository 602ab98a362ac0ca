"""One count of a contract year's service days (年度服务天数), below planning and maintenance.

The contract sells a year of service with a number of service days; the annual fee pays for
the daily maintenance **and** the project development done in the agreed time. This room is
the only place that says what a day used is, and the plan, ``contract usage``, the monthly
statement, the quota alerts and the year's settlement all read it:

* **used** = maintenance the client accepted on a signed dispatch order (its service time,
  ``worktime``) and the service requests (服务请求) their requesters confirmed (their worked
  service time, ``tasks.servicereq.counting``; time worked on a visit is the order's),
  plus, when the contract counts development (``development_counts``,
  default true as the contract says), the person-days of the approved plans whose request
  the client accepted (验收);
* plus the time of the training sessions held (培训, ``tasks.training``: the session's
  service minutes once its attendance is recorded);
* **planned** (apart, never mixed into used): person-days of approved plans whose request
  is not accepted yet;
* **awaiting** (apart): dispatch work done but not signed (or signed without acceptance:
  ``not_accepted``);
* **left** = bought - used; **free** = left - planned (what a new plan can still cover).

Contract settings (``settings.planning``): ``development_counts`` (default true) and
``extra_day_rates`` ({role: amount}, for the days beyond the year's).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.approval import Approval
from changeflow.db.maintenance import DispatchOrder
from changeflow.db.models import Contract, Request, RequestEvent
from changeflow.db.planning import Plan
from changeflow.errors import InputError
from changeflow.settings import get_settings

TWO = Decimal("0.01")
# states of a request whose approved plan holds service days (planned or, once accepted, used)
APPROVED_STATES = ("approved", "in_development", "in_testing", "live", "accepted", "on_hold")
DONE_STATES = ("accepted",)


def planning_settings(contract: Contract) -> dict[str, Any]:
    raw = (contract.settings or {}).get("planning") or {}
    if not isinstance(raw, dict):
        raise InputError(f"contract {contract.code}", "settings.planning", "must be a mapping")
    return raw


def development_counts(contract: Contract) -> bool:
    """Whether development uses the contract's service days (covered by the annual fee).
    True unless the contract says ``development_counts: false``: the contract's fee pays
    for "日常维护和项目开发" in the agreed time."""
    v = planning_settings(contract).get("development_counts", True)
    if not isinstance(v, bool):
        raise InputError(
            f"contract {contract.code}",
            "settings.planning.development_counts",
            "must be true or false",
        )
    return v


def extra_rates(contract: Contract) -> dict[str, str]:
    raw = planning_settings(contract).get("extra_day_rates") or {}
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


# ---- one dispatch order's service time -------------------------------------------------


def worked_minutes(order: Any) -> int:
    """Service time of an order, all engineers together: the sum of each engineer's service
    time recorded by ``dispatch done`` (nothing before that, nothing once cancelled)."""
    if order.state == "cancelled":
        return 0
    if order.work:
        return sum(int(w.service_minutes) for w in order.work)
    return int(order.worked_minutes or 0)


def overtime_minutes(order: Any) -> int:
    if order.state == "cancelled":
        return 0
    if order.work:
        return sum(int(w.overtime_minutes) for w in order.work)
    return int(order.overtime_minutes or 0)


def counts_for_quota(order: Any) -> bool:
    """Only a service the client accepted on the signed order counts."""
    return order.state == "signed" and order.accepted is True


def days_of(minutes: int, hours_per_day: Decimal) -> Decimal:
    per = Decimal(hours_per_day) or Decimal(8)
    return (Decimal(minutes) / 60 / per).quantize(TWO, ROUND_HALF_UP)


def order_day(order: Any) -> date:
    return (order.actual_start or order.planned_start).astimezone(get_settings().tz).date()


# ---- development ------------------------------------------------------------------------


def approved_plan(session: Session, req: Request) -> Plan | None:
    """The plan version the client approved last (None when none is)."""
    version = session.scalar(
        select(Approval.subject_version)
        .where(
            Approval.request_id == req.id,
            Approval.subject_kind == "plan",
            Approval.decision == "approve",
        )
        .order_by(Approval.subject_version.desc())
        .limit(1)
    )
    if version is None:
        return None
    return session.scalar(select(Plan).where(Plan.request_id == req.id, Plan.version == version))


def _accepted_on(session: Session, req: Request) -> date | None:
    at = session.scalar(
        select(RequestEvent.at)
        .where(RequestEvent.request_id == req.id, RequestEvent.to_state.in_(DONE_STATES))
        .order_by(RequestEvent.at.desc())
        .limit(1)
    )
    return at.astimezone(get_settings().tz).date() if at else None


def development_days(
    session: Session,
    contract: Contract,
    *,
    until: date | None = None,
    exclude_request_id: int | None = None,
) -> dict[str, dict[str, Decimal]]:
    """Person-days of the approved plans of the contract's requests whose work starts in the
    contract year: ``done`` (request accepted, by ``until``) and ``planned`` (not yet)."""
    first, last = contract.start_date, contract.end_date
    done: dict[str, Decimal] = defaultdict(Decimal)
    planned: dict[str, Decimal] = defaultdict(Decimal)
    for req in session.scalars(
        select(Request)
        .where(Request.contract_id == contract.id, Request.state.in_(APPROVED_STATES))
        .order_by(Request.id)
    ):
        if req.id == exclude_request_id:
            continue
        plan = approved_plan(session, req)
        if plan is None:
            continue
        days = sum(
            (
                Decimal(it.person_days)
                for it in plan.items
                if first <= (it.start_date or plan.start_date) <= last
            ),
            Decimal(0),
        )
        if not days:
            continue
        accepted = _accepted_on(session, req) if req.state in DONE_STATES else None
        if accepted is not None and (until is None or accepted <= until):
            done[req.key] += days
        else:
            planned[req.key] += days
    return {"done": dict(sorted(done.items())), "planned": dict(sorted(planned.items()))}


def booked_service_days(
    session: Session, contract: Contract, *, first: date | None = None, last: date | None = None
) -> dict[str, Any]:
    """Time booked on the contract's development requests (``@2h`` tokens of linked
    commits), in service days (shown beside the plans; never counted as used)."""
    from changeflow.db.git import TimeEntry

    first = first or contract.start_date
    last = last or contract.end_date
    per_day = Decimal(contract.hours_per_service_day) or Decimal(8)
    hours: dict[str, Decimal] = defaultdict(Decimal)
    for key, h in session.execute(
        select(Request.key, TimeEntry.hours)
        .join(Request, TimeEntry.request_id == Request.id)
        .where(
            Request.contract_id == contract.id,
            Request.kind.in_(("dev", "change")),
            TimeEntry.day >= first,
            TimeEntry.day <= last,
        )
    ):
        hours[key] += Decimal(h)
    total = sum(hours.values(), Decimal(0))
    return {
        "days": (total / per_day).quantize(TWO),
        "hours": total,
        "requests": {k: (v / per_day).quantize(TWO) for k, v in sorted(hours.items())},
    }


def plan_billed(plan: Plan) -> Decimal:
    """What an approved plan bills beyond the annual fee (incl. tax): the days beyond the
    year's when development counts, all of it when it does not."""
    from .money import money

    sd = (plan.data or {}).get("service_days") or {}
    if sd.get("counts", False):
        return money(sd.get("billed_total", "0"))
    return money(plan.total)


def development_billed(
    session: Session, contract: Contract, first: date, last: date
) -> dict[str, Decimal]:
    """Request key -> what its plan approved between ``first`` and ``last`` bills beyond the
    annual fee (the month's money in the monthly statement)."""
    out: dict[str, Decimal] = {}
    q = (
        select(Approval, Request)
        .join(Request, Approval.request_id == Request.id)
        .where(
            Request.contract_id == contract.id,
            Approval.subject_kind == "plan",
            Approval.decision == "approve",
            Approval.decided_on >= first,
            Approval.decided_on <= last,
        )
    )
    for a, req in session.execute(q):
        plan = session.scalar(
            select(Plan).where(Plan.request_id == req.id, Plan.version == a.subject_version)
        )
        if plan is not None:
            out[req.key] = plan_billed(plan)
    return dict(sorted(out.items()))


def overtime_hour_rate(contract: Contract) -> Decimal | None:
    """``settings.fees.overtime_hour_rate`` (CNY an hour), or None: overtime not billed."""
    from .money import parse_money

    raw = ((contract.settings or {}).get("fees") or {}).get("overtime_hour_rate")
    if raw in (None, ""):
        return None
    return parse_money(raw, f"contract {contract.code}", "settings.fees.overtime_hour_rate")


# ---- the year ---------------------------------------------------------------------------


@dataclass
class ServiceYear:
    """A contract year's service days as they stand (at ``until``)."""

    contract: str
    period: str
    quota: Decimal
    hours_per_day: Decimal
    counts_development: bool
    maintenance: Decimal  # accepted service on signed dispatch orders
    development_done: Decimal  # accepted development that counts (0 when it does not)
    development_planned: Decimal  # approved, not accepted yet, that counts
    awaiting: Decimal  # dispatch work done, not signed yet
    not_accepted: Decimal  # signed without the client's acceptance
    overtime_minutes: int
    service_minutes: int
    training: Decimal = Decimal(0)  # training sessions held (their service time)
    training_minutes: int = 0
    training_work: list[tuple[date, int]] = field(default_factory=list)  # (day, minutes) held
    development: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    # confirmed service requests' time (tasks/servicereq), part of ``maintenance``
    service_request_days: Decimal = Decimal(0)
    service_requests: dict[str, int] = field(default_factory=dict)  # key -> minutes counted
    service_work: list[tuple[date, int]] = field(default_factory=list)  # (day, minutes) counted

    @property
    def used(self) -> Decimal:
        return self.maintenance + self.development_done + self.training

    @property
    def left(self) -> Decimal:
        return self.quota - self.used

    @property
    def free(self) -> Decimal:
        """What is left once the approved plans' days are done (a new plan's days)."""
        return self.left - self.development_planned

    def summary(self) -> dict[str, Decimal | bool]:
        """The figures every view shows, by the same names."""
        return {
            "days_bought": self.quota,
            "maintenance_days": self.maintenance,
            "development_days": self.development_done,
            "training_days": self.training,
            "days_used": self.used,
            "days_left": self.left,
            "planned_days": self.development_planned,
            "days_free": self.free,
            "awaiting_days": self.awaiting,
            "not_accepted_days": self.not_accepted,
            "development_counts": self.counts_development,
        }


def _orders(session: Session, contract: Contract, until: date | None) -> list[Any]:
    first, last = contract.start_date, contract.end_date
    return [
        o
        for o in session.scalars(
            select(DispatchOrder)
            .where(DispatchOrder.contract_id == contract.id, DispatchOrder.state != "cancelled")
            .order_by(DispatchOrder.planned_start, DispatchOrder.id)
        )
        if first <= order_day(o) <= min(last, until or last)
    ]


def training_work(
    session: Session, contract: Contract, until: date | None = None
) -> list[tuple[date, int]]:
    """(day, service minutes) of each training session held in the contract's year (up to
    ``until``): the month's and the cycle's service days count them where they were held."""
    from changeflow.db.training import TrainingSession

    first, last = contract.start_date, min(contract.end_date, until or contract.end_date)
    tz = get_settings().tz
    out = []
    for t in session.scalars(
        select(TrainingSession)
        .where(TrainingSession.contract_id == contract.id, TrainingSession.state == "held")
        .order_by(TrainingSession.starts_at)
    ):
        day = t.starts_at.astimezone(tz).date()
        if first <= day <= last:
            out.append((day, int(t.service_minutes or 0)))
    return out


def training_minutes(session: Session, contract: Contract, until: date | None = None) -> int:
    """Service time of the contract's training sessions held in its year (up to ``until``)."""
    return sum(m for _, m in training_work(session, contract, until))


def service_year(
    session: Session,
    contract: Contract,
    *,
    until: date | None = None,
    exclude_request_id: int | None = None,
) -> ServiceYear:
    """The contract year's service days: ``until`` counts the work done up to that day (a
    month's statement shows the year as it stood at the month's end); ``exclude_request_id``
    leaves one request's development out (a plan counts the days before itself)."""
    per_day = Decimal(contract.hours_per_service_day) or Decimal(8)
    counted = overtime = awaiting = refused = 0
    rows = []
    for o in _orders(session, contract, until):
        m = worked_minutes(o)
        state = (
            "counted"
            if counts_for_quota(o)
            else "not_accepted"
            if o.state == "signed"
            else "awaiting"
            if m
            else "open"
        )
        if state == "counted":
            counted += m
            overtime += overtime_minutes(o)
        elif state == "not_accepted":
            refused += m
        elif state == "awaiting":
            awaiting += m
        rows.append({"order": o, "minutes": m, "count": state, "day": order_day(o)})
    from .servicereq.counting import service_request_minutes

    desk = service_request_minutes(session, contract, until=until)
    counted += desk["counted"]
    overtime += desk["overtime"]
    awaiting += desk["awaiting"]
    counts = development_counts(contract)
    dev = development_days(session, contract, until=until, exclude_request_id=exclude_request_id)
    done = sum(dev["done"].values(), Decimal(0)) if counts else Decimal(0)
    planned = sum(dev["planned"].values(), Decimal(0)) if counts else Decimal(0)
    sessions = training_work(session, contract, until)
    trained = sum(m for _, m in sessions)
    return ServiceYear(
        contract=contract.code,
        period=f"{contract.start_date} .. {contract.end_date}",
        quota=Decimal(contract.service_days_per_year),
        hours_per_day=per_day,
        counts_development=counts,
        maintenance=days_of(counted, per_day),
        development_done=done,
        development_planned=planned,
        awaiting=days_of(awaiting, per_day),
        not_accepted=days_of(refused, per_day),
        overtime_minutes=overtime,
        service_minutes=counted,
        training=days_of(trained, per_day),
        training_minutes=trained,
        training_work=sessions,
        development=dev,
        orders=rows,
        service_request_days=days_of(desk["counted"], per_day),
        service_requests=desk["requests"],
        service_work=desk["days"],
    )
