"""The plan document (日常维护服务计划, kind ``maintplan``): rendered from the loaded plan,
signed like every document a client signs (subject ``<contract>/maintplan``, versions per
contract and language), the issued version recorded with its event. The client confirms it
at the start of the contract year in its table (确认结果 无异议/有异议, 意见, 签字人, 日期)
and returns it: the inbox, the mailbox and ``changeflow maintplan confirm FILE`` all reach
``record_plan`` (the kind's recorder in ``tasks.returned``), checked the way the monthly
statement's confirmation is (``maintenance.statement.record_confirmation``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from changeflow.bilingual import (
    CHECK_FREQUENCIES,
    CHECK_KINDS,
    NOTHING,
    PLAN_SYSTEM_KINDS,
    is_zh,
    pick,
)
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.settings import get_settings

from ..maintenance.statement import Confirmable, record_confirmation
from .checks import system_name
from .plan import find_plan

KIND = "maintplan"
WEEKDAYS = {1: ("周一", "Monday"), 2: ("周二", "Tuesday"), 3: ("周三", "Wednesday"),
            4: ("周四", "Thursday"), 5: ("周五", "Friday"), 6: ("周六", "Saturday"),
            7: ("周日", "Sunday")}  # fmt: skip


def subject_of(contract: str, kind: str = KIND) -> str:
    return f"{contract}/{kind}"


def active_systems(mp: Any) -> list[Any]:
    return [x for x in mp.systems if x.active]


def check_rows(mp: Any, lang: str) -> list[dict[str, Any]]:
    """The catalogue as the client reads it, system by system."""
    zh = is_zh(lang)
    rows = []
    for c in (c for c in mp.checks if c.active):
        rows.append({
            "no": len(rows) + 1,
            "system": system_name(c.system, lang),
            "check": pick(CHECK_KINDS[c.kind], lang),
            "frequency": pick(CHECK_FREQUENCIES[c.frequency], lang),
            "threshold": c.threshold if zh else (c.threshold_en or c.threshold),
        })  # fmt: skip
    return rows


def system_rows(mp: Any, lang: str) -> list[dict[str, Any]]:
    dash = pick(NOTHING, lang)
    return [
        {"name": system_name(x, lang), "kind": pick(PLAN_SYSTEM_KINDS[x.kind], lang),
         "address": x.address, "owner": x.owner, "configuration": x.configuration or dash}
        for x in active_systems(mp)
    ]  # fmt: skip


def visit_rule_line(k: Any, lang: str) -> str:
    """When the visits are (the contract's fixed weekly visit)."""
    from ..maintenance import weekly_visit_rule

    rule = weekly_visit_rule(k)
    if rule is None:
        return pick(("上门时间按派工单安排。", "Visits are as the dispatch orders plan them."),
                    lang)  # fmt: skip
    day = pick(WEEKDAYS[rule["weekday"]], lang)
    at = rule["time"].strftime("%H:%M")
    return pick((f"每周固定上门一次（{day} {at}），遇节假日顺延至下一个工作日；"
                 "“每次上门”的检查每次都做。",
                 f"One fixed visit a week ({day} {at}), moved to the next working day after a"
                 " day off; the 'every visit' checks are done on each."), lang)  # fmt: skip


def plan_rules(mp: Any, lang: str) -> list[str]:
    k = mp.contract
    h, d = mp.backup_max_age_hours, mp.restore_test_days
    return [
        visit_rule_line(k, lang),
        pick(("“每周”的检查距上次满 7 天即做；“每月”的每个自然月一次；“每季度”的每个自然季度一次。",
              "A weekly check is done when 7 days have passed since the last; a monthly one"
              " once in each calendar month; a quarterly one once in each calendar quarter."),
             lang),
        pick((f"最近一次成功备份不得早于 {h} 小时前；每 {d} 天内至少做一次备份恢复测试。",
              f"The newest good backup must be less than {h} hours old; a restore test at"
              f" least once every {d} days."), lang),
        pick(("每项检查的结果（正常/异常、读数、说明）记入派工单和当天的运行日志；异常即按故障处理，"
              "按合同约定的响应时间计时。",
              "Each result (normal or abnormal, the value, a note) goes on the dispatch order"
              " and into the day's run log; an abnormal one is handled as a fault, timed by the"
              " contract's response rules."), lang),
    ]  # fmt: skip


def _people(p: Any) -> str:
    return p.name if p is not None else "-"


def plan_context(mp: Any, lang: str, as_of: str) -> dict[str, Any]:
    k = mp.contract
    return {
        "contract": f"{k.code} {k.title}",
        "period": f"{k.start_date} — {k.end_date}",
        "our_lead": _people(k.our_lead),
        "as_of": as_of,
        "systems": system_rows(mp, lang),
        "checks": check_rows(mp, lang),
        "rules": plan_rules(mp, lang),
    }


def plan_document(contract: str | None = None, *, lang: str | None = None,
                  now: datetime | None = None, actor: str = "changeflow",
                  channel: str = "cli") -> dict[str, Any]:  # fmt: skip
    """``changeflow maintplan document``: render, sign and store the plan's next version and
    record it issued, in one transaction."""
    from changeflow.db.maintplan import PlanDocument

    from ..signoff import sign_document
    from ..wordkit import render

    lang = lang or get_settings().lang
    now = now or utcnow()
    with transaction() as s:
        mp = find_plan(s, contract, "maintplan document")
        k = mp.contract
        as_of = now.astimezone(get_settings().tz).strftime("%Y-%m-%d")
        subject = subject_of(k.code)
        last = s.scalar(select(func.max(PlanDocument.version)).where(
            PlanDocument.contract_id == k.id, PlanDocument.kind == KIND,
            PlanDocument.lang == lang))  # fmt: skip
        version = (last or 0) + 1

        def sign(doc: Any) -> None:
            sign_document(doc, kind=KIND, request=subject, version=version, lang=lang)

        title = pick(("日常维护服务计划 ", "Maintenance Plan "), lang) + k.code
        data = render(
            KIND,
            {**plan_context(mp, lang, as_of), "version": version},
            lang=lang,
            title=title,
            subject=k.code,
            author=_people(k.our_lead),
            finish=sign,
            contract=k,
        )
        st = record_plan_document(
            s, mp, data, kind=KIND, subject=subject, version=version, lang=lang, now=now,
            meta={"contract": k.code, "statement": subject}, issued_by=actor, actor=actor,
            channel=channel,
            reason=f"maintenance plan {subject} v{version} issued (plan revision {mp.revision})",
        )  # fmt: skip
        return plan_document_view(st)


def record_plan_document(
    s: Any, mp: Any, data: bytes, *, kind: str, subject: str, version: int, lang: str,
    now: datetime, meta: dict[str, Any], issued_by: str, actor: str, channel: str,
    reason: str, **columns: Any,
) -> Any:
    """A maintenance document issued from the plan (the plan document, the handbook): the
    file stored, its version row (``columns``: more of its values) and its audit record, in
    the caller's transaction."""
    from changeflow.db.maintplan import PlanDocument, PlanDocumentEvent

    from ..documents import store_issued

    k = mp.contract
    doc = store_issued(s, data, subject=k.code, kind=kind, version=version, lang=lang, meta=meta)
    st = PlanDocument(subject=subject, kind=kind, contract=k, version=version, lang=lang,
                      plan_revision=mp.revision, state="issued", document=doc,
                      issued_by=issued_by, issued_at=now, **columns)  # fmt: skip
    st.events.append(PlanDocumentEvent(
        from_state=None, to_state="issued", actor=actor, channel=channel, reason=reason,
        data={"document": doc.path},
    ))  # fmt: skip
    s.add(st)
    s.flush()
    return st


def plan_document_view(st: Any) -> dict[str, Any]:
    return {
        "subject": st.subject, "kind": st.kind, "contract": st.contract.code,
        "version": st.version, "lang": st.lang, "plan_revision": st.plan_revision,
        "state": st.state, "path": st.document.path, "sha256": st.document.sha256,
        "agreed": st.agreed, "remarks": st.remarks, "signer": st.signer,
        "signed_on": st.signed_on,
        "signed_document": st.signed_document.path if st.signed_document else None,
    }  # fmt: skip


def _series(st: Any) -> Any:
    from changeflow.db.maintplan import PlanDocument

    return ((PlanDocument.contract_id == st.contract_id) & (PlanDocument.kind == st.kind)
            & (PlanDocument.lang == st.lang))  # fmt: skip


def _confirmable() -> Confirmable:
    from changeflow.db.maintplan import PlanDocument, PlanDocumentEvent

    return Confirmable(
        KIND, ("日常维护服务计划", "maintenance plan"), "plan", PlanDocument, PlanDocumentEvent,
        _series, lambda st: f"MAINTPLAN-{st.contract.code}-v{st.version}-confirmed.docx",
    )  # fmt: skip


def record_plan(returned: Any, spec: Any, data: bytes, *, filename: str, actor: str) -> Any:
    """The plan's recorder (declared in ``tasks.returned.RECORDERS``): the client's
    confirmation, the returned file and the event, in one transaction (signature, content
    against what we sent, newest version, still waiting, signer, date)."""
    return record_confirmation(_confirmable(), returned, data, filename=filename, actor=actor)


def confirm_plan(path: Any, *, actor: str = "changeflow") -> dict[str, Any]:
    """``changeflow maintplan confirm FILE``: the returned plan through the signed round
    trip (the inbox and the mailbox take it too)."""
    from pathlib import Path

    from changeflow.db.maintplan import PlanDocument

    from ..inputs import read_limited
    from ..signoff import Refused, read_returned, signable

    path = Path(path)
    data = read_limited(path)
    returned = read_returned(data, str(path))
    if returned.kind != KIND:
        raise Refused(str(path), "kind", f"is a {returned.kind} document, not a maintenance plan",
                      "unknown")  # fmt: skip
    result = record_plan(returned, signable(KIND), data, filename=path.name, actor=actor)
    with transaction() as s:
        st = s.scalar(select(PlanDocument).where(
            PlanDocument.subject == result.key, PlanDocument.version == result.version,
            PlanDocument.lang == returned.lang))  # fmt: skip
        return {**plan_document_view(st), "duplicate": result.duplicate}


def list_plan_documents(contract: str | None = None, kind: str = KIND) -> list[dict[str, Any]]:
    from changeflow.db.maintplan import PlanDocument

    with transaction() as s:
        mp = find_plan(s, contract, "maintplan documents")
        q = (select(PlanDocument)
             .where(PlanDocument.contract_id == mp.contract_id, PlanDocument.kind == kind)
             .order_by(PlanDocument.lang, PlanDocument.version))  # fmt: skip
        return [plan_document_view(st) for st in s.scalars(q)]
