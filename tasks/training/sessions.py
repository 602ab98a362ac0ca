"""Training sessions (培训): planned, found by number, changed with their audit record, shown.

A session is planned for a contract (topic, the departments trained, start and end, place,
trainer, the OA manual's chapters used as materials, seats on the sign-in sheet) and its
sign-in sheet is issued with it (``sheet``). It is held once its attendance is recorded
(``record``: from the returned sheet through ``tasks.signoff``, or by hand); its time then
counts as service time in the one count (``tasks.servicedays``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.session import transaction
from changeflow.errors import ConflictError, InputError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act

from ..acttime import iso_local, parse_ahead
from ..calendar import calendar_for
from ..directory import find_contract
from ..inputs import clean_text
from ..numbered import find_numbered, move_state
from ..numbered import next_number as numbered_next

MAX_SEATS = 200


def find_session(session: Session, number: str, *, lock: bool = False) -> Any:
    from changeflow.db.training import TrainingSession

    return find_numbered(
        session, TrainingSession, number, "training session", "changeflow training list",
        lock=lock,
    )


def next_number(session: Session, year: int) -> str:
    from changeflow.db.training import TrainingSession

    return numbered_next(session, TrainingSession, "PX", year)


def training_event(session_row: Any, to_state: str, **audit: Any) -> None:
    """The state change and its audit record (in the caller's transaction)."""
    from changeflow.db.training import TrainingEvent

    move_state(session_row, TrainingEvent, to_state, **audit)


def session_minutes(row: Any) -> int:
    """The session's length in minutes (the trainer's service time by default)."""
    return max(0, int((row.ends_at - row.starts_at).total_seconds() // 60))


def training_view(row: Any) -> dict[str, Any]:
    return {
        "number": row.number,
        "contract": row.contract.code,
        "state": row.state,
        "topic": row.topic,
        "departments": list(row.departments or []),
        "starts_at": iso_local(row.starts_at),
        "ends_at": iso_local(row.ends_at),
        "place": row.place,
        "trainer": row.trainer,
        "materials": [m.get("title", "") for m in row.materials or []],
        "seats": row.seats,
        "document": row.document.path if row.document else None,
        "attendees": list(row.attendees or []),
        "attended": len(row.attendees or []),
        "satisfaction": row.satisfaction,
        "feedback": row.feedback,
        "signer": row.signer,
        "signed_on": row.signed_on.isoformat() if row.signed_on else None,
        "service_minutes": row.service_minutes,
    }


def _clean_list(values: Sequence[str], limit: int) -> list[str]:
    out: list[str] = []
    for v in values:
        for part in str(v).replace("、", ",").replace("，", ",").split(","):
            text = clean_text(part, limit)
            if text and text not in out:
                out.append(text)
    return out


@recorded_act("training", key=None)
def plan_training(
    *,
    topic: str,
    starts_at: str | datetime,
    ends_at: str | datetime,
    place: str,
    trainer: str,
    departments: Sequence[str] = (),
    materials: Sequence[str] = (),
    seats: int = 20,
    contract: str | None = None,
    lang: str | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
    source: str = "training",
) -> dict[str, Any]:
    """A training session planned, with its sign-in sheet issued, in one transaction."""
    from changeflow.db.training import TrainingSession

    from .sheet import issue_sheet

    topic = clean_text(topic or "", 300)
    if not topic:
        raise InputError(source, "topic", "is blank: name what the session teaches")
    depts = _clean_list(departments, 60)
    if not depts:
        raise InputError(source, "departments", "is blank: name the departments trained")
    trainer = clean_text(trainer or "", 120)
    if not trainer:
        raise InputError(source, "trainer", "is blank: name who gives the session")
    place = clean_text(place or "", 200)
    if not place:
        raise InputError(source, "place", "is blank: say where the session is held")
    if not 1 <= int(seats) <= MAX_SEATS:
        raise InputError(source, "seats", f"{seats} is not between 1 and {MAX_SEATS}")
    start = parse_ahead(starts_at, source, "starts_at")
    end = parse_ahead(ends_at, source, "ends_at")
    if end <= start:
        raise InputError(source, "ends_at", "is not after starts_at")
    tz = get_settings().tz
    if end.astimezone(tz).date() != start.astimezone(tz).date():
        raise InputError(source, "ends_at", "is not on the day the session starts")
    lang = lang or get_settings().lang
    with transaction() as s:
        k = find_contract(s, contract, start.astimezone(tz).date(), source)
        day = start.astimezone(tz).date()
        if not k.start_date <= day <= k.end_date:
            raise InputError(source, "starts_at", f"{day} is outside contract {k.code}'s year")
        cal = calendar_for(s, k)
        if not cal.is_working_day(day):
            why = cal.day_info(day).reason
            raise InputError(source, "starts_at", f"{day} is a day off ({why}): pick a working day")
        row = TrainingSession(
            number=next_number(s, day.year),
            contract=k,
            topic=topic,
            departments=depts,
            starts_at=start,
            ends_at=end,
            place=place,
            trainer=trainer,
            materials=[{"title": t} for t in _clean_list(materials, 200)],
            seats=int(seats),
            created_by=actor,
            attendees=[],
        )
        s.add(row)
        training_event(row, "planned", actor=actor, channel=channel, reason=topic)
        s.flush()
        issue_sheet(s, row, lang)
        s.flush()
        return training_view(row)


def list_trainings(contract: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
    from changeflow.db.models import Contract
    from changeflow.db.training import TrainingSession

    with transaction() as s:
        q = select(TrainingSession).order_by(TrainingSession.starts_at, TrainingSession.id)
        if contract:
            q = q.join(Contract).where(Contract.code == contract)
        if state:
            q = q.where(TrainingSession.state == state)
        return [training_view(r) for r in s.scalars(q)]


def show_training(number: str) -> dict[str, Any]:
    with transaction() as s:
        return training_view(find_session(s, number))


def reissue_sheet(number: str, *, lang: str | None = None) -> dict[str, Any]:
    """``changeflow training sheet N``: a new version of a planned session's sheet."""
    from .sheet import issue_sheet

    lang = lang or get_settings().lang
    with transaction() as s:
        row = find_session(s, number, lock=True)
        if row.state != "planned":
            raise ConflictError(f"training {row.number} is {row.state}: its sheet is final")
        issue_sheet(s, row, lang)
        s.flush()
        return training_view(row)
