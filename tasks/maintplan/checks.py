"""Checks on a visit: the checks due on a day (by frequency and the last day each was done),
and one result recorded (正常/异常, the value read, a note) against a visit's dispatch order.

An abnormal result opens a fault (its severity by the check: a service not running on the
OA application or its database is a crash) linked to the order, so its clocks start when the
engineer found it. Every result goes into the engineer's run log of the day (运行日志): a
line in its checks, and a normal backup check marks the day's backups as verified.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from changeflow.bilingual import CHECK_KINDS, CHECK_RESULTS, pick
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import ConflictError, InputError, NotFoundError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act

from ..directory import find_staff
from ..inputs import clean_text
from ..maintenance.visit_checks import due_rows, order_day, system_name
from .plan import find_plan

RESULT_WORDS = {
    "normal": ("正常", "normal", "ok", "n"),
    "abnormal": ("异常", "abnormal", "fail", "failed", "a"),
}
# a check that finds the service down on these systems is a crash (系统崩溃)
CRASH_SYSTEMS = ("application", "database")


def parse_result(raw: str, source: str, field: str = "result") -> str:
    """正常/异常 (normal/abnormal) from what the engineer typed."""
    v = (raw or "").strip().lower()
    for result, words in RESULT_WORDS.items():
        if v in words:
            return result
    raise InputError(source, field, f"'{raw}' is not 正常 (normal) or 异常 (abnormal)")


def _order(s: Any, number: str) -> Any:
    from changeflow.db.maintenance import DispatchOrder

    order = s.scalar(select(DispatchOrder).where(DispatchOrder.number == number.strip().upper()))
    if order is None:
        raise NotFoundError(f"no dispatch order {number} (see: changeflow dispatch list)")
    return order


def due_checks(order: str | None = None, *, day: str | date | None = None,
               contract: str | None = None, lang: str | None = None) -> dict[str, Any]:  # fmt: skip
    """``changeflow maintplan due``: the checks due on a visit's day (an order's, or a day's)."""
    source = "maintplan due"
    lang = lang or get_settings().lang
    with transaction() as s:
        o = _order(s, order) if order else None
        mp = find_plan(s, o.contract.code if o else contract, source)
        d = order_day(o) if o else _day(day, source)
        rows = due_rows(s, mp, d, lang, o.id if o else None)
        return {"contract": mp.contract.code, "order": o.number if o else None, "day": d,
                "checks": rows}  # fmt: skip


def _day(day: str | date | None, source: str) -> date:
    if isinstance(day, date):
        return day
    if not day:
        return utcnow().astimezone(get_settings().tz).date()
    try:
        return date.fromisoformat(str(day).strip())
    except ValueError:
        raise InputError(source, "day", f"'{day}' is not a date like 2026-11-25") from None


def _fault_for(what: dict[str, str], value: str, note: str, now: datetime, channel: str
               ) -> Any:  # fmt: skip
    """The fault an abnormal check opens, its clocks from the time it was found."""
    from ..maintenance import report_fault

    crash = what["kind"] == "service" and what["system_kind"] in CRASH_SYSTEMS
    detail = "；".join(x for x in (value, note) if x)
    return report_fault(
        severity="crash" if crash else "non_crash",
        title=f"巡检异常：{what['system']} {pick(CHECK_KINDS[what['kind']], 'zh-CN')}",
        reported_at=now,
        system=what["system"],
        description=f"派工单 {what['order']} 巡检发现：{detail}",
        reporter=what["engineer"],
        contract=what["contract"],
        engineer=what["engineer"],
        actor=what["engineer"],
        channel=channel,
        source="maintplan check",
        now=now,
    )


@recorded_act("check", key=None)
def record_check(
    order: str,
    check: str,
    *,
    result: str,
    engineer: str,
    value: str = "",
    note: str = "",
    actor: str | None = None,
    channel: str = "cli",
) -> dict[str, Any]:
    """One check's result on a visit's dispatch order; an abnormal one opens a fault linked
    to the order. Each check is recorded once per order."""
    from changeflow.db.maintenance import DispatchEvent, DispatchLink, RunLogEntry
    from changeflow.db.maintplan import CheckResult, MaintPlanEvent
    from changeflow.db.models import Request

    source = "maintplan check"
    res = parse_result(result, source)
    value = clean_text(value or "", 300)
    note = clean_text(note or "", 4000)
    if res == "abnormal" and not (value or note):
        raise InputError(source, "note", "is blank: say what is abnormal (异常时请写明情况)")
    now = utcnow()
    with transaction() as s:
        o = _order(s, order)
        if o.state == "cancelled":
            raise ConflictError(f"dispatch order {o.number} is cancelled")
        mp = find_plan(s, o.contract.code, source)
        c = next((x for x in mp.checks if x.active and x.code.lower() == check.strip().lower()),
                 None)  # fmt: skip
        if c is None:
            known = ", ".join(x.code for x in mp.checks if x.active)
            raise InputError(source, "check", f"'{check}' is not a check of the plan ({known})")
        person = find_staff(s, engineer, source, "engineer")
        what = {"kind": c.kind, "system_kind": c.system.kind, "order": o.number,
                "system": system_name(c.system, "zh-CN"), "engineer": person.name,
                "contract": o.contract.code}  # fmt: skip
        if s.scalar(select(CheckResult.id).where(CheckResult.check_id == c.id,
                                                 CheckResult.order_id == o.id)):  # fmt: skip
            raise ConflictError(f"{c.code} is recorded on {o.number} already")
        if now.astimezone(get_settings().tz).date() < order_day(o):
            raise InputError(source, "at", f"is before the visit's day {order_day(o)}")
        number, code = o.number, c.code
    fault = None
    if res == "abnormal":  # report_fault's own transaction, then the result's
        fault = _fault_for(what, value, note, now, channel)
    with transaction() as s:
        o = _order(s, number)
        mp = find_plan(s, o.contract.code, source)
        c = next(x for x in mp.checks if x.code == code)
        name = find_staff(s, engineer, source, "engineer").name
        day = now.astimezone(get_settings().tz).date()
        req = s.scalar(select(Request).where(Request.key == fault.key)) if fault else None
        row = CheckResult(
            contract_id=o.contract_id, check_id=c.id, order_id=o.id, day=day, done_at=now,
            result=res, value=value, note=note, engineer=name, channel=channel,
            fault_request=req,
        )  # fmt: skip
        s.add(row)
        if req is not None:
            o.links.append(DispatchLink(request=req))
        label = f"{system_name(c.system, 'zh-CN')} {pick(CHECK_KINDS[c.kind], 'zh-CN')}"
        said = pick(CHECK_RESULTS[res], "zh-CN")
        line = f"{label}：{said}" + (f"（{value}）" if value else "") + (f" {note}" if note else "")
        o.events.append(DispatchEvent(
            from_state=o.state, to_state=o.state, actor=actor or name, channel=channel,
            reason=f"check {c.code} {res}" + (f", fault {fault.key} opened" if fault else ""),
            data={"check": c.code, "result": res, "value": value},
        ))  # fmt: skip
        mp.events.append(MaintPlanEvent(
            from_state="loaded", to_state="loaded", actor=actor or name, channel=channel,
            reason=f"{o.number} {c.code}: {res}", data={"order": o.number, "check": c.code},
        ))  # fmt: skip
        entry = s.scalar(select(RunLogEntry).where(
            RunLogEntry.contract_id == o.contract_id, RunLogEntry.day == day,
            RunLogEntry.author == name))  # fmt: skip
        if entry is None:
            entry = RunLogEntry(contract_id=o.contract_id, day=day, author=name, checks=[],
                                backup_note="", incidents="", changes="")  # fmt: skip
            s.add(entry)
        entry.checks = [*(entry.checks or []), f"{o.number} {line}"[:500]]
        if c.kind == "backup" and res == "normal":
            entry.backups_verified = True
            entry.backup_note = (entry.backup_note or "") or (value or note)
        if fault is not None:
            entry.incidents = "\n".join(
                x for x in (entry.incidents, f"{fault.key} {label}异常：{value or note}") if x
            )
        s.flush()
        return {
            "order": o.number, "check": c.code, "day": day, "result": res, "value": value,
            "note": note, "engineer": name, "fault": fault.key if fault else None,
        }  # fmt: skip
