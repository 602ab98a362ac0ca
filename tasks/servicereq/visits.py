"""Service requests done on a visit: listed on the visit's dispatch order (派工单), and
confirmed when the client accepts the signed order (the requester's confirmation by the
dispatch order). Their time is the order's (counted once, by the order)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import is_zh
from changeflow.db.servicereq import ServiceRequest, ServiceWork
from changeflow.db.types import utcnow

from .reports import CATEGORY_WORDS


def _on_order(session: Session, number: str) -> list[ServiceRequest]:
    ids = select(ServiceWork.service_id).where(ServiceWork.dispatch_number == number)
    return list(
        session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.id.in_(ids), ServiceRequest.state.in_(("done", "confirmed")))
            .order_by(ServiceRequest.id)
        )
    )


def order_items(session: Session, number: str, lang: str) -> list[dict[str, str]]:
    """The requests worked on order ``number`` and done, as the order's rows."""
    i = 0 if is_zh(lang) else 1
    return [
        {
            "key": sr.key,
            "category": CATEGORY_WORDS[sr.category][i],
            "title": sr.title,
            "requester": sr.requester or "-",
            "resolution": sr.resolution or "-",
        }
        for sr in _on_order(session, number)
    ]


def confirm_on_order(
    session: Session, number: str, *, signer: str, evidence_sha256: str, actor: str
) -> list[str]:
    """Confirm the done requests of an accepted order, in the order's transaction."""
    from .desk import confirm_service

    done = []
    for sr in _on_order(session, number):
        if sr.state != "done":
            continue
        at = max(utcnow(), sr.done_at) if sr.done_at else utcnow()
        confirm_service(
            sr.key,
            by=signer,
            via="dispatch",
            dispatch=number,
            at=at,
            actor=actor,
            evidence_sha256=evidence_sha256,
            session=session,
        )
        done.append(sr.key)
    return done
