"""The estimates file (YAML): ``export_estimates`` writes the current estimate for editing,
``parse_estimates`` reads an edited one back (one InputError on any problem).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import pick
from changeflow.db.models import Contract, Person, Request
from changeflow.db.planning import PHASES
from changeflow.db.session import transaction
from changeflow.errors import InputError, NotFoundError

from ..inputs import clean_text, load_yaml, read_limited
from .common import MILESTONE_LABELS
from .estimating import MAX_ITEMS, Estimate, default_estimates, parse_person_days, pd_text
from .versions import latest_plan


def parse_estimates(
    session: Session,
    data: bytes,
    source: str,
    request: Request,
    contract: Contract,
    lang: str = "zh-CN",
) -> list[Estimate]:
    """Read an estimates YAML file (see ``export_estimates``); one InputError on any problem."""
    doc = load_yaml(data, source)
    if not isinstance(doc, dict):
        raise InputError(source, "document", "must be a mapping with 'items'")
    unknown = set(doc) - {"request", "based_on", "items", "note"}
    if unknown:
        raise InputError(source, sorted(unknown)[0], "unknown field")
    if doc.get("request") not in (None, request.key):
        raise InputError(source, "request", f"is for {doc['request']}, not {request.key}")
    items = doc.get("items")
    if not isinstance(items, list) or not items:
        raise InputError(source, "items", "must be a non-empty list of work items")
    if len(items) > MAX_ITEMS:
        raise InputError(source, "items", f"has {len(items)} entries; the limit is {MAX_ITEMS}")
    reqs = {r.no: r for r in request.requirements}
    staff = {
        p.name: p
        for p in session.scalars(
            select(Person).where(Person.client_id.is_(None), Person.active.is_(True))
        )
    }
    out: list[Estimate] = []
    allowed = {"requirement", "phase", "role", "person_days", "assignee", "title"}
    for i, it in enumerate(items):
        f = f"items[{i}]"
        if not isinstance(it, dict):
            raise InputError(source, f, "must be a mapping (phase, role, person_days, ...)")
        extra = set(it) - allowed
        if extra:
            raise InputError(source, f"{f}.{sorted(extra)[0]}", "unknown field")
        phase = it.get("phase")
        if phase not in PHASES:
            raise InputError(source, f"{f}.phase", f"must be one of {', '.join(PHASES)}")
        role = it.get("role")
        if not isinstance(role, str) or not role.strip():
            raise InputError(source, f"{f}.role", "is required (e.g. developer)")
        role = role.strip()
        if role not in (contract.day_rates or {}):
            raise InputError(
                source,
                f"{f}.role",
                f"contract {contract.code} has no day rate for '{role}'"
                f" (roles: {', '.join(sorted(contract.day_rates or {}))})",
            )
        days = parse_person_days(it.get("person_days"), source, f"{f}.person_days")
        no = it.get("requirement")
        if no is not None and (isinstance(no, bool) or not isinstance(no, int) or no not in reqs):
            raise InputError(
                source,
                f"{f}.requirement",
                f"'{no}' is not a requirement of {request.key}"
                f" (numbers: {', '.join(map(str, reqs))}; leave empty for the whole request)",
            )
        assignee = it.get("assignee")
        if assignee is not None:
            if not isinstance(assignee, str) or assignee.strip() not in staff:
                raise InputError(
                    source,
                    f"{f}.assignee",
                    f"'{assignee}' is not one of our active staff"
                    f" ({', '.join(sorted(staff)) or 'none loaded'})",
                )
            assignee = assignee.strip()
        title = it.get("title")
        if title is not None and not isinstance(title, str):
            raise InputError(source, f"{f}.title", "must be text")
        if not title:
            title = reqs[no].text if no is not None else pick(MILESTONE_LABELS[phase], lang)
        out.append(Estimate(phase, role, days, no, clean_text(title, 200), assignee))
    return out


def export_estimates(key: str, path: Path) -> dict[str, Any]:
    """Write the current estimate (newest plan, else the defaults) as YAML for editing."""
    with transaction() as session:
        req = session.scalar(select(Request).where(Request.key == key))
        if req is None:
            raise NotFoundError(f"no request {key}")
        plan = latest_plan(session, req)
        if plan is not None:
            items = [
                Estimate(it.phase, it.role, it.person_days, it.requirement_no, it.title,
                         it.assignee.name if it.assignee else None)
                for it in plan.items
            ]  # fmt: skip
            based_on = f"plan v{plan.version}"
        else:
            if req.contract is None:
                raise InputError(key, "contract", "the request has no contract")
            items = default_estimates(session, req, req.contract)
            based_on = f"estimation defaults of contract {req.contract.code}"
    doc = {
        "request": key,
        "based_on": based_on,
        "items": [
            {
                "requirement": e.requirement_no,
                "phase": e.phase,
                "role": e.role,
                "person_days": pd_text(e.person_days),
                "assignee": e.assignee,
                "title": e.title,
            }
            for e in items
        ],
    }
    head = (
        f"# Estimates for {key} ({based_on}). Edit, then: changeflow plan {key} --estimates FILE\n"
        "# phase: analysis | development | testing | golive | acceptance;"
        " person_days in steps of 0.5;\n"
        "# requirement: the task book's number (empty for the whole request);"
        " assignee: one of our staff or empty.\n"
    )
    text = head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return {"key": key, "file": str(path), "based_on": based_on, "items": len(items)}


def read_estimates_file(path: Path) -> bytes:
    return read_limited(Path(path), limit=1024 * 1024)
