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
    sd = (plan.data or {}).get("service_days") or {}
    late = (plan.data or {}).get("late")
    out = {
        "version": plan.version,
        "status": "draft (草稿): review, then changeflow plan KEY --issue"
        if plan.status == "draft"
        else f"issued {plan.issued_at:%Y-%m-%d}"
        if plan.issued_at
        else "issued",
        "period": f"{plan.start_date} .. {plan.end_date}{star}",
        "person_days": pd_text(plan.person_days),
        "total": f"{fmt(plan.total)} {plan.currency} ({capital(plan.total)})",
        "milestones": ", ".join(f"{m.name} {m.day}" for m in plan.milestones),
    }
    if sd:
        out["service_days"] = (
            f"uses {sd['uses']}, left {sd['before']} -> {sd['after']};"
            f" covered {sd['covered']}, billed {sd['billed']} person-days"
        )
    if late:
        out["late"] = f"{late['calendar_days']} calendar days after the desired {late['desired']}"
    return out
