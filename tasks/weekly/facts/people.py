"""The people involved: commits, days and hours per person, for the week and per request."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from .activity import Activity


def people_of(
    reqs: dict[int, Any], act: Activity
) -> tuple[dict[str, dict[str, Any]], dict[int, dict[str, dict[str, Any]]]]:
    """Per person of the week (days, hours, commits, request keys) and per request and person
    (days, hours, commits); a commit linked to two requests counts once for its author."""
    week_people: dict[str, dict[str, Any]] = {}

    def person(name: str) -> dict[str, Any]:
        return week_people.setdefault(
            name,
            {"name": name, "days": set(), "hours": Decimal(0), "commits": 0, "requests": set()},
        )

    req_people: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)

    def rperson(rid: int, name: str) -> dict[str, Any]:
        return req_people[rid].setdefault(
            name, {"name": name, "days": set(), "hours": Decimal(0), "commits": 0}
        )

    seen_commits: set[str] = set()
    for rid, day, sha, _message, author, _is_merge in act.commits:
        if sha not in seen_commits:
            seen_commits.add(sha)
            p = person(author)
            p["commits"] += 1
        p = person(author)
        p["days"].add(day)
        p["requests"].add(reqs[rid].key)
        rp = rperson(rid, author)
        rp["days"].add(day)
        rp["commits"] += 1
    for rid, day, name, hours, n in act.hours:
        h = Decimal(hours) * n
        p = person(name)
        p["days"].add(day)
        p["hours"] += h
        p["requests"].add(reqs[rid].key)
        rp = rperson(rid, name)
        rp["days"].add(day)
        rp["hours"] += h
    return week_people, req_people


def week_people_out(week_people: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The week's people, most days first."""
    return sorted(
        (
            {
                "name": p["name"],
                "days": len(p["days"]),
                "hours": p["hours"],
                "commits": p["commits"],
                "requests": sorted(p["requests"]),
            }
            for p in week_people.values()
        ),
        key=lambda p: (-p["days"], p["name"]),
    )


def request_people_out(
    req_people: dict[int, dict[str, dict[str, Any]]], rid: int
) -> list[dict[str, Any]]:
    """One request's people, most days first."""
    return sorted(
        (
            {
                "name": p["name"],
                "days": len(p["days"]),
                "hours": p["hours"],
                "commits": p["commits"],
            }
            for p in req_people.get(rid, {}).values()
        ),
        key=lambda p: (-p["days"], p["name"]),
    )
