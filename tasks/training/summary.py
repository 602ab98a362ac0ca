"""Training sessions of a period, as the weekly report and the monthly statement show them:
one short line (sessions, attendees, service days; each session's number and topic)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import is_zh
from changeflow.db.models import Contract
from changeflow.db.session import transaction
from changeflow.settings import get_settings


def sessions_in(
    session: Session, contract: Contract | None, first: date, last: date
) -> list[dict[str, Any]]:
    """The contract's sessions held or planned between ``first`` and ``last`` (local days)."""
    from changeflow.db.training import TrainingSession

    if contract is None:
        return []
    tz = get_settings().tz
    per_day = Decimal(contract.hours_per_service_day) or Decimal(8)
    out = []
    for t in session.scalars(
        select(TrainingSession)
        .where(TrainingSession.contract_id == contract.id, TrainingSession.state != "cancelled")
        .order_by(TrainingSession.starts_at)
    ):
        day = t.starts_at.astimezone(tz).date()
        if first <= day <= last:
            days = (Decimal(t.service_minutes or 0) / 60 / per_day).quantize(Decimal("0.01"))
            out.append({
                "number": t.number, "topic": t.topic, "day": day, "state": t.state,
                "attended": len(t.attendees or []), "days": days,
                "departments": list(t.departments or []),
            })  # fmt: skip
    return out


def training_line(contract: str, first: date, last: date, lang: str) -> str:
    """``本期培训 2 次（已举办 1 次，参训 12 人，计 0.25 个服务天）：PX-2026-0001 OA 流程审批
    （12月2日）…``; empty when there was none."""
    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == contract))
        rows = sessions_in(s, k, first, last)
    return line_of(rows, lang)


def line_of(rows: list[dict[str, Any]], lang: str) -> str:
    """The line for ``sessions_in``'s rows; empty when there is none."""
    if not rows:
        return ""
    zh = is_zh(lang)
    held = [r for r in rows if r["state"] == "held"]
    people = sum(r["attended"] for r in held)
    days = sum((r["days"] for r in held), Decimal(0))
    if zh:
        items = "；".join(
            f"{r['number']} {r['topic']}（{r['day'].month}月{r['day'].day}日，"
            + (f"{r['attended']} 人）" if r["state"] == "held" else "计划中）")
            for r in rows
        )
        return (
            f"本期培训 {len(rows)} 次（已举办 {len(held)} 次，参训 {people} 人，"
            f"计 {days} 个服务天）：{items}。"
        )
    items = "; ".join(
        f"{r['number']} {r['topic']} ({r['day'].isoformat()}, "
        + (f"{r['attended']} attended)" if r["state"] == "held" else "planned)")
        for r in rows
    )
    return (
        f"Training this period: {len(rows)} session(s) ({len(held)} held, {people} attended,"
        f" {days} service days): {items}."
    )
