"""The plan in ``changeflow status KEY``: registered as the "plan" section at import."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from changeflow.db.models import Request

from ..money import capital, fmt
from .estimating import pd_text
from .versions import latest_plan


def status_section(session: Session, request: Request) -> dict[str, Any] | None:
    plan = latest_plan(session, request)
    if plan is None:
        return None
    star = " *" if plan.provisional else ""
    return {
        "version": plan.version,
        "period": f"{plan.start_date} .. {plan.end_date}{star}",
        "person_days": pd_text(plan.person_days),
        "total": f"{fmt(plan.total)} {plan.currency} ({capital(plan.total)})",
        "milestones": ", ".join(f"{m.name} {m.day}" for m in plan.milestones),
    }
