"""What watching the client's systems came to over a week or a month, for the weekly report
and the monthly statement: each watched system's probe availability, the checks done on
visits (how many, how many abnormal) and the OA backups verified (how many, the last
restore test). Plain rows (``watch_summary``) and the lines a document shows
(``watch_lines``); nothing at all when nothing was watched, checked or backed up.

A room of its own above ``probes`` and ``maintplan`` (and below ``maintenance``'s statement
and ``weekly``, which call it), so no two rooms tie both ways.

A system's availability is its worst probe's over the period, counting only the probes of
whether it answers (http, smtp, imap, db): a certificate near its end or a backup overdue
is not time the system was down (they open their faults all the same).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from changeflow.bilingual import PLAN_SYSTEM_KINDS, PROBE_SYSTEMS, is_zh, pick
from changeflow.db.session import transaction
from changeflow.settings import get_settings
from changeflow.wording import qty

from .maintplan.watchers import plan_system_of

ANSWERING = ("http", "smtp", "imap", "db")  # the probes whose failures are time down


def watch_summary(contract: str, first: date, last: date,
                  now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """``{"systems": [...], "checks": {...}|None, "backups": {...}|None}`` for the local days
    [first, last] of ``contract``; ``{}`` when there is nothing to say."""
    from changeflow.db.maintplan import CheckResult, MaintPlan
    from changeflow.db.models import Contract
    from changeflow.db.probes import OaBackup, ProbeTarget
    from changeflow.tasks.probes.availability import availability

    tz = get_settings().tz
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    if now is not None:
        end = min(end, now)
    avail = {a["probe"]: a for a in availability(contract, first, last, now=now)}
    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == contract))
        if k is None:
            return {}
        mp = s.scalar(select(MaintPlan).where(MaintPlan.contract_id == k.id))
        systems: dict[Any, dict[str, Any]] = {}
        targets = s.scalars(select(ProbeTarget).where(
            ProbeTarget.contract_id == k.id, ProbeTarget.kind.in_(ANSWERING),
        ).order_by(ProbeTarget.name)).all()  # fmt: skip
        for t in targets:
            a = avail.get(t.name)
            x = plan_system_of(mp, t) if mp is not None else None
            if a is None or (not t.active and a["down_minutes"] == 0):
                continue
            key = x.id if x is not None else t.system
            name = PROBE_SYSTEMS.get(t.system, (t.system, t.system))
            if x is not None:  # the plan's name of it (visit_checks.system_name's rule)
                kind = PLAN_SYSTEM_KINDS[x.kind]
                name = (x.name or kind[0], x.name_en or kind[1])
            row = systems.setdefault(key, {"name": name, "seq": x.seq if x else 99,
                                           "availability": a["availability"],
                                           "down_minutes": 0, "faults": 0, "probes": 0})
            row["availability"] = min(row["availability"], a["availability"])
            row["down_minutes"] = max(row["down_minutes"], a["down_minutes"])
            row["faults"] += a["faults"]
            row["probes"] += 1
        in_days = (CheckResult.contract_id == k.id, CheckResult.day >= first,
                   CheckResult.day <= last)  # fmt: skip
        done = s.scalar(select(func.count()).select_from(CheckResult).where(*in_days)) or 0
        abnormal = s.scalar(select(func.count()).select_from(CheckResult)
                            .where(*in_days, CheckResult.result == "abnormal")) or 0  # fmt: skip
        start = datetime.combine(first, time(0), tz)
        verified = (OaBackup.contract_id == k.id, OaBackup.verified.is_(True))
        in_period = (OaBackup.at >= start, OaBackup.at < end)

        def count(kind: str) -> int:
            return s.scalar(select(func.count()).select_from(OaBackup)
                            .where(*verified, *in_period, OaBackup.kind == kind)) or 0  # fmt: skip

        restore = s.scalar(select(OaBackup).where(
            *verified, OaBackup.kind == "restore-test", OaBackup.at < end,
        ).order_by(OaBackup.at.desc(), OaBackup.id.desc()).limit(1))  # fmt: skip
        backups, restores = count("backup"), count("restore-test")
        last_restore = None
        if restore is not None:
            last_restore = {"day": restore.at.astimezone(tz).date(), "by": restore.verified_by,
                            "minutes": restore.restore_minutes}  # fmt: skip
        ordered = sorted(systems.values(), key=lambda r: r["seq"])
        out: dict[str, Any] = {
            "systems": [{n: v for n, v in r.items() if n != "seq"} for r in ordered],
            "checks": {"done": done, "abnormal": abnormal} if done else None,
            "backups": None,
        }
        if backups or restores:
            out["backups"] = {"verified": backups, "restore_tests": restores,
                              "last_restore": last_restore}  # fmt: skip
    return out if out["systems"] or out["checks"] or out["backups"] else {}


def watch_lines(summary: dict[str, Any], lang: str) -> list[str]:
    """The summary as a document's lines (none when the summary is empty)."""
    from changeflow.wording import date_text

    if not summary:
        return []
    zh = is_zh(lang)
    lines = []
    if summary["systems"]:
        parts = []
        for r in summary["systems"]:
            down = r["down_minutes"]
            extra = ((f"（中断约 {qty(down, '分钟')}，"
                      f"故障 {r['faults']} 次）" if zh
                      else f" (down about {qty(down, 'min')}, {r['faults']} fault(s))")
                     if down else "")
            parts.append(f"{pick(r['name'], lang)} {r['availability']}%{extra}")
        lines.append(pick(("远程探测可用率：", "Availability seen by our probes: "), lang)
                     + ("；" if zh else "; ").join(parts) + ("。" if zh else "."))  # fmt: skip
    if c := summary["checks"]:
        lines.append(f"上门检查：完成 {c['done']} 项，其中异常 {c['abnormal']} 项。" if zh else
                     f"Checks on visits: {c['done']} done, {c['abnormal']} abnormal.")  # fmt: skip
    if b := summary["backups"]:
        line = (f"备份核验：本期核验备份 {b['verified']} 次，恢复测试 {b['restore_tests']} 次"
                if zh else f"Backups verified: {b['verified']} backup(s) and"
                f" {b['restore_tests']} restore test(s) in the period")  # fmt: skip
        if r := b["last_restore"]:
            day = date_text(r["day"], lang)
            line += (f"；最近一次恢复测试 {day}，{r['by']} 核验，"
                     f"恢复用时 {qty(r['minutes'], '分钟')}"
                     if zh else f"; last restore test {day}, verified by {r['by']},"
                     f" the restore took {qty(r['minutes'], 'minutes')}")  # fmt: skip
        else:
            line += "；尚无恢复测试记录" if zh else "; no restore test recorded yet"
        lines.append(line + ("。" if zh else "."))
    return lines
