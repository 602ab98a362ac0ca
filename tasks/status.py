"""What ``changeflow status`` shows: all requests, or one with its timeline.

Beside the request's own record, one request's status has a section per capability (plan
totals, decisions, git progress, tests and releases, SLA clocks), declared in
``sections()`` below: one list, in the order shown, never filled by importing a module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Document, Request
from changeflow.db.session import transaction
from changeflow.errors import NotFoundError
from changeflow.settings import get_settings

Section = Callable[[Session, Request], dict[str, Any] | None]


def sections() -> list[tuple[str, Section]]:
    """(name in the status, the function that returns the section or None), in the order
    shown: ONE declared list. Imported here, in the function: the rooms below are loaded
    only when a request's status is asked for."""
    from .clientmail.outgoing import status_section as mail
    from .gitsync.progress import status_section as git
    from .maintenance.faults import status_section as sla
    from .planning.status_section import status_section as plan
    from .signoff.decisions import status_section as approval
    from .testing.status_section import status_section as delivery

    return [
        ("plan", plan),
        ("approval", approval),
        ("mail", mail),
        ("git", git),
        ("delivery", delivery),
        ("sla", sla),
    ]


def local(dt: Any) -> str | None:
    return None if dt is None else dt.astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M")


def list_requests(state: str | None = None) -> list[dict[str, Any]]:
    with transaction() as s:
        q = select(Request).order_by(Request.year, Request.seq)
        if state:
            q = q.where(Request.state == state)
        return [
            {
                "key": r.key,
                "kind": r.kind,
                "client": r.client.name,
                "title": r.title,
                "state": r.state,
                "priority": r.priority,
                "desired_date": r.desired_date,
                "updated": local(r.updated_at),
            }
            for r in s.scalars(q)
        ]


def request_status(key: str) -> dict[str, Any]:
    with transaction() as s:
        r = s.scalar(select(Request).where(Request.key == key))
        if r is None:
            raise NotFoundError(f"no request {key} (see: changeflow status)")
        docs = s.scalars(
            select(Document).where(Document.request_id == r.id).order_by(Document.id)
        ).all()
        out: dict[str, Any] = {
            "key": r.key,
            "kind": r.kind,
            "title": r.title,
            "client": r.client.name,
            "contract": r.contract.code if r.contract else None,
            "state": r.state,
            "priority": r.priority,
            "requester": r.requester,
            "contact": r.contact,
            "submitted_on": r.submitted_on,
            "desired_date": r.desired_date,
            "requirements": [
                {"no": q.no, "text": q.text, "priority": q.priority, "acceptance": q.acceptance}
                for q in r.requirements
            ],
            "timeline": [
                {
                    "at": local(e.at),
                    "from": e.from_state,
                    "to": e.to_state,
                    "actor": e.actor,
                    "channel": e.channel,
                    "reason": e.reason,
                }
                for e in r.events
            ],
            "documents": [
                {
                    "kind": d.kind,
                    "version": d.version,
                    "lang": d.lang,
                    "path": d.path,
                    "sha256": d.sha256,
                }
                for d in docs
            ],
        }
        for name, fn in sections():
            part = fn(s, r)
            if part is not None:
                out[name] = part
        return out
