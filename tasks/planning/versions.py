"""Plan versions: each plan is a new version; only the newest may be approved."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from changeflow.db.models import Request
from changeflow.db.planning import Plan
from changeflow.errors import NotFoundError


def latest_plan(session: Session, request: Request) -> Plan | None:
    """The newest plan version of ``request``: the only one that may be approved."""
    return session.scalar(
        select(Plan).where(Plan.request_id == request.id).order_by(Plan.version.desc()).limit(1)
    )


def is_latest(session: Session, plan: Plan) -> bool:
    newest = session.scalar(
        select(func.max(Plan.version)).where(Plan.request_id == plan.request_id)
    )
    return plan.version == newest


def get_plan(session: Session, request: Request, version: int | None = None) -> Plan:
    if version is None:
        plan = latest_plan(session, request)
    else:
        plan = session.scalar(
            select(Plan).where(Plan.request_id == request.id, Plan.version == version)
        )
    if plan is None:
        which = f"version {version}" if version else "any plan"
        raise NotFoundError(f"request {request.key} has no {which}; make one: changeflow plan KEY")
    return plan
