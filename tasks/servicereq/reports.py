"""Service requests on the monthly statement and the weekly report: the period's requests
with their category, requester, state and service time (short rows in the document's
language)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from changeflow.bilingual import SERVICE_CATEGORIES, SERVICE_STATES, is_zh
from changeflow.db.servicereq import ServiceRequest
from changeflow.settings import get_settings

from .counting import worked

CATEGORY_WORDS = SERVICE_CATEGORIES
STATE_WORDS = SERVICE_STATES


def period_services(
    session: Session, contract_id: int, first: date, last: date, lang: str
) -> list[dict[str, Any]]:
    """Requests received in ``first..last`` or still open / done in it, as document rows."""
    tz = get_settings().tz
    lo = datetime(first.year, first.month, first.day, tzinfo=tz)
    hi = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
    i = 0 if is_zh(lang) else 1
    rows = []
    for sr in session.scalars(
        select(ServiceRequest)
        .where(
            ServiceRequest.contract_id == contract_id,
            ServiceRequest.received_at < hi,
            or_(
                ServiceRequest.received_at >= lo,
                ServiceRequest.done_at.is_(None),
                ServiceRequest.done_at >= lo,
                ServiceRequest.confirmed_at >= lo,
            ),
            ServiceRequest.state != "cancelled",
        )
        .order_by(ServiceRequest.received_at, ServiceRequest.id)
    ):
        minutes, _ = worked(sr)
        rows.append(
            {
                "key": sr.key,
                "category": CATEGORY_WORDS[sr.category][i],
                "title": sr.title
                + ("（紧急）" if sr.urgent and i == 0 else " (urgent)" * sr.urgent),
                "requester": sr.requester or "-",
                "state": STATE_WORDS[sr.state][i],
                "minutes": str(minutes),
            }
        )
    return rows
