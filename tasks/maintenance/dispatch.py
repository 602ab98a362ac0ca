"""Dispatch orders (派工单): create one with its signed document, an emergency visit for a
fault, record the work done, cancel, list, and the engineers' evaluation from the
sign-offs.

The order's record (look-up, events, view) is in ``dispatch_record``; reading the
client's sign-off back is in ``dispatch_signoff``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.maintenance import Fault
from changeflow.db.models import Request
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import ConflictError, InputError
from changeflow.settings import get_settings

from ..directory import find_contract, find_staff
from .common import parse_when, show
from .dispatch_record import _dispatch, _dispatch_event, _next_number, dispatch_view
from .notices import duty_staff
from .quota import check_quota

DEFAULT_VISIT_MINUTES = 210  # the weekly visit: 14:00-17:30 unless the contract says more
DEFAULT_ORDER_MINUTES = 120


def _dispatch_context(order: Any, lang: str) -> dict[str, Any]:
    from changeflow.docs_templates.tpl_dispatch import KIND_LABELS

    zh = lang == "zh-CN"
    lines = [x for x in (order.work_content or "").splitlines() if x.strip()] or ["-"]
    return {
        "number": order.number,
        "contract": order.contract.code,
        "client": order.contract.client.name,
        "kind": KIND_LABELS[order.kind][0 if zh else 1],
        "title": order.title,
        "staff": "、".join(s.person.name for s in order.staff)
        if zh
        else ", ".join(s.person.name for s in order.staff),
        "planned_start": show(order.planned_start)[:16],
        "planned_end": show(order.planned_end)[:16],
        "location": order.location or "-",
        "requests": ", ".join(sorted(link.request.key for link in order.links)) or "-",
        "work_lines": lines,
    }


def _issue_dispatch_document(session: Session, order: Any, lang: str) -> Any:
    """Render, sign and store the order's document (a new version each time).

    The signature (``tasks.signoff``) covers every table but the sign-off table, so the
    client's entries there do not break it while any change above does.
    """
    from changeflow.db.store import next_version, put_document

    from ..signoff import sign_document
    from ..wordkit import render

    version = next_version(session, None, "dispatch", lang)

    def sign(doc: Any) -> None:
        sign_document(doc, kind="dispatch", request=order.number, version=version, lang=lang)

    title = ("派工单 " if lang == "zh-CN" else "Dispatch Order ") + order.number
    data = render(
        "dispatch",
        _dispatch_context(order, lang),
        lang=lang,
        title=title,
        subject=order.contract.code,
        finish=sign,
    )
    stored = put_document(
        session,
        data,
        kind="dispatch",
        request=None,
        filename=f"{order.number}.docx",
        version=version,
        lang=lang,
        meta={"dispatch": order.number},
    )
    order.document = stored
    return stored


def _parse_planned(
    value: str | datetime | None, source: str, field: str
) -> datetime:  # planned times may lie ahead
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value or "").strip())
        except ValueError:
            raise InputError(
                source, field, f"'{value}' is not a time like 2026-12-02 14:00"
            ) from None
    return when if when.tzinfo else when.replace(tzinfo=get_settings().tz)


def create_dispatch(
    *,
    kind: str,
    planned_start: str | datetime,
    planned_end: str | datetime | None = None,
    staff: Sequence[str] = (),
    title: str = "",
    work_content: str = "",
    location: str = "",
    requests: Sequence[str] = (),
    contract: str | None = None,
    schedule_key: str | None = None,
    lang: str | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
    source: str = "dispatch order",
) -> dict[str, Any]:
    """A dispatch order with its signed document, in one transaction."""
    from changeflow.db.maintenance import DISPATCH_KINDS, DispatchLink, DispatchOrder, DispatchStaff

    from ..inputs import clean_text

    if kind not in DISPATCH_KINDS:
        raise InputError(source, "kind", f"'{kind}' is not one of {', '.join(DISPATCH_KINDS)}")
    start = _parse_planned(planned_start, source, "planned_start")
    lang = lang or get_settings().lang
    tz = get_settings().tz
    with transaction() as s:
        linked = []
        for key in requests:
            req = s.scalar(select(Request).where(Request.key == key.strip()))
            if req is None:
                raise InputError(source, "requests", f"no request {key}")
            linked.append(req)
        k = find_contract(
            s,
            contract or (linked[0].contract.code if linked and linked[0].contract else None),
            start.astimezone(tz).date(),
            source,
        )
        for req in linked:
            if req.client_id != k.client_id:
                raise InputError(source, "requests", f"{req.key} is another client's request")
        minutes = DEFAULT_VISIT_MINUTES if kind == "weekly-visit" else DEFAULT_ORDER_MINUTES
        end = (
            _parse_planned(planned_end, source, "planned_end")
            if planned_end
            else start + timedelta(minutes=minutes)
        )
        if end <= start:
            raise InputError(source, "planned_end", "is not after planned_start")
        people = [find_staff(s, n, source, "staff") for n in staff if n.strip()]
        if not people:
            people = [
                p
                for p in (
                    *(
                        f.engineer
                        for r in linked
                        for f in s.scalars(select(Fault).where(Fault.request_id == r.id))
                    ),
                    *duty_staff(s, k)[:1],
                )
                if p is not None
            ][:1]
        if not people:
            raise InputError(source, "staff", "name at least one of our staff")
        if schedule_key and s.scalar(
            select(DispatchOrder).where(DispatchOrder.schedule_key == schedule_key)
        ):
            raise ConflictError(f"a dispatch order for {schedule_key} exists already")
        number = _next_number(s, start.astimezone(tz).year)
        order = DispatchOrder(
            number=number,
            contract=k,
            kind=kind,
            title=clean_text(title or _default_title(kind, linked), 300),
            work_content=clean_text(work_content or ""),
            location=clean_text(location or "", 200),
            planned_start=start,
            planned_end=end,
            schedule_key=schedule_key,
            created_by=actor,
        )
        seen: set[int] = set()
        for i, p in enumerate(people, start=1):
            if p.id not in seen:
                order.staff.append(DispatchStaff(person=p, seq=i))
                seen.add(p.id)
        for req in linked:
            order.links.append(DispatchLink(request=req))
        s.add(order)
        _dispatch_event(s, order, "planned", actor=actor, channel=channel, reason=f"{kind} order")
        s.flush()
        _issue_dispatch_document(s, order, lang)
        s.flush()
        return dispatch_view(order)


def _default_title(kind: str, linked: Sequence[Request]) -> str:
    from changeflow.docs_templates.tpl_dispatch import KIND_LABELS

    label = KIND_LABELS[kind][0]
    return f"{label}：{linked[0].title}" if linked else label


def emergency_dispatch(
    fault_key: str, *, staff: Sequence[str] = (), actor: str = "changeflow", channel: str = "cli"
) -> dict[str, Any]:
    """An emergency visit for a fault, planned from now."""
    return create_dispatch(
        kind="emergency",
        planned_start=utcnow().replace(second=0, microsecond=0),
        requests=[fault_key],
        staff=staff,
        actor=actor,
        channel=channel,
        source=f"emergency dispatch for {fault_key}",
    )


def complete_dispatch(
    number: str,
    *,
    actual_start: str | datetime,
    actual_end: str | datetime,
    worked_minutes: int | None = None,
    work_content: str | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record when the work was actually done (the time counts against the quota)."""
    from ..inputs import clean_text

    now = now or utcnow()
    source = f"dispatch {number}"
    a = parse_when(actual_start, source, "actual_start", now=now)
    b = parse_when(actual_end, source, "actual_end", now=now)
    if b <= a:
        raise InputError(source, "actual_end", "is not after actual_start")
    if worked_minutes is not None and not 0 <= worked_minutes <= 24 * 60:
        raise InputError(source, "worked_minutes", "must be 0..1440")
    with transaction() as s:
        order = _dispatch(s, number, lock=True)
        if order.state not in ("planned", "done"):
            raise InputError(source, "state", f"the order is {order.state}")
        order.actual_start, order.actual_end = a, b
        if worked_minutes is not None:
            order.worked_minutes = worked_minutes
        if work_content is not None:
            order.work_content = clean_text(work_content)
        _dispatch_event(
            s,
            order,
            "done",
            actor=actor,
            channel=channel,
            reason="work done",
            data={"actual_start": a.isoformat(), "actual_end": b.isoformat()},
        )
        s.flush()
        view = dispatch_view(order)
        contract_code = order.contract.code
    check_quota(contract_code, now=now)
    return view


def cancel_dispatch(
    number: str, *, reason: str, actor: str = "changeflow", channel: str = "cli"
) -> dict[str, Any]:
    with transaction() as s:
        order = _dispatch(s, number, lock=True)
        if order.state in ("signed", "cancelled"):
            raise InputError(f"dispatch {number}", "state", f"the order is {order.state}")
        _dispatch_event(s, order, "cancelled", actor=actor, channel=channel, reason=reason)
        s.flush()
        return dispatch_view(order)


def list_dispatch(contract: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
    from changeflow.db.maintenance import DispatchOrder

    with transaction() as s:
        q = select(DispatchOrder).order_by(DispatchOrder.planned_start, DispatchOrder.id)
        if contract:
            q = q.where(
                DispatchOrder.contract_id
                == find_contract(s, contract, date.today(), "dispatch list").id
            )
        if state:
            q = q.where(DispatchOrder.state == state)
        return [dispatch_view(o) for o in s.scalars(q)]


def staff_evaluation(contract: str | None = None) -> list[dict[str, Any]]:
    """Per engineer: orders, signed, accepted, average satisfaction, the feedback received."""
    from changeflow.db.maintenance import DispatchOrder

    with transaction() as s:
        q = select(DispatchOrder).where(DispatchOrder.state != "cancelled")
        if contract:
            q = q.where(
                DispatchOrder.contract_id
                == find_contract(s, contract, date.today(), "evaluation").id
            )
        per: dict[str, dict[str, Any]] = {}
        for o in s.scalars(q.order_by(DispatchOrder.planned_start)):
            for st in o.staff:
                e = per.setdefault(
                    st.person.name,
                    {
                        "staff": st.person.name,
                        "orders": 0,
                        "signed": 0,
                        "accepted": 0,
                        "not_accepted": 0,
                        "scores": [],
                        "feedback": [],
                    },
                )
                e["orders"] += 1
                if o.state == "signed":
                    e["signed"] += 1
                    e["accepted" if o.accepted else "not_accepted"] += 1
                    if o.satisfaction:
                        e["scores"].append(o.satisfaction)
                    if o.feedback:
                        e["feedback"].append(f"{o.number}: {o.feedback}")
        out = []
        for e in sorted(per.values(), key=lambda x: x["staff"]):
            scores = e.pop("scores")
            e["average_satisfaction"] = (
                (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01")) if scores else None
            )
            e["ratings"] = len(scores)
            out.append(e)
        return out
