"""One staff calendar across requests: what other plans already hold of each person's
working days, their days away (leave, other duties), and the planned service days of
approved plans (for ``contract usage``).

A plan *holds* its people when it is the newest issued version of a request that is
waiting for the client's decision (``planned``) or approved and not yet finished
(``approved``, ``in_development``, ``in_testing``, ``live``, ``on_hold``). Each plan keeps
its load (person -> day -> half-days) in ``Plan.data["load"]``; older plans without one
hold every working day between an item's start and end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Contract, Person, Request
from changeflow.db.planning import Plan, StaffAway
from changeflow.db.session import transaction
from changeflow.errors import InputError

from ..calendar import WorkingCalendar
from ..inputs import clean_text
from ..servicedays import development_counts, development_days, planning_settings

# Request states whose newest issued plan holds its people's days.
HOLDING_STATES = ("planned", "approved", "in_development", "in_testing", "live", "on_hold")
MAX_AWAY_DAYS = 366


@dataclass
class Booked:
    """What others hold: person -> day -> half-days taken, and why (request key or away)."""

    halves: dict[str, dict[date, int]] = field(default_factory=dict)
    why: dict[str, dict[date, list[str]]] = field(default_factory=dict)

    def take(self, who: str, day: date, halves: int, label: str) -> None:
        row = self.halves.setdefault(who, {})
        row[day] = min(2, row.get(day, 0) + halves)
        labels = self.why.setdefault(who, {}).setdefault(day, [])
        if label not in labels:
            labels.append(label)


def newest_issued(session: Session, request_id: int) -> Plan | None:
    return session.scalar(
        select(Plan)
        .where(Plan.request_id == request_id, Plan.status == "issued")
        .order_by(Plan.version.desc())
        .limit(1)
    )


def plan_load(plan: Plan, cal: WorkingCalendar) -> dict[str, dict[date, int]]:
    """person -> day -> half-days this plan asks of them (named people only)."""
    raw = (plan.data or {}).get("load")
    out: dict[str, dict[date, int]] = {}
    if raw is not None:
        for who, days in raw.items():
            out[who] = {date.fromisoformat(d): int(h) for d, h in days.items()}
        return out
    for it in plan.items:  # a plan made before loads were kept: every day of each item
        if it.assignee is None or it.start_date is None or it.end_date is None:
            continue
        row = out.setdefault(it.assignee.name, {})
        for d in cal.days(it.start_date, it.end_date):
            if d.working:
                row[d.day] = 2
    return out


def booked_elsewhere(
    session: Session,
    cal: WorkingCalendar,
    *,
    exclude_request_id: int | None,
    first: date,
    hold_issued: bool = True,
) -> Booked:
    """Every person's days held by other requests' plans and by their days away, from
    ``first`` on."""
    states = HOLDING_STATES if hold_issued else tuple(s for s in HOLDING_STATES if s != "planned")
    booked = Booked()
    for req in session.scalars(select(Request).where(Request.state.in_(states))):
        if req.id == exclude_request_id:
            continue
        plan = newest_issued(session, req.id)
        if plan is None or plan.end_date < first:
            continue
        for who, days in plan_load(plan, cal).items():
            for day, h in days.items():
                if day >= first:
                    booked.take(who, day, h, req.key)
    rows = session.execute(
        select(StaffAway, Person.name)
        .join(Person, StaffAway.person_id == Person.id)
        .where(StaffAway.last_day >= first)
    )
    for away, name in rows:
        label = "away" + (f": {away.reason}" if away.reason else "")
        for d in cal.days(max(first, away.first_day), away.last_day):
            if d.working:
                booked.take(name, d.day, 2, label)
    return booked


def busy_during(
    booked: Booked, people: list[str], first: date, last: date, cal: WorkingCalendar
) -> list[dict[str, Any]]:
    """When each of ``people`` is busy elsewhere between ``first`` and ``last``: runs of
    working days with the same reason (a request key, or away)."""
    out: list[dict[str, Any]] = []
    for who in people:
        why = booked.why.get(who, {})
        runs: list[dict[str, Any]] = []
        for day in sorted(d for d in why if first <= d <= last):
            label = " / ".join(why[day])
            half = booked.halves[who][day] < 2
            last_run = runs[-1] if runs else None
            if (
                last_run is not None
                and last_run["what"] == label
                and cal.next_working_day(last_run["_to"]) == day
            ):
                last_run["_to"] = day
                last_run["days"] += Decimal("0.5") if half else Decimal(1)
            else:
                runs.append(
                    {
                        "who": who,
                        "what": label,
                        "_from": day,
                        "_to": day,
                        "days": Decimal("0.5") if half else Decimal(1),
                    }
                )
        for r in runs:
            out.append(
                {
                    "who": r["who"],
                    "what": r["what"],
                    "from": r.pop("_from").isoformat(),
                    "to": r.pop("_to").isoformat(),
                    "days": format(r["days"].normalize(), "f"),
                }
            )
    return out


def double_booked(
    load: dict[str, dict[date, int]], booked: Booked
) -> list[tuple[str, date, list[str]]]:
    """Days where ``load`` plus what others hold is more than a person-day."""
    clashes = []
    for who, days in load.items():
        for day, h in sorted(days.items()):
            if h + booked.halves.get(who, {}).get(day, 0) > 2:
                clashes.append((who, day, booked.why.get(who, {}).get(day, [])))
    return clashes


def set_away(
    name: str, first: date, last: date, *, reason: str = "", actor: str = "changeflow"
) -> dict[str, Any]:
    """Record that ``name`` (our staff) is away from ``first`` to ``last`` (both included)."""
    from ..directory import find_staff

    src = "changeflow staff away"
    if last < first:
        raise InputError(src, "TO", f"{last} is before FROM {first}")
    if (last - first).days + 1 > MAX_AWAY_DAYS:
        raise InputError(src, "TO", f"at most {MAX_AWAY_DAYS} days at a time")
    with transaction() as s:
        person = find_staff(s, name, src, "NAME")
        same = s.scalar(
            select(StaffAway).where(
                StaffAway.person_id == person.id,
                StaffAway.first_day == first,
                StaffAway.last_day == last,
            )
        )
        if same is None:
            same = StaffAway(
                person_id=person.id,
                first_day=first,
                last_day=last,
                reason=clean_text(reason or "", 200),
                created_by=actor,
            )
            s.add(same)
            s.flush()
        return {
            "name": person.name,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "reason": same.reason,
        }


def list_away(name: str | None = None) -> list[dict[str, Any]]:
    with transaction() as s:
        q = select(StaffAway, Person.name).join(Person, StaffAway.person_id == Person.id)
        if name:
            q = q.where(Person.name == name)
        return [
            {
                "name": n,
                "from": a.first_day.isoformat(),
                "to": a.last_day.isoformat(),
                "reason": a.reason,
            }
            for a, n in s.execute(q.order_by(StaffAway.first_day, Person.name))
        ]


def planned_service_days(
    session: Session,
    contract: Contract,
    *,
    exclude_request_id: int | None = None,
) -> dict[str, Any]:
    """Person-days of the approved plans of ``contract``'s requests in the contract year
    (done and planned together; ``tasks/servicedays.py`` keeps them apart):
    ``{"days": Decimal, "counts": bool, "requests": {key: Decimal}}``."""
    dev = development_days(session, contract, exclude_request_id=exclude_request_id)
    per_request: dict[str, Decimal] = defaultdict(Decimal)
    for part in (dev["done"], dev["planned"]):
        for k, v in part.items():
            per_request[k] += v
    return {
        "days": sum(per_request.values(), Decimal(0)),
        "counts": development_counts(contract),
        "requests": dict(sorted(per_request.items())),
    }


def approval_lead_days(contract: Contract) -> int:
    v = planning_settings(contract).get("approval_lead_days", 2)
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 60:
        raise InputError(
            f"contract {contract.code}",
            "settings.planning.approval_lead_days",
            "must be a whole number of working days from 0 to 60",
        )
    return v
