"""A training session held: its attendance, feedback and time recorded, in one transaction
with its audit record.

From the returned sign-in sheet: read and verified by the signed round trip
(``tasks.signoff``: the signature, the content against the version we sent, the register's
rows and the confirmation table's 实到人数, 满意度, 培训反馈, 确认人, 日期); the kinds table
names ``record_signin`` as the recorder of kind ``signin`` (``tasks.returned.RECORDERS``),
so the inbox, ``changeflow approve FILE`` and ``changeflow training record FILE`` take the
same path. Or by hand (``record_by_hand``): the attendees typed in, the paper sheet kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from changeflow.db.session import transaction
from changeflow.errors import ConflictError, InputError
from changeflow.settings import get_settings

from ..documents import document_filename
from ..inputs import clean_text
from .sessions import find_session, session_minutes, training_event, training_view
from .sheet import KIND

MAX_MINUTES = 24 * 60


def signin_file(path: Any, *, actor: str = "changeflow") -> dict[str, Any]:
    """``changeflow training record FILE``: a returned sign-in sheet, read and recorded
    through the signed round trip like every signed document."""
    from ..inputs import read_limited
    from ..signoff import Refused, read_returned, signable

    path = Path(path)
    source = str(path)
    data = read_limited(path)
    returned = read_returned(data, source)
    if returned.kind != KIND:
        raise Refused(
            source, "kind", f"is a {returned.kind} document, not a training sign-in sheet",
            "unknown",
        )  # fmt: skip
    result = record_signin(returned, signable(KIND), data, filename=path.name, actor=actor)
    with transaction() as s:
        return training_view(find_session(s, result.key))


def register_attendees(rows: list[list[str]], source: str) -> list[dict[str, str]]:
    """The register's rows an attendee wrote in: name, department, signed or not. A row
    with a department or signature but no name is refused, naming its 序号."""
    out: list[dict[str, str]] = []
    for row in rows:
        cells = [*row, "", "", "", ""][:4]
        no, name, dept, signature = (clean_text(c, 120) for c in cells)
        if not (name or dept or signature):
            continue
        if not name:
            raise InputError(source, f"签到 第{no}行 (sign-in row {no})", "has no name written")
        out.append({"name": name, "department": dept, "signed": "yes" if signature else "no"})
    return out


def _count(text: str, source: str) -> int:
    m = re.fullmatch(r"\s*(\d{1,4})\s*(人|名|people|persons)?\s*", text or "")
    if not m:
        raise InputError(source, "实到人数 (number attending)", f"'{text}' is not a number")
    return int(m.group(1))


def record_signin(returned: Any, spec: Any, data: bytes, *, filename: str, actor: str) -> Any:
    """The sign-in sheet's recorder: attendees, confirmation and the returned file, with the
    session's event, in one transaction."""
    from changeflow.db.models import Document
    from changeflow.db.store import document_path, put_document, sha256_bytes

    from ..signoff import (
        DecisionResult,
        Refused,
        check_content,
        parse_date,
        parse_satisfaction,
        today_local,
        verify_stored,
    )

    source, number, version = returned.source, returned.request, returned.version
    sha = sha256_bytes(data)
    with transaction() as s:
        row = find_session(s, number, lock=True)
        sent = next(
            (
                d
                for d in s.scalars(
                    select(Document).where(
                        Document.kind == KIND,
                        Document.version == version,
                        Document.lang == returned.lang,
                    )
                )
                if (d.meta or {}).get("training") == row.number
            ),
            None,
        )
        if sent is None:
            raise Refused(
                source, "version", f"no issued sign-in sheet {number} v{version}", "unknown"
            )
        if row.document_id != sent.id:
            raise Refused(source, "version", f"v{version} was replaced by a newer version", "stale")
        sent_lines = verify_stored(document_path(sent).read_bytes(), sent.path, KIND)
        check_content(returned, sent_lines)
        if row.state != "planned":
            raise Refused(source, "state", f"training {number} is {row.state} already", "decided")
        raw = returned.signoff_raw
        attendees = register_attendees(returned.register_raw, source)
        if not attendees:
            raise Refused(source, "签到 (sign-in)", "no attendee wrote a name", "signoff")
        attended = _count(raw.get("attended", ""), source)
        if attended != len(attendees):
            raise Refused(
                source,
                "实到人数 (number attending)",
                f"says {attended} but {len(attendees)} attendee(s) signed in",
                "decision",
            )
        score = parse_satisfaction(raw.get("satisfaction", ""), source)
        signer = clean_text(raw.get("signer", ""), 120)
        if not signer:
            raise Refused(
                source, "signer", "is blank: the organiser's name is required", "approver"
            )
        held_on = row.starts_at.astimezone(get_settings().tz).date()
        signed_on = parse_date(
            raw.get("date", ""), source, window=(held_on, today_local() + timedelta(days=1))
        )
        if signed_on < held_on:
            raise Refused(
                source, "date", f"{signed_on} is before the session ({held_on})", "date"
            )  # fmt: skip
        stored = put_document(
            s,
            data,
            kind="signin-returned",
            request=None,
            filename=document_filename(row.number, "signin-returned", version, returned.lang),
            meta={"training": row.number, "version": version},
        )
        _held(
            row, attendees, score, clean_text(raw.get("feedback", ""), 4000), signer, signed_on,
            session_minutes(row),
        )  # fmt: skip
        row.signed_document = stored
        training_event(
            row, "held", actor=actor, channel="document",
            reason=f"{len(attendees)} attended, satisfaction {score}", evidence_sha256=sha,
            data={"signer": signer, "raw": raw},
        )  # fmt: skip
        s.flush()
        return DecisionResult(
            key=row.number, kind=KIND, version=version, decision="approve", state=row.state,
            approver=signer, decided_on=signed_on, comment=row.feedback, channel="document",
            evidence_sha256=sha, evidence=stored.path, approval_id=0,
        )  # fmt: skip


def _held(
    row: Any,
    attendees: list[dict[str, str]],
    score: int | None,
    feedback: str,
    signer: str,
    signed_on: date | None,
    minutes: int,
) -> None:
    row.attendees = attendees
    row.satisfaction, row.feedback, row.signer, row.signed_on = score, feedback, signer, signed_on
    row.service_minutes = minutes


def parse_attendee(text: str, source: str) -> dict[str, str]:
    """``name/department`` (the department may be left out)."""
    name, _, dept = str(text).partition("/")
    name = clean_text(name, 120)
    if not name:
        raise InputError(source, "attendees", f"'{text}' has no name (write name/department)")
    return {"name": name, "department": clean_text(dept, 120), "signed": "paper"}


def record_by_hand(
    number: str,
    *,
    attendees: Sequence[str],
    satisfaction: int | None = None,
    feedback: str = "",
    minutes: int | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
) -> dict[str, Any]:
    """Attendance typed in from the paper sheet (``name/department`` each), the feedback
    and, when the session ran shorter or longer than planned, its minutes."""
    source = f"training {number}"
    people = [parse_attendee(a, source) for a in attendees if str(a).strip()]
    if not people:
        raise InputError(source, "attendees", "is blank: name who attended (name/department)")
    if satisfaction is not None and not 1 <= int(satisfaction) <= 5:
        raise InputError(source, "satisfaction", f"{satisfaction} is not between 1 and 5")
    if minutes is not None and not 0 < int(minutes) <= MAX_MINUTES:
        raise InputError(source, "minutes", f"{minutes} is not between 1 and {MAX_MINUTES}")
    with transaction() as s:
        row = find_session(s, number, lock=True)
        if row.state != "planned":
            raise ConflictError(f"training {row.number} is {row.state} already")
        _held(
            row, people, satisfaction, clean_text(feedback, 4000), actor, None,
            int(minutes) if minutes is not None else session_minutes(row),
        )  # fmt: skip
        training_event(
            row, "held", actor=actor, channel=channel,
            reason=f"{len(people)} attended (entered by hand)",
        )  # fmt: skip
        s.flush()
        return training_view(row)
