"""Progress of a request from its commits and time logs, and its ``status`` section.

Importing this module registers the ``git`` section of ``changeflow status KEY``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.git import Commit, CommitLink, TimeEntry
from changeflow.db.models import Person, Request
from changeflow.db.session import transaction
from changeflow.errors import NotFoundError
from changeflow.settings import get_settings


def _working_days_between(cal: Any, start: date, end: date) -> int:
    """Working days after ``start`` up to ``end``, on the contract's working calendar."""
    from datetime import timedelta

    if end <= start:
        return -cal.working_days_between(end + timedelta(days=1), start) if end < start else 0
    return cal.working_days_between(start + timedelta(days=1), end)


def _plan_of(session: Session, request_id: int) -> tuple[Decimal | None, list[tuple[str, date]]]:
    """Planned person-days and milestones of the newest plan version (planning module)."""
    from changeflow.db.planning import Milestone, Plan

    plan = session.scalar(
        select(Plan).where(Plan.request_id == request_id).order_by(Plan.version.desc()).limit(1)
    )
    if plan is None:
        return None, []
    ms = session.execute(
        select(Milestone.phase, Milestone.day).where(Milestone.plan_id == plan.id)
    ).all()
    return plan.person_days, [(p, d) for p, d in ms]


def request_progress(
    session: Session,
    key: str,
    *,
    planned_person_days: Decimal | None = None,
    milestones: Sequence[tuple[str, date]] | None = None,
    hours_per_day: Decimal = Decimal(8),
    today: date | None = None,
) -> dict[str, Any]:
    """Commits, people, days, files, lines and logged time of one request, against its plan.

    Only commits still reachable from a followed branch count (a rebased commit is counted
    once, under its new sha). Planned days and milestones come from the newest plan unless
    given; without a plan, ``progress_pct`` is None.
    """
    req = session.scalar(select(Request).where(Request.key == key))
    if req is None:
        raise NotFoundError(f"no request {key}")
    if planned_person_days is None and milestones is None:
        planned_person_days, milestones = _plan_of(session, req.id)
    rows = session.execute(
        select(
            Person.name,
            Commit.identity,
            Commit.author_name,
            Commit.author_day,
            Commit.authored_at,
            Commit.is_merge,
            Commit.insertions,
            Commit.deletions,
            Commit.paths,
        )
        .join(CommitLink, CommitLink.commit_id == Commit.id)
        .outerjoin(Person, Person.id == Commit.person_id)
        .where(CommitLink.request_id == req.id, Commit.reachable)
    ).all()
    hours_rows = session.execute(
        select(TimeEntry.identity, TimeEntry.day, TimeEntry.hours)
        .join(Commit, Commit.id == TimeEntry.commit_id)
        .where(TimeEntry.request_id == req.id, Commit.reachable)
    ).all()
    authors: dict[str, dict[str, Any]] = {}
    files: set[str] = set()
    ins = dels = commits = merges = 0
    first: datetime | None = None
    last: datetime | None = None
    days: set[date] = set()
    spellings: dict[str, Counter[str]] = {}
    for person, ident, name, day, at, is_merge, i, d, paths in rows:
        a = authors.setdefault(
            ident, {"identity": ident, "name": name, "commits": 0, "days": set(), "hours": 0}
        )
        # shown name: the person's, else the spelling used most often
        spellings.setdefault(ident, Counter())[person or name] += 1000 if person else 1
        if is_merge:
            merges += 1
        else:
            commits += 1
            a["commits"] += 1
        a["days"].add(day)
        days.add(day)
        ins += i or 0
        dels += d or 0
        if paths:
            files.update(paths.split("\n"))
        first = at if first is None or at < first else first
        last = at if last is None or at > last else last
    for ident, counts in spellings.items():
        authors[ident]["name"] = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    logged = Decimal(0)
    for ident, day, hours in hours_rows:
        logged += hours
        a = authors.setdefault(
            ident, {"identity": ident, "name": ident, "commits": 0, "days": set(), "hours": 0}
        )
        a["hours"] = Decimal(a["hours"]) + hours
        a["days"].add(day)
    logged_days = (logged / hours_per_day).quantize(Decimal("0.01"))
    pct = None
    if planned_person_days:
        pct = (logged / hours_per_day / planned_person_days * 100).quantize(Decimal("0.1"))
    tz = get_settings().tz
    today = today or datetime.now(tz).date()
    last_day = last.astimezone(tz).date() if last else None
    slips = []
    cal = None
    for phase, due in milestones or []:
        if phase != "development":
            continue
        # Development ends with its last commit once the request moved on; while it is
        # still in development, every day past the milestone is slippage.
        end = max(today, last_day or today) if req.state == "in_development" else last_day
        if end is None:
            continue
        if cal is None:
            from ..calendar import calendar_for

            cal = calendar_for(session, req.contract)
        slip = max(0, _working_days_between(cal, due, end))
        slips.append({"phase": phase, "due": due, "slip_working_days": slip})
    return {
        "key": req.key,
        "state": req.state,
        "commits": commits,
        "merges": merges,
        "authors": [
            {**a, "days": len(a["days"]), "hours": Decimal(a["hours"])}
            for a in sorted(authors.values(), key=lambda x: (-x["commits"], x["identity"]))
        ],
        "active_days": len(days),
        "files": len(files),
        "insertions": ins,
        "deletions": dels,
        "hours_logged": logged,
        "person_days_logged": logged_days,
        "planned_person_days": planned_person_days,
        "progress_pct": pct,
        "first_activity": first,
        "last_activity": last,
        "milestones": slips,
    }


def progress_for(keys: Iterable[str], url: str | None = None) -> list[dict[str, Any]]:
    with transaction(url) as s:
        return [request_progress(s, k) for k in keys]


# --------------------------------------------------------------------------- status section


def status_section(session: Session, request: Request) -> dict[str, Any] | None:
    """The git part of ``changeflow status KEY`` (nothing when no commit is linked yet)."""
    p = request_progress(session, request.key)
    if not p["commits"] and not p["merges"] and not p["hours_logged"]:
        return None
    people = ", ".join(f"{a['name']} ({a['commits']}c/{a['days']}d)" for a in p["authors"])
    return {
        "commits": p["commits"],
        "merges": p["merges"],
        "authors": people,
        "active_days": p["active_days"],
        "files": p["files"],
        "lines": f"+{p['insertions']} -{p['deletions']}",
        "hours_logged": p["hours_logged"],
        "person_days": f"{p['person_days_logged']} / {p['planned_person_days'] or '-'}",
        "progress_pct": p["progress_pct"],
        "first_activity": p["first_activity"],
        "last_activity": p["last_activity"],
        "slippage": ", ".join(f"{m['phase']} {m['slip_working_days']}wd" for m in p["milestones"])
        or None,
    }


ACTIVE_STATES = ("approved", "in_development", "in_testing", "live")


def active_request_keys(url: str | None = None) -> list[str]:
    """Requests under development that already have a linked commit (for the sync report)."""
    with transaction(url) as s:
        q = (
            select(Request.key)
            .join(CommitLink, CommitLink.request_id == Request.id)
            .where(Request.state.in_(ACTIVE_STATES))
            .distinct()
            .order_by(Request.key)
        )
        return list(s.scalars(q))
