"""An install or upgrade (升级) planned: the change, its plan document with the downtime
window read on the client's working calendar, found, changed with its audit record, shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import is_zh, pick
from changeflow.db.session import transaction
from changeflow.errors import InputError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act

from ..acttime import iso_local, parse_ahead, show
from ..calendar import calendar_for
from ..directory import find_contract
from ..documents import store_issued
from ..inputs import clean_text
from ..numbered import find_numbered, move_state
from ..numbered import next_number as numbered_next

KIND = "upgrade"
TARGETS = {"server": ("服务器", "Server"), "platform": ("OA 平台", "OA platform")}
MAX_WINDOW = timedelta(hours=72)


def find_change(session: Session, number: str, *, lock: bool = False) -> Any:
    from changeflow.db.upgrades import UpgradeChange

    return find_numbered(
        session, UpgradeChange, number, "upgrade", "changeflow upgrade list", lock=lock
    )


def next_number(session: Session, year: int) -> str:
    from changeflow.db.upgrades import UpgradeChange

    return numbered_next(session, UpgradeChange, "SJ", year)


def upgrade_event(row: Any, to_state: str, **audit: Any) -> None:
    """The state change and its audit record (in the caller's transaction)."""
    from changeflow.db.upgrades import UpgradeEvent

    move_state(row, UpgradeEvent, to_state, **audit)


def upgrade_view(row: Any) -> dict[str, Any]:
    return {
        "number": row.number, "contract": row.contract.code, "state": row.state,
        "target": row.target, "title": row.title, "system": row.system,
        "from_version": row.from_version, "to_version": row.to_version,
        "checks": list(row.checks), "steps": list(row.steps), "rollback": list(row.rollback),
        "tests": list(row.tests), "window_start": iso_local(row.window_start),
        "window_end": iso_local(row.window_end),
        "document": row.document.path if row.document else None,
        "approver": row.approver,
        "decided_on": row.decided_on.isoformat() if row.decided_on else None,
        "comment": row.comment, "results": list(row.results or []), "notes": row.notes,
        "record": row.record_document.path if row.record_document else None,
    }  # fmt: skip


def window_calendar(session: Session, row: Any, lang: str) -> str:
    """What the client's working calendar says of the window: each day it touches, working
    or not, and whether it stops the OA during the client's service hours."""
    zh = is_zh(lang)
    cal = calendar_for(session, row.contract)
    tz = get_settings().tz
    start, end = row.window_start.astimezone(tz), row.window_end.astimezone(tz)
    parts, during = [], False
    day = start.date()
    while day <= end.date():
        info = cal.day_info(day)
        if info.working:
            what = (info.name_zh or "工作日") if zh else (info.name or "working day")
        elif info.kind == "weekend":
            what = "周末，非工作日" if zh else "weekend, day off"
        else:
            what = (f"{info.name_zh or '节假日'}，非工作日" if zh
                    else f"{info.name or 'holiday'}, day off")  # fmt: skip
        parts.append(f"{day.month}月{day.day}日 {what}" if zh else f"{day.isoformat()} {what}")
        if info.working and info.start and info.end:
            s = datetime.combine(day, info.start, tz)
            e = datetime.combine(day, info.end, tz)
            during = during or (start < e and end > s)
        day += timedelta(days=1)
    sep = "；" if zh else "; "
    verdict = pick(
        ("停机时间在甲方办公时间内，需甲方安排", "The downtime falls in the client's working"
         " hours: the client must plan for it"), lang,
    ) if during else pick(
        ("停机时间在甲方办公时间以外", "The downtime is outside the client's working hours"), lang
    )  # fmt: skip
    return sep.join(parts) + ("。" if zh else ". ") + verdict + ("。" if zh else ".")


def _items(values: Sequence[str]) -> list[dict[str, Any]]:
    return [{"no": i, "text": t} for i, t in enumerate(values, 1)]


def plan_context(session: Session, row: Any, lang: str) -> dict[str, Any]:
    zh = is_zh(lang)
    minutes = int((row.window_end - row.window_start).total_seconds() // 60)
    h, m = divmod(minutes, 60)
    from changeflow.wording import qty

    length = qty(h, "小时" if zh else "h") * bool(h) + (
        (" " * bool(h) + qty(m, "分钟" if zh else "min")) if m else ""
    )
    return {
        "number": row.number,
        "contract": f"{row.contract.code} {row.contract.title}".strip(),
        "change": row.title,
        "target": pick(TARGETS[row.target], lang),
        "system": row.system or "-",
        "from_version": row.from_version or "-",
        "to_version": row.to_version or "-",
        "checks": _items(row.checks), "steps": _items(row.steps),
        "rollback": _items(row.rollback), "tests": _items(row.tests),
        "window_start": show(row.window_start)[:16], "window_end": show(row.window_end)[:16],
        "window_length": length.strip(), "window_calendar": window_calendar(session, row, lang),
    }  # fmt: skip


def plan_version(session: Session, row: Any, lang: str) -> int:
    from changeflow.db.models import Document

    return max(
        (d.version or 0 for d in session.scalars(
            select(Document).where(Document.kind == KIND, Document.lang == lang))
         if (d.meta or {}).get("upgrade") == row.number),
        default=0,
    )  # fmt: skip


def issue_plan(session: Session, row: Any, lang: str) -> Any:
    """Render, sign and store the plan (a new version), the change's current document."""
    from ..signoff import sign_document
    from ..wordkit import render

    version = plan_version(session, row, lang) + 1

    def sign(doc: Any) -> None:
        sign_document(doc, kind=KIND, request=row.number, version=version, lang=lang)

    data = render(
        KIND, {**plan_context(session, row, lang), "version": version}, lang=lang,
        title=("升级方案 " if is_zh(lang) else "Upgrade Plan ") + row.number,
        subject=row.contract.code, finish=sign, contract=row.contract,
    )  # fmt: skip
    stored = store_issued(session, data, subject=row.number, kind=KIND, version=version,
                          lang=lang, meta={"upgrade": row.number})  # fmt: skip
    row.document = stored
    return stored


def _lines(values: Sequence[str], source: str, field: str, required: bool = True) -> list[str]:
    out = [clean_text(v, 500) for v in values if v and str(v).strip()]
    if required and not out:
        raise InputError(source, field, "is blank: the plan needs at least one line")
    return out


@recorded_act("upgrade", key=None)
def plan_upgrade(
    *,
    target: str,
    title: str,
    window_start: str | datetime,
    window_end: str | datetime,
    checks: Sequence[str],
    steps: Sequence[str],
    rollback: Sequence[str],
    tests: Sequence[str],
    system: str = "",
    from_version: str = "",
    to_version: str = "",
    contract: str | None = None,
    lang: str | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
    source: str = "upgrade",
) -> dict[str, Any]:
    """An install or upgrade with its signed plan, in one transaction."""
    from changeflow.db.upgrades import UpgradeChange

    if target not in TARGETS:
        raise InputError(source, "target", f"'{target}' is not one of {', '.join(TARGETS)}")
    title = clean_text(title or "", 300)
    if not title:
        raise InputError(source, "title", "is blank: say what is installed or upgraded")
    plan = {
        "checks": _lines(checks, source, "checks (环境检查)"),
        "steps": _lines(steps, source, "steps (步骤)"),
        "rollback": _lines(rollback, source, "rollback (回退)"),
        "tests": _lines(tests, source, "tests (访问测试)"),
    }
    start = parse_ahead(window_start, source, "window_start")
    end = parse_ahead(window_end, source, "window_end")
    if end <= start:
        raise InputError(source, "window_end", "is not after window_start")
    if end - start > MAX_WINDOW:
        raise InputError(source, "window_end", "the downtime window is longer than 72 hours")
    lang = lang or get_settings().lang
    tz = get_settings().tz
    with transaction() as s:
        k = find_contract(s, contract, start.astimezone(tz).date(), source)
        row = UpgradeChange(
            number=next_number(s, start.astimezone(tz).year), contract=k, target=target,
            title=title, system=clean_text(system, 200), from_version=clean_text(from_version, 60),
            to_version=clean_text(to_version, 60), window_start=start, window_end=end,
            created_by=actor, results=[], **plan,
        )  # fmt: skip
        s.add(row)
        upgrade_event(row, "planned", actor=actor, channel=channel, reason=title)
        s.flush()
        issue_plan(s, row, lang)
        s.flush()
        return upgrade_view(row)


def list_upgrades(contract: str | None = None) -> list[dict[str, Any]]:
    from changeflow.db.models import Contract
    from changeflow.db.upgrades import UpgradeChange

    with transaction() as s:
        q = select(UpgradeChange).order_by(UpgradeChange.window_start, UpgradeChange.id)
        if contract:
            q = q.join(Contract).where(Contract.code == contract)
        return [upgrade_view(r) for r in s.scalars(q)]


def show_upgrade(number: str) -> dict[str, Any]:
    with transaction() as s:
        return upgrade_view(find_change(s, number))
