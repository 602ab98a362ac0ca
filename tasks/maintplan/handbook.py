"""The maintenance handbook and emergency measures (维护文档和应急措施, kind ``handbook``)
and the monthly run log for the client (运行日志, kind ``runlog``).

The handbook is versioned per contract and language with its revision record (修订记录): a
new version when the plan changed since the last (``changeflow maintplan load`` makes it
when a handbook exists), or when asked. The run log of a month is made from the day entries
and the checks recorded on the visits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from changeflow.bilingual import (
    CHECK_KINDS,
    CHECK_RESULTS,
    NOTHING,
    PERSON_ROLES,
    is_zh,
    label,
    pick,
)
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.settings import get_settings
from changeflow.wording import qty

from ..calendar import month_days
from .checks import system_name
from .documents import check_rows, plan_rules, record_plan_document, subject_of, system_rows
from .emergency import measures
from .plan import find_plan

KIND = "handbook"


def _local(when: datetime) -> date:
    return when.astimezone(get_settings().tz).date()


def contacts(s: Any, k: Any, lang: str) -> list[dict[str, str]]:
    """Both sides' people: the client's contacts, then our active staff."""
    from changeflow.db.models import Person

    def row(side: tuple[str, str], p: Any) -> dict[str, str]:
        roles = "、" if is_zh(lang) else ", "
        return {"side": pick(side, lang), "name": p.name,
                "role": roles.join(label(PERSON_ROLES, r, lang) for r in p.roles or []) or "-",
                "phone": p.phone or "-", "email": p.email or "-"}  # fmt: skip

    client = [p for p in k.client.people if p.active]
    ours = s.scalars(select(Person).where(Person.client_id.is_(None), Person.active.is_(True))
                     .order_by(Person.id)).all()  # fmt: skip
    return [*(row(("甲方", "Client"), p) for p in client),
            *(row(("乙方", "Contractor"), p) for p in ours)]  # fmt: skip


def _phone(p: Any) -> str:
    return f"{p.name}（{p.phone}）" if p.phone else p.name


def escalation(s: Any, k: Any, lang: str) -> list[str]:
    from ..maintenance import duty_staff
    from ..sla import policy_for

    duty = [p for p in duty_staff(s, k) if p is not k.our_lead] or duty_staff(s, k)
    sep = "、" if is_zh(lang) else ", "
    names = sep.join(_phone(p) for p in duty)
    lead = _phone(k.our_lead) if k.our_lead else "-"
    client_lead = _phone(k.lead) if k.lead else "-"
    crash = policy_for(k).rule("crash").response.minutes
    if is_zh(lang):
        return [
            f"甲方发现故障，电话或邮件通知乙方值班工程师：{names}。",
            f"值班工程师按合同时限响应（系统崩溃 {crash} 分钟内）；"
            f"到场时限前未能恢复的，报乙方项目负责人 {lead}。",
            f"影响全部用户或超过到场时限的，由双方项目负责人（甲方 {client_lead}，"
            f"乙方 {lead}）商定处置，必要时启用备份恢复。",
        ]
    return [
        f"The client reports a fault by phone or mail to our duty engineers: {names}.",
        f"The duty engineer answers within the contract's time (a crash: {crash} minutes);"
        f" not fixed before the on-site deadline, it goes to our project lead {lead}.",
        f"When all users are affected or the on-site time is passed, both project leads"
        f" (client {client_lead}, ours {lead}) decide, restoring from backup if needed.",
    ]


def _last_result(s: Any, mp: Any, kind: str) -> Any:
    from changeflow.db.maintplan import CheckResult, PlanCheck

    return s.scalar(
        select(CheckResult).join(PlanCheck, CheckResult.check_id == PlanCheck.id)
        .where(PlanCheck.plan_id == mp.id, PlanCheck.kind == kind, CheckResult.result == "normal")
        .order_by(CheckResult.done_at.desc()).limit(1)
    )  # fmt: skip


def restore_line(s: Any, mp: Any, said: str, lang: str) -> str:
    """The last verified restore from the OA backup records (``changeflow oabackup
    restore-test``): date, who verified, how long the restore took ("" when none)."""
    from changeflow.db.probes import OaBackup

    r = s.scalar(select(OaBackup).where(
        OaBackup.contract_id == mp.contract_id, OaBackup.kind == "restore-test",
        OaBackup.verified.is_(True),
    ).order_by(OaBackup.at.desc(), OaBackup.id.desc()).limit(1))  # fmt: skip
    if r is None:
        return ""
    where = [x for x in (r.what, r.location) if x]
    if is_zh(lang):
        return (f"{said}：{_local(r.at)}，{r.verified_by} 核验，"
                f"恢复用时 {qty(r.restore_minutes, '分钟')}"
                + (f"（{'，'.join(where)}）" if where else "") + "。")
    return (f"{said}: {_local(r.at)}, verified by {r.verified_by}, the restore took"
            f" {qty(r.restore_minutes, 'minutes')}"
            + (f" ({', '.join(where)})" if where else "") + ".")


def backup_lines(s: Any, mp: Any, lang: str) -> list[str]:
    zh = is_zh(lang)
    out = []
    for x in (x for x in mp.systems if x.active and x.kind == "backup"):
        name = system_name(x, lang)
        out.append(
            f"备份目标：{name}（{x.address}），甲方负责人 {x.owner}。"
            if zh
            else f"Backup target: {name} ({x.address}), owner at the client {x.owner}."
        )
    h, d = mp.backup_max_age_hours, mp.restore_test_days
    out.append(pick((f"备份要求：最近一次成功备份不得早于 {h} 小时前；"
                     f"每 {d} 天内至少做一次恢复测试。",
                     f"What is required: the newest good backup less than {h} hours old; a"
                     f" restore test at least once every {d} days."), lang))  # fmt: skip
    out.append(
        pick(
            (
                "核验方法：每次上门检查备份日志和最近备份文件的时间、大小；恢复测试时把抽取的备份恢复到"
                "测试环境，核对数据完整可用。",
                "How it is verified: on each visit the backup log and the newest backup's"
                " time and size are checked; a restore test restores a backup to the test"
                " environment and checks the data is complete and usable.",
            ),
            lang,
        )
    )
    for kind, said in (
        ("restore-test", ("最近一次验证通过的恢复测试", "Last verified restore")),
        ("backup", ("最近一次备份核验", "Last backup check")),
    ):
        if kind == "restore-test" and (line := restore_line(s, mp, pick(said, lang), lang)):
            out.append(line)
            continue
        r = _last_result(s, mp, kind)
        if r is None:
            out.append(pick(said, lang) + pick(("：尚无记录。", ": none recorded yet."), lang))
            continue
        what = (
            "；".join(x for x in (r.value, r.note) if x)
            if zh
            else "; ".join(x for x in (r.value, r.note) if x)
        )
        out.append(
            f"{pick(said, lang)}{'：' if zh else ': '}{_local(r.done_at)}，{r.engineer}"
            + (f"，{what}" if what else "")
            + "。"
            if zh
            else f"{pick(said, lang)}: {_local(r.done_at)}, {r.engineer}"
            + (f", {what}" if what else "")
            + "."
        )
    return out  # fmt: skip


def watched_rows(s: Any, mp: Any, lang: str) -> list[dict[str, Any]]:
    """The plan's systems, each with what of our probes watches it."""
    from .documents import active_systems
    from .watchers import probes_by_system, watched_line

    watching = probes_by_system(s, mp)
    return [{**row, "probes": watched_line(watching[x.id], lang)}
            for x, row in zip(active_systems(mp), system_rows(mp, lang), strict=True)]  # fmt: skip


def _change(previous: Any, revision: int, lang: str, note: str) -> str:
    if note:
        return note
    if previous is None:
        return pick(("首次编制", "First issue"), lang)
    if previous.plan_revision != revision:
        return pick((f"维护计划修订（第 {revision} 次修订）后重新编制",
                     f"Re-issued after the plan's revision {revision}"), lang)  # fmt: skip
    return pick(("重新编制（联系人、备份与恢复记录更新）",
                 "Re-issued (contacts, backup and restore records updated)"), lang)  # fmt: skip


def issue_handbook(contract: str | None = None, *, lang: str | None = None,
                   only_if_changed: bool = False, note: str = "", now: datetime | None = None,
                   actor: str = "changeflow", channel: str = "cli",
                   ) -> dict[str, Any] | None:  # fmt: skip
    """Render and store the handbook's next version with its revision record, in one
    transaction; with ``only_if_changed`` nothing is made unless the plan changed since the
    last version (None then)."""
    from changeflow.db.maintplan import PlanDocument

    from ..sla import policy_for
    from ..wordkit import render
    from .documents import plan_document_view

    lang = lang or get_settings().lang
    now = now or utcnow()
    with transaction() as s:
        mp = find_plan(s, contract, "maintplan handbook")
        k = mp.contract
        olds = s.scalars(select(PlanDocument).where(
            PlanDocument.contract_id == k.id, PlanDocument.kind == KIND, PlanDocument.lang == lang,
        ).order_by(PlanDocument.version)).all()  # fmt: skip
        previous = olds[-1] if olds else None
        if only_if_changed and (previous is None or previous.plan_revision == mp.revision):
            return None
        version = (previous.version if previous else 0) + 1
        by = k.our_lead.name if k.our_lead else actor
        change = _change(previous, mp.revision, lang, note)
        revisions = [{"version": f"V{o.version}", "date": str(_local(o.issued_at)),
                      "change": o.change, "by": o.issued_by} for o in olds]  # fmt: skip
        revisions.append({"version": f"V{version}", "date": str(_local(now)), "change": change,
                          "by": by})  # fmt: skip
        who = pick(("乙方值班工程师处置，乙方项目负责人协调，甲方系统负责人配合",
                    "our duty engineer acts, our project lead coordinates, the system's owner"
                    " at the client assists"), lang)  # fmt: skip
        basis = pick((f"日常维护服务计划（第 {mp.revision} 次修订）",
                      f"the maintenance plan (revision {mp.revision})"), lang)  # fmt: skip
        ctx = {
            "contract": f"{k.code} {k.title}",
            "our_lead": k.our_lead.name if k.our_lead else "-", "basis": basis,
            "as_of": str(_local(now)), "version": version, "revisions": revisions,
            "systems": watched_rows(s, mp, lang), "contacts": contacts(s, k, lang),
            "escalation": escalation(s, k, lang), "checks": check_rows(mp, lang),
            "rules": plan_rules(mp, lang), "backup": backup_lines(s, mp, lang),
            "emergencies": measures(policy_for(k), who, lang),
        }  # fmt: skip
        title = pick(("维护文档和应急措施 ", "Maintenance Handbook "), lang) + k.code
        data = render(KIND, ctx, lang=lang, title=title, subject=k.code, author=by, contract=k)
        st = record_plan_document(
            s, mp, data, kind=KIND, subject=subject_of(k.code, KIND), version=version, lang=lang,
            now=now, meta={"contract": k.code, "plan_revision": mp.revision}, issued_by=by,
            actor=actor, channel=channel, reason=f"handbook v{version}: {change}", change=change,
        )  # fmt: skip
        return {**plan_document_view(st), "change": change}


def _days_line(days: list[date], lang: str) -> str:
    """Days of one month in words: 共 3 天：2日、3日、4日 / 3 days: 2, 3, 4."""
    if not days:
        return pick(("无", "none"), lang)
    if is_zh(lang):
        return f"共 {len(days)} 天：" + "、".join(f"{d.day}日" for d in days)
    return f"{len(days)} days: " + ", ".join(str(d.day) for d in days)


def runlog_context(s: Any, mp: Any, first: date, last: date, lang: str) -> dict[str, Any]:
    from changeflow.db.maintenance import DispatchOrder
    from changeflow.db.maintplan import CheckResult

    from ..maintenance import missing_run_log_days, run_log_entries

    zh = is_zh(lang)
    k = mp.contract
    results = s.scalars(
        select(CheckResult).where(CheckResult.contract_id == k.id, CheckResult.day >= first,
                                  CheckResult.day <= last)
        .order_by(CheckResult.day, CheckResult.done_at)).all()  # fmt: skip
    numbers = {o.id: o.number for o in s.scalars(select(DispatchOrder).where(
        DispatchOrder.id.in_({r.order_id for r in results if r.order_id})))}  # fmt: skip
    visits = [{
        "day": str(r.day), "order": numbers.get(r.order_id, "-"),
        "system": system_name(r.check.system, lang), "check": pick(CHECK_KINDS[r.check.kind], lang),
        "result": pick(CHECK_RESULTS[r.result], lang),
        "value": ("；" if zh else "; ").join(x for x in (r.value, r.note) if x) or "-",
    } for r in results]  # fmt: skip
    per_day: dict[tuple[date, str], int] = {}
    for r in results:
        per_day[(r.day, r.engineer)] = per_day.get((r.day, r.engineer), 0) + 1
    days = []
    for e in run_log_entries(s, k, first, last):
        own = [c for c in e["checks"] if not c.startswith(tuple(numbers.values()) or ("\0",))]
        n = per_day.get((e["day"], e["author"]), 0)
        if n:
            own.append(
                f"上门巡检 {n} 项（见第三部分）" if zh else f"{n} checks on the visit (see 3)"
            )
        days.append({
            "day": str(e["day"]), "author": e["author"], "checks": own or [pick(NOTHING, lang)],
            "backups": (pick(("已核验", "verified"), lang) + (f"：{e['backup_note']}" if zh
                        else f": {e['backup_note']}") if e["backup_note"] else
                        pick(("已核验", "verified"), lang)) if e["backups_verified"]
            else pick(("未核验", "not verified"), lang),
            "incidents": e["incidents"] or pick(NOTHING, lang),
            "changes": e["changes"] or pick(NOTHING, lang),
        })  # fmt: skip
    missing = missing_run_log_days(s, k, first, last)
    abnormal = sum(1 for r in results if r.result == "abnormal")
    probes = _probe_rows(k.code, first, last, lang)
    sep = "、" if zh else ", "
    return {
        "month": f"{first.year}年{first.month}月" if zh else first.strftime("%B %Y"),
        "contract": f"{k.code} {k.title}",
        "days": days, "visits": visits, "probes": probes,
        "s": {"days": len({d["day"] for d in days}),
              "checks": f"{len(results)}（{len(results) - abnormal}/{abnormal}）" if zh
              else f"{len(results)} ({len(results) - abnormal}/{abnormal})",
              "backups": len({e["day"] for e in days if e["backups"].startswith(
                  pick(("已核验", "verified"), lang))}),
              "faults": sep.join(r.fault_request.key for r in results if r.fault_request)
              or pick(("无", "none"), lang),
              "missing": _days_line(missing, lang)},
    }  # fmt: skip


def _probe_rows(code: str, first: date, last: date, lang: str) -> list[dict[str, str]]:
    """The month's remote watch (远程探测) for the run log: per probe, the system it watches
    and what it checks in the client's words, availability, time down, faults and flaps;
    none when the contract has no probes (the section is left out)."""
    from changeflow.bilingual import PROBE_SYSTEMS
    from changeflow.wording import minutes_label

    from ..probes.availability import availability
    from .watchers import WATCHES

    rows = []
    for a in availability(code, first, last):
        system = PROBE_SYSTEMS.get(a["system"] or "")
        rows.append({
            "system": pick(system, lang) if system else "-",
            "watch": pick(WATCHES[a["kind"]], lang) if a["kind"] in WATCHES else a["kind"],
            "availability": f"{a['availability']}%",
            "down": minutes_label(a["down_minutes"], lang) if a["down_minutes"] else "0",
            "faults": str(a["faults"]), "flaps": str(a["flaps"]),
        })  # fmt: skip
    return rows


def runlog_document(month: str, contract: str | None = None, *, lang: str | None = None,
                    now: datetime | None = None, actor: str = "changeflow",
                    ) -> dict[str, Any]:  # fmt: skip
    """``changeflow maintplan runlog --month 2026-11``: the month's run log for the client,
    stored as the next version of that month's run log."""
    from changeflow.db.models import Document

    from ..documents import store_issued
    from ..wordkit import render

    source = "maintplan runlog"
    first, last = month_days(month, source)
    lang = lang or get_settings().lang
    now = now or utcnow()
    with transaction() as s:
        mp = find_plan(s, contract, source)
        k = mp.contract
        subject = f"{k.code}-{first:%Y-%m}"
        ctx = runlog_context(s, mp, first, last, lang)
        prior = [d.version for d in s.scalars(select(Document).where(
            Document.kind == KIND_RUNLOG, Document.lang == lang))
            if (d.meta or {}).get("contract") == k.code
            and (d.meta or {}).get("month") == f"{first:%Y-%m}"]  # fmt: skip
        version = max(prior, default=0) + 1
        ctx |= {"as_of": str(_local(now)), "version": version}
        title = pick(("运行日志 ", "Run Log "), lang) + f"{k.code} {first:%Y-%m}"
        author = k.our_lead.name if k.our_lead else None
        data = render(KIND_RUNLOG, ctx, lang=lang, title=title, subject=k.code, author=author,
                      contract=k)  # fmt: skip
        doc = store_issued(s, data, subject=subject, kind=KIND_RUNLOG, version=version, lang=lang,
                           meta={"contract": k.code, "month": f"{first:%Y-%m}"})  # fmt: skip
        return {"contract": k.code, "month": f"{first:%Y-%m}", "version": version,
                "path": doc.path, "sha256": doc.sha256, "days": len(ctx["days"]),
                "checks": len(ctx["visits"]), "summary": ctx["s"]}  # fmt: skip


KIND_RUNLOG = "runlog"
