"""What happened in the period, one query per kind of fact: the client's requests, the
commits, the hours, the stage changes and the documents; and which requests the report is
about (the active ones and any with activity in the period)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from changeflow.db.git import Commit, CommitLink, TimeEntry
from changeflow.db.models import Document, Person, Request, RequestEvent

from .period import Period

ACTIVE_STATES = ("approved", "in_development", "in_testing", "live")


@dataclass(frozen=True)
class Activity:
    """The period's rows, each list in the order the report shows it."""

    commits: list[Any]  # (request_id, day, sha, message, author, is_merge)
    hours: list[Any]  # (request_id, day, who, hours_text, count)
    events: list[Any]  # (request_id, at, from_state, to_state, actor, reason)
    documents: list[Any]  # (request_id, created_at, kind, version, lang)


def client_requests(session: Session, period: Period) -> dict[int, Any]:
    """The client's requests by id: key, title, kind and state."""
    return {
        r.id: r
        for r in session.execute(
            select(Request.id, Request.key, Request.title, Request.kind, Request.state).where(
                Request.client_id == period.client.id
            )
        )
    }


class People:
    """One name per person: an author is the person the git sync mapped (names, e-mails, case,
    ``.mailmap``, the repository's aliases), else one of our staff or the client's people whose
    e-mail, git alias or unique name is the identity (a person added after the sync), else an
    outside author under the identity, shown by the first author name git gave for it."""

    def __init__(self, session: Session) -> None:
        from ...gitsync.linking import Identities

        self.by_key = Identities(session, {}).by_key
        self.names = dict(session.execute(select(Person.id, Person.name)).all())
        self.outside: dict[str, str] = {}

    def name(self, person_id: int | None, identity: str, author_name: str | None) -> str:
        if person_id is None:
            person_id = self.by_key.get((identity or "").strip().casefold(), ("", None))[1]
        if person_id is not None and person_id in self.names:
            return self.names[person_id]
        key = (identity or author_name or "").strip().casefold()
        return self.outside.setdefault(key, (author_name or identity or "?").strip())


def period_commits(session: Session, period: Period, people: People | None = None) -> list[Any]:
    """Commits of the period, per request (reachable ones only: a rebased commit counts once),
    each author resolved to one name (``People``)."""
    people = people or People(session)
    rows = session.execute(
        select(
            CommitLink.request_id,
            Commit.author_day,
            Commit.sha,
            func.substr(Commit.message, 1, 400),
            Commit.person_id,
            Commit.identity,
            Commit.author_name,
            Commit.is_merge,
        )
        .join(Commit, Commit.id == CommitLink.commit_id)
        .where(
            CommitLink.request_id.in_(period.request_ids()),
            Commit.reachable,
            Commit.author_day >= period.start,
            Commit.author_day <= period.end,
        )
        .order_by(Commit.author_day, Commit.authored_at, Commit.id)
    ).all()
    return [
        (rid, day, sha, msg, people.name(pid, ident, author), merge)
        for rid, day, sha, msg, pid, ident, author, merge in rows
    ]


def reachable_or_manual() -> Any:
    """Time entries that count: logged by hand, or from a commit still reachable."""
    return or_(TimeEntry.commit_id.is_(None), Commit.reachable)


def period_hours(session: Session, period: Period, people: People | None = None) -> list[Any]:
    """Hours of the period per request, day and person (the same names as the commits'),
    grouped by their exact text."""
    people = people or People(session)
    author = func.coalesce(Commit.author_name, TimeEntry.identity)
    rows = session.execute(
        select(
            TimeEntry.request_id,
            TimeEntry.day,
            TimeEntry.person_id,
            TimeEntry.identity,
            author,
            TimeEntry.hours,
            func.count(),
        )
        .outerjoin(Commit, Commit.id == TimeEntry.commit_id)
        .where(
            TimeEntry.request_id.in_(period.request_ids()),
            reachable_or_manual(),
            TimeEntry.day >= period.start,
            TimeEntry.day <= period.end,
        )
        .group_by(
            TimeEntry.request_id,
            TimeEntry.day,
            TimeEntry.person_id,
            TimeEntry.identity,
            author,
            TimeEntry.hours,
        )
    ).all()
    return [
        (rid, day, people.name(pid, ident, name), hours, n)
        for rid, day, pid, ident, name, hours, n in rows
    ]


def stage_changes(session: Session, period: Period) -> list[Any]:
    """The requests' state changes in the period, in order."""
    return session.execute(
        select(
            RequestEvent.request_id,
            RequestEvent.at,
            RequestEvent.from_state,
            RequestEvent.to_state,
            RequestEvent.actor,
            RequestEvent.reason,
        )
        .where(
            RequestEvent.request_id.in_(period.request_ids()),
            RequestEvent.at >= period.t0,
            RequestEvent.at < period.t1,
        )
        .order_by(RequestEvent.at, RequestEvent.id)
    ).all()


def period_documents(session: Session, period: Period) -> list[Any]:
    """The requests' documents made in the period, in order."""
    return session.execute(
        select(
            Document.request_id, Document.created_at, Document.kind, Document.version, Document.lang
        )
        .where(
            Document.request_id.in_(period.request_ids()),
            Document.created_at >= period.t0,
            Document.created_at < period.t1,
        )
        .order_by(Document.created_at, Document.id)
    ).all()


def period_activity(session: Session, period: Period) -> Activity:
    """Commits, hours, stage changes and documents of the period."""
    people = People(session)
    return Activity(
        commits=period_commits(session, period, people),
        hours=period_hours(session, period, people),
        events=stage_changes(session, period),
        documents=period_documents(session, period),
    )


def shown_requests(reqs: dict[int, Any], act: Activity) -> tuple[list[int], set[int]]:
    """The requests the report is about, by key: the active ones (faults aside) and any with
    activity in the period; and the active ones alone."""
    active_ids = {rid for rid, r in reqs.items() if r.state in ACTIVE_STATES and r.kind != "fault"}
    touched = (
        {r[0] for r in act.commits}
        | {r[0] for r in act.hours}
        | {e[0] for e in act.events}
        | {d[0] for d in act.documents}
    )
    shown = sorted(active_ids | touched, key=lambda rid: reqs[rid].key)
    return shown, active_ids


def distinct_commits(act: Activity) -> int:
    """Commits of the period, each once (a commit linked to two requests counts once)."""
    return len({sha for _rid, _day, sha, *_rest in act.commits})


def period_hours_total(act: Activity) -> Decimal:
    """Hours logged in the period, exact."""
    week_hours = Decimal(0)
    for _rid, _day, _name, hours, n in act.hours:
        week_hours += Decimal(hours) * n
    return week_hours
