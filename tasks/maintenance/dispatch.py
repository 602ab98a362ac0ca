"""Dispatch orders (派工单): create one with its signed document, an emergency visit for a
fault, record the work done, cancel, list, and the engineers' evaluation from the
sign-offs.

The order's record (look-up, events, view) is in ``dispatch_record``; reading the
client's sign-off back is in ``dispatch_signoff``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import is_zh
from changeflow.db.maintenance import Fault
from changeflow.db.models import Request
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import ConflictError, InputError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act
from changeflow.wording import qty

from ..calendar import calendar_for
from ..directory import find_contract, find_staff
from ..documents import store_issued
from .common import parse_ahead, parse_when, show
from .dispatch_record import dispatch_event, dispatch_view, find_dispatch, next_dispatch_number
from .notices import duty_staff
from .quota import check_quota

DEFAULT_VISIT_MINUTES = 210  # the weekly visit: 14:00-17:30 unless the contract says more
DEFAULT_ORDER_MINUTES = 120


def _dispatch_context(order: Any, lang: str) -> dict[str, Any]:
    from changeflow.docs_templates.tpl_dispatch import KIND_LABELS

    zh = is_zh(lang)
    lines = [x for x in (order.work_content or "").splitlines() if x.strip()] or ["-"]
    return {
        "number": order.number,
        "contract": f"{order.contract.code} {order.contract.title}".strip(),
        "kind": KIND_LABELS[order.kind][0 if zh else 1],
        "title": order.title,
        "staff": "、".join(s.person.name for s in order.staff)
        if zh
        else ", ".join(s.person.name for s in order.staff),
        "planned_start": show(order.planned_start)[:16],
        "planned_end": show(order.planned_end)[:16],
        "planned": _span(order.planned_start, order.planned_end, zh),
        "location": order.location or ("未指定" if zh else "not set"),
        "requests": ", ".join(sorted(link.request.key for link in order.links))
        or ("无" if zh else "none"),
        "work_lines": lines,
        "checks": _plan_checks(order, lang),
        **_done_context(order, zh),
    }


def _plan_checks(order: Any, lang: str) -> list[dict[str, Any]]:
    """A visit's checks due from the maintenance plan (``tasks.maintplan``), with the
    results recorded on it; none for other orders or without a plan."""
    if order.kind != "weekly-visit":
        return []
    from sqlalchemy.orm import object_session

    from .visit_checks import visit_check_rows

    return visit_check_rows(object_session(order), order, lang)


def _span(start: datetime, end: datetime, zh: bool) -> str:
    """2026-11-25 14:00至16:00 (the end's day said only when it is another day)."""
    a, b = show(start)[:16], show(end)[:16]
    tail = b[11:] if a[:10] == b[:10] else b
    return f"{a}至{tail}" if zh else f"{a} to {tail}"


MODE_LABELS = {
    "on-site": ("现场服务", "On site"),
    "remote": ("远程服务", "Remote"),
    "phone": ("电话支持", "Phone"),
}
SERVICE_MODES = tuple(MODE_LABELS)


def _done_context(order: Any, zh: bool) -> dict[str, Any]:
    """Mode, skills, the day-off note and, once done, the actual times and time charged."""
    sep = "、" if zh else ", "
    mode = MODE_LABELS.get(order.service_mode or "")
    per_day = Decimal(order.contract.hours_per_service_day)
    work = []
    for w in order.work:
        days = (Decimal(w.service_minutes) / 60 / per_day).quantize(Decimal("0.01"))
        timed = w.started_at is not None and w.ended_at is not None
        work.append(
            {
                "name": w.person.name,
                "start": show(w.started_at)[:16]
                if timed
                else ("按填报分钟" if zh else "minutes entered"),
                "end": show(w.ended_at)[:16] if timed else "-",
                "service": w.service_minutes,
                "days": days,
                "overtime": w.overtime_minutes,
            }
        )
    total = sum(w.service_minutes for w in order.work)
    over = sum(w.overtime_minutes for w in order.work)
    total_days = (Decimal(total) / 60 / per_day).quantize(Decimal("0.01"))
    done = order.actual_start is not None or bool(order.work)
    return {
        "mode": (mode[0 if zh else 1] if mode else "-"),
        "skills": sep.join(order.skills or []) or ("无特殊要求" if zh else "none in particular"),
        "day_off": (
            ("是：非工作日服务" if zh else "yes: service on a day off")
            if order.on_day_off
            else ("否" if zh else "no")
        ),
        "done": done,
        "actual_start": show(order.actual_start)[:16] if order.actual_start else "-",
        "actual_end": show(order.actual_end)[:16] if order.actual_end else "-",
        "service_items": _service_items(order, "zh-CN" if zh else "en"),
        "work_rows": work
        or [{k: "-" for k in ("name", "start", "end", "service", "days", "overtime")}],
        "charged": (
            f"{qty(total, '分钟')}，合 {qty(total_days, '个服务天')}"
            f"（另有加班 {qty(over, '分钟')}）"
            if zh
            else f"{qty(total, 'min')}, that is {qty(total_days, 'service days')}"
            f" (and {qty(over, 'min')} overtime)"
        )
        if done
        else "-",
    }


def _service_items(order: Any, lang: str) -> list[dict[str, str]]:
    from sqlalchemy.orm import object_session

    from ..servicereq.visits import order_items

    session = object_session(order)
    return order_items(session, order.number, lang) if session is not None else []


def _issue_dispatch_document(session: Session, order: Any, lang: str) -> Any:
    """Render, sign and store the order's document (a new version each time).

    The signature (``tasks.signoff``) covers every table but the sign-off table, so the
    client's entries there do not break it while any change above does.
    """

    from ..signoff import sign_document
    from ..wordkit import render

    version = order_version(session, order.number, lang) + 1

    def sign(doc: Any) -> None:
        sign_document(doc, kind="dispatch", request=order.number, version=version, lang=lang)

    title = ("派工单 " if is_zh(lang) else "Dispatch Order ") + order.number
    data = render(
        "dispatch",
        {**_dispatch_context(order, lang), "version": version},  # the house header shows it
        lang=lang,
        title=title,
        subject=order.contract.code,
        finish=sign,
        contract=order.contract,
    )
    stored = store_issued(
        session,
        data,
        subject=order.number,
        kind="dispatch",
        request=None,
        version=version,
        lang=lang,
        meta={"dispatch": order.number},
    )
    order.document = stored
    return stored


def order_version(session: Session, number: str, lang: str) -> int:
    """The latest version issued of one order's document (0 before the first): versions
    count per order (v1, v2 of PG-2026-0008), not across orders."""
    from sqlalchemy import func, or_

    from changeflow.db.models import Document

    return (
        session.scalar(
            select(func.max(Document.version)).where(
                Document.kind == "dispatch",
                Document.request_id.is_(None),
                Document.lang == lang,
                or_(
                    Document.path.like(f"%/{number}-%"),  # tasks.documents.names
                    Document.path.like(f"%/v%-{lang}-{number}.docx"),  # stores made before it
                ),
            )
        )
        or 0
    )


@recorded_act("dispatch", key=None)
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
    service_mode: str = "",
    skills: Sequence[str] = (),
    on_day_off: bool = False,
    lang: str | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
    source: str = "dispatch order",
) -> dict[str, Any]:
    """A dispatch order with its signed document, in one transaction. An order planned on
    a day off needs ``on_day_off`` (and the document says so)."""
    from changeflow.db.maintenance import DISPATCH_KINDS, DispatchLink, DispatchOrder, DispatchStaff

    from ..inputs import clean_text

    if kind not in DISPATCH_KINDS:
        raise InputError(source, "kind", f"'{kind}' is not one of {', '.join(DISPATCH_KINDS)}")
    mode = (service_mode or ("remote" if kind == "remote" else "on-site")).strip().lower()
    if mode not in SERVICE_MODES:
        raise InputError(
            source, "service_mode", f"'{mode}' is not one of {', '.join(SERVICE_MODES)}"
        )
    skill_list = [clean_text(x, 60).strip() for x in skills if x and x.strip()]
    start = parse_ahead(planned_start, source, "planned_start")
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
            parse_ahead(planned_end, source, "planned_end")
            if planned_end
            else start + timedelta(minutes=minutes)
        )
        if end <= start:
            raise InputError(source, "planned_end", "is not after planned_start")
        cal = calendar_for(s, k)
        day = start.astimezone(tz).date()
        if not cal.is_working_day(day) and not on_day_off:
            why = cal.day_info(day).reason
            raise InputError(
                source,
                "planned_start",
                f"{day} is a day off ({why}): plan it on a working day or pass --on-day-off",
            )
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
        number = next_dispatch_number(s, start.astimezone(tz).year)
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
            service_mode=mode,
            skills=skill_list,
            on_day_off=not cal.is_working_day(day),
        )
        seen: set[int] = set()
        for i, p in enumerate(people, start=1):
            if p.id not in seen:
                order.staff.append(DispatchStaff(person=p, seq=i))
                seen.add(p.id)
        for req in linked:
            order.links.append(DispatchLink(request=req))
        s.add(order)
        dispatch_event(s, order, "planned", actor=actor, channel=channel, reason=f"{kind} order")
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
        on_day_off=True,  # an emergency goes whatever the day (the document says so)
        planned_start=utcnow().replace(second=0, microsecond=0),
        requests=[fault_key],
        staff=staff,
        actor=actor,
        channel=channel,
        source=f"emergency dispatch for {fault_key}",
    )


@recorded_act("dispatch", key=None)
def complete_dispatch(
    number: str,
    *,
    actual_start: str | datetime | None = None,
    actual_end: str | datetime | None = None,
    worked_minutes: int | None = None,
    overtime_minutes: int | None = None,
    engineers: Sequence[str] | None = None,
    spans: Sequence[str | Mapping[str, Any]] | None = None,
    work_content: str | None = None,
    lang: str | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record the work as done and issue the order's next version with the actual times,
    the work as done and each engineer's time charged: that version is the one the client
    signs. Either each engineer's own time (``spans``: ``NAME=START..END`` or
    ``NAME=MINUTES[+OVERTIME]``, ``worktime.parse_span``), or one span (or minutes) for
    everyone named in ``engineers`` (default: everyone on the order). A span is split into
    service time (service hours on working days, the contract's hours a day at most) and
    overtime (``worktime.split_work``), per engineer; ``worked_minutes`` (per engineer, no
    one-day cap) replaces the service time computed from the span."""
    from changeflow.db.maintenance import DispatchWork

    from ..inputs import clean_text
    from .worktime import parse_span

    now = now or utcnow()
    source = f"dispatch {number}"
    a = parse_when(actual_start, source, "actual_start", now=now) if actual_start else None
    b = parse_when(actual_end, source, "actual_end", now=now) if actual_end else None
    entries = [parse_span(x, source, now=now) for x in spans or ()]
    given = WorkEntered(entries, a, b, worked_minutes, overtime_minutes, engineers)
    _check_done_input(source, given)
    lang = lang or get_settings().lang
    with transaction() as s:
        order = find_dispatch(s, number, lock=True)
        if order.state not in ("planned", "done"):
            raise InputError(source, "state", f"the order is {order.state}")
        rows, a, b = _work_rows(s, order, source, given)
        order.work.clear()
        s.flush()
        for p, start, end, service, over, entered in rows:
            order.work.append(
                DispatchWork(
                    person=p,
                    started_at=start,
                    ended_at=end,
                    service_minutes=service,
                    overtime_minutes=over,
                    entered=entered,
                )
            )
        order.actual_start, order.actual_end = a, b
        order.worked_minutes = sum(w.service_minutes for w in order.work)
        order.overtime_minutes = sum(w.overtime_minutes for w in order.work)
        if work_content is not None:
            order.work_content = clean_text(work_content)
        dispatch_event(
            s,
            order,
            "done",
            actor=actor,
            channel=channel,
            reason="work done",
            data=_done_data(order, rows),
        )
        s.flush()
        _issue_dispatch_document(s, order, lang)
        s.flush()
        view = dispatch_view(order)
        contract_code = order.contract.code
    check_quota(contract_code, now=now)
    return view


class WorkEntered(NamedTuple):
    """The time a dispatch order's work took, as entered: each engineer's span (``entries``),
    or one span (``a`` to ``b``) or minutes for everyone (``engineers``: who of the order)."""

    entries: Sequence[Any]
    a: datetime | None
    b: datetime | None
    worked_minutes: int | None
    overtime_minutes: int | None
    engineers: Sequence[str] | None


def _check_done_input(source: str, entered: WorkEntered) -> None:
    """Each engineer's time, or one time for everyone, never both; a whole, forward span."""
    from .worktime import MAX_MINUTES

    entries, a, b, worked_minutes, overtime_minutes, engineers = entered

    if entries and (a or b or worked_minutes is not None or overtime_minutes is not None
                    or engineers):  # fmt: skip
        raise InputError(
            source,
            "span",
            "give each engineer's time with --span, or one --start/--end (or --minutes) for"
            " everyone, not both",
        )
    if (a is None) != (b is None):
        raise InputError(source, "actual_end" if b is None else "actual_start", "give both")
    if not entries and a is None and worked_minutes is None:
        raise InputError(source, "actual_start", "give the start and end, or the minutes worked")
    if a is not None and b is not None and b <= a:
        raise InputError(source, "actual_end", "is not after actual_start")
    for name, val in (("worked_minutes", worked_minutes), ("overtime_minutes", overtime_minutes)):
        if val is not None and not 0 <= val <= MAX_MINUTES:
            raise InputError(source, name, "must be 0 or more minutes (at most a year)")


# (person, start, end, service minutes, overtime minutes, minutes entered)
WorkRow = tuple[Any, datetime | None, datetime | None, int, int, bool]


def _work_rows(
    s: Any, order: Any, source: str, entered: WorkEntered
) -> tuple[list[WorkRow], datetime | None, datetime | None]:
    """Each engineer's time charged (service time and overtime, ``worktime.split_work``),
    and the order's actual start and end."""
    from .worktime import split_work

    entries, a, b, worked_minutes, overtime_minutes, engineers = entered

    on_order = {st.person.name: st.person for st in order.staff}
    cal = calendar_for(s, order.contract)
    per_day = Decimal(order.contract.hours_per_service_day)

    def on_this_order(name: str, fld: str) -> Any:
        p = find_staff(s, name, source, fld)
        if p.name not in on_order:
            raise InputError(source, fld, f"{p.name} is not on {order.number}")
        return p

    rows: list[WorkRow] = []
    if entries:
        for e in entries:
            p = on_this_order(e.name, f"span {e.name}")
            if any(r[0].id == p.id for r in rows):
                raise InputError(source, f"span {p.name}", "is given twice")
            if e.start is not None and e.end is not None:
                sp = split_work(e.start, e.end, cal, per_day, on_day_off=order.on_day_off)
                rows.append((p, e.start, e.end, sp.service_minutes, sp.overtime_minutes,
                             False))  # fmt: skip
            else:
                rows.append((p, None, None, e.minutes or 0, e.overtime or 0, True))
        starts = [r[1] for r in rows if r[1] is not None]
        ends = [r[2] for r in rows if r[2] is not None]
        a, b = (min(starts), max(ends)) if starts else (None, None)
    else:
        people = (
            [on_this_order(n, "engineers") for n in engineers]
            if engineers
            else list(on_order.values())
        )
        for p in people:
            if a is not None and b is not None:
                sp = split_work(a, b, cal, per_day, on_day_off=order.on_day_off)
                service, over = sp.service_minutes, sp.overtime_minutes
            else:
                service, over = 0, 0
            if worked_minutes is not None:
                service = worked_minutes
            if overtime_minutes is not None:
                over = overtime_minutes
            rows.append((p, a, b, service, over, worked_minutes is not None))
    return rows, a, b


def _done_data(order: Any, rows: list[WorkRow]) -> dict[str, Any]:
    """What the order's "done" event records."""
    a, b = order.actual_start, order.actual_end
    return {
        "actual_start": a.isoformat() if a else None,
        "actual_end": b.isoformat() if b else None,
        "service_minutes": order.worked_minutes,
        "overtime_minutes": order.overtime_minutes,
        "engineers": [r[0].name for r in rows],
        "work": [
            {
                "engineer": p.name,
                "start": st.isoformat() if st else None,
                "end": en.isoformat() if en else None,
                "service_minutes": sv,
                "overtime_minutes": ov,
                "entered": ent,
            }
            for p, st, en, sv, ov, ent in rows
        ],
    }


def cancel_dispatch(
    number: str, *, reason: str, actor: str = "changeflow", channel: str = "cli"
) -> dict[str, Any]:
    with transaction() as s:
        order = find_dispatch(s, number, lock=True)
        if order.state in ("signed", "cancelled"):
            raise InputError(f"dispatch {number}", "state", f"the order is {order.state}")
        dispatch_event(s, order, "cancelled", actor=actor, channel=channel, reason=reason)
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
