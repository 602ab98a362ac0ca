"""The September-October 2026 service simulation of issue #18, run as the contractor's staff
would: faults around Mid-Autumn and National Day, dispatch orders worked by one and two
engineers (each with their own time), the client's sign-offs handed in through the inbox,
the weekly visits, the monthly SLA statement issued and confirmed, and the alerts.

    python examples/sla_simulation.py [--out DIR]

Everything happens in a fresh changeflow home under DIR (default: a temporary folder) with
the sample contract; mails go to a local SMTP sink when aiosmtpd is installed. It prints
what the client would check: each clock's due time and result, the service days counted,
the alerts, and the statement's confirmation; the statement and the done dispatch order
are left in DIR/documents for a look.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
HERE = Path(__file__).resolve().parent


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def client_fills(src: Path, out: Path, labels: dict[str, str]) -> Path:
    """The client types into the right-hand cells of the sign-off table (label -> text)."""
    import docx

    doc = docx.Document(str(src))
    for t in doc.tables:
        for row in t.rows:
            text = row.cells[0].text.strip()
            if text in labels:
                row.cells[1].text = labels[text]
    doc.save(str(out))
    return out


def _smtp() -> tuple[Any, list[str]]:
    """A local SMTP sink (aiosmtpd, when installed) and the subjects it received."""
    subjects: list[str] = []
    try:
        import email
        import email.policy
        import socket

        from aiosmtpd.controller import Controller
    except ImportError:
        return None, subjects

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            subjects.append(str(msg["Subject"]))
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ctl = Controller(Sink(), hostname="127.0.0.1", port=port)
    ctl.start()
    os.environ.update({"CHANGEFLOW_SMTP_HOST": "127.0.0.1", "CHANGEFLOW_SMTP_PORT": str(port),
                       "CHANGEFLOW_SMTP_SECURITY": "none"})  # fmt: skip
    return ctl, subjects


def simulate(home: Path) -> dict[str, Any]:
    os.environ["CHANGEFLOW_HOME"] = str(home)
    os.environ.setdefault("CHANGEFLOW_CONFIG", str(home / "none.toml"))
    ctl, subjects = _smtp()
    from changeflow.settings import get_settings, reset_settings

    reset_settings()
    from changeflow.db.migrate import upgrade
    from changeflow.db.session import transaction
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.inbox import process_inbox
    from changeflow.tasks.signoff import today_local
    from changeflow.tasks.signoff.keys import ensure_secret

    st = get_settings()
    upgrade(st.db_url)
    ensure_secret()
    load_contract_file(HERE / "contract.yaml")
    out: dict[str, Any] = {"faults": [], "orders": [], "inbox": []}

    # --- faults around Mid-Autumn (09-25..27 off, 09-27 Sunday... ) and National Day -----
    # (severity, title, reported, response at and mode, on site at, extras): in report order
    faults = [
        ("non-crash", "流程审批卡住（节前周四 17:00）", "2026-09-24 17:00",
         ("2026-09-28 09:10", "phone"), "2026-09-28 14:00", {}),
        ("non-crash", "表单报错（甲方要求 09-29 10:00 到场）", "2026-09-24 16:00",
         ("2026-09-24 16:30", "phone"), "2026-09-29 09:40", {"onsite_by": "2026-09-29 10:00"}),
        ("non-crash", "考勤同步失败（国庆前一天）", "2026-09-30 15:00",
         ("2026-09-30 15:40", "online"), "2026-10-08 10:00", {}),
        ("crash", "服务器宕机（夜间）", "2026-09-23 02:00",
         ("2026-09-23 02:20", "phone"), "2026-09-23 09:00",
         {"breach_cause": "夜间无人值守，工程师路途远"}),
        ("non-crash", "报表导出慢（等待甲方日志）", "2026-09-10 10:00",
         ("2026-09-10 10:30", "phone"), "2026-09-14 15:00",
         {"pause": ("2026-09-10 11:00", "2026-09-14 10:00", "等待甲方提供日志")}),
        ("crash", "数据库连接池耗尽（未结）", "2026-09-29 10:00",
         ("2026-09-29 10:15", "phone"), None, {}),
    ]  # fmt: skip
    f = []
    for severity, title, reported, (responded, mode), onsite, extra in faults:
        when = at(reported)
        onsite_by = {"onsite_by": at(extra["onsite_by"])} if "onsite_by" in extra else {}
        f.append(mt.report_fault(severity=severity, title=title, reported_at=when,
                                 now=when + timedelta(minutes=1), **onsite_by))  # fmt: skip
        key = f[-1].key
        mt.stamp(key, "respond", at=at(responded), mode=mode)
        if "pause" in extra:
            start, end, reason = extra["pause"]
            mt.pause(key, at=at(start), reason=reason, now=at(start))
            mt.resume(key, at=at(end), now=at(end))
        if onsite:
            mt.stamp(key, "onsite", at=at(onsite))
        if "breach_cause" in extra:
            mt.record_fault_details(key, breach_cause=extra["breach_cause"])
    for r in f:
        v = mt.get_fault(r.key, now=at("2026-10-09 10:00"))
        out["faults"].append({
            "key": r.key, "title": v["title"], "reported": v["reported_at"][:16],
            **{c: (v[c]["due"][:16] if v[c]["due"] else "-", v[c]["status"])
               for c in ("response", "onsite")},
        })  # fmt: skip
    with transaction() as s:
        out["week_breaches"] = [
            (b["key"], b["clock"])
            for b in mt.breaches_between(
                s, at("2026-09-28 00:00"), at("2026-10-05 00:00"), now=at("2026-10-09 10:00")
            )
        ]
    # --- dispatch orders, the client's sign-offs through the inbox -------------------------
    inbox = st.inbox
    inbox.mkdir(parents=True, exist_ok=True)

    def sign(v: dict[str, Any], accepted: str, day: str) -> None:
        client_fills(st.store_dir / v["document"], inbox / f"{v['number']}-回签.docx",
                     {"服务是否验收（是/否）": accepted, "满意度（1-5）": "5", "意见反馈": "",
                      "签字人": "王芳", "日期": day})  # fmt: skip
        out["inbox"] += [(i.file, i.outcome, i.detail) for i in
                         process_inbox(settle_seconds=0).items]  # fmt: skip

    def order(staff: list[str], start: str, title: str, **kw: Any) -> dict[str, Any]:
        o = mt.create_dispatch(kind="change", planned_start=start, staff=staff, title=title,
                               on_day_off=kw.pop("on_day_off", False))  # fmt: skip
        v = mt.complete_dispatch(o["number"], now=at("2026-10-31 18:00"), **kw)
        out["orders"].append(v)
        return v

    a = order(
        ["张伟"],
        "2026-09-14 09:00",
        "周一至周五，一人",
        actual_start="2026-09-14 09:00",
        actual_end="2026-09-18 17:30",
    )
    sign(a, "是", "2026-09-18")
    b = order(["张伟", "李明"], "2026-09-21 09:00", "两人，各自时间",
              spans=["张伟=2026-09-21 09:00..2026-09-23 17:30",
                     "李明=2026-09-22 13:00..2026-09-22 20:00"])  # fmt: skip
    sign(b, "是", "2026-09-23")
    c = order(
        ["张伟"],
        "2026-09-30 09:00",
        "跨国庆，甲方未验收",
        actual_start="2026-09-30 09:00",
        actual_end="2026-10-09 17:30",
    )
    sign(c, "否", "2026-10-09")
    d = order(
        ["张伟"],
        "2026-10-03 10:00",
        "国庆假期抢修",
        on_day_off=True,
        actual_start="2026-10-03 10:00",
        actual_end="2026-10-03 12:00",
    )
    sign(d, "是", "2026-10-03")
    e = order(
        ["张伟", "李明"],
        "2026-10-12 09:00",
        "两人一周",
        actual_start="2026-10-12 09:00",
        actual_end="2026-10-16 17:30",
    )
    sign(e, "是", "2026-10-16")
    g = order(
        ["李明"],
        "2026-10-19 09:00",
        "两天",
        actual_start="2026-10-19 09:00",
        actual_end="2026-10-20 17:30",
    )
    sign(g, "是", "2026-10-20")
    out["usage"] = mt.contract_usage("OA-2026", today=at("2026-10-31 12:00").date())
    # --- weekly visits (Wednesday 14:00): 10-07 is National Day, moved to 10-08 -------------
    out["visits"] = mt.plan_weekly_visits(now=at("2026-10-05 09:00"))
    out["visits_again"] = mt.plan_weekly_visits(now=at("2026-10-05 09:00"))
    # --- the September statement, issued and confirmed through the inbox ------------------
    stm = mt.sla_report_document("2026-09", "OA-2026", now=at("2026-10-09 10:00"))
    out["statement"] = stm
    client_fills(st.store_dir / stm["path"], inbox / "2026年9月对账单-回签.docx",
                 {"对账结果（无异议/有异议）": "☑无异议 ☐有异议", "意见": "核对无误",
                  "签字人": "王芳", "日期": today_local().isoformat()})  # fmt: skip
    out["inbox"] += [(i.file, i.outcome, i.detail) for i in process_inbox(settle_seconds=0).items]
    out["statements"] = mt.list_statements("OA-2026")
    out["mail_subjects"] = list(subjects)
    with transaction() as s:
        from changeflow.db.maintenance import CycleAlert, QuotaAlert

        out["quota_alerts"] = [(q.level, str(q.days_used)) for q in s.query(QuotaAlert)]
        out["cycle_alerts"] = [(c.cycle, str(c.days_used), str(c.allowance))
                               for c in s.query(CycleAlert).order_by(CycleAlert.id)]  # fmt: skip
    if ctl is not None:
        ctl.stop()
    return out


def report(out: dict[str, Any]) -> str:
    lines = ["# September-October 2026 simulation", "", "## Faults (as of 2026-10-09 10:00)"]
    for x in out["faults"]:
        lines.append(f"- {x['key']} {x['title']}: reported {x['reported']}; response due"
                     f" {x['response'][0]} ({x['response'][1]}); on site due {x['onsite'][0]}"
                     f" ({x['onsite'][1]})")  # fmt: skip
    lines.append(f"- breached clocks due 09-28..10-04 (the weekly report): {out['week_breaches']}")
    lines += ["", "## Dispatch orders (done versions)"]
    for v in out["orders"]:
        per = "; ".join(f"{w['engineer']} {w['service_minutes']} min service,"
                        f" {w['overtime_minutes']} min overtime" for w in v["work"])  # fmt: skip
        lines.append(f"- {v['number']} {v['title']} v{v['version']}: {per}")
    lines += ["", "## Inbox"] + [f"- {f}: {o} ({d})" for f, o, d in out["inbox"]]
    u = out["usage"]
    lines += ["", "## Contract usage (2026-10-31)",
              f"- days used {u['days_used']} of {u['service_days_per_year']}"
              f" ({u['used_percent']} %), left {u['days_left']},"
              f" overtime {u['overtime_hours']} h,"
              f" forecast exhausted {u['forecast_exhausted_on']}",
              f"- per month {dict(u['per_month'])}; allowance per cycle {u['allowance_per_cycle']}",
              f"- not accepted (not counted): {[r['number'] for r in u['not_accepted']]}",
              f"- quota alerts {out['quota_alerts']}; cycle alerts {out['cycle_alerts']}",
              f"- mails: {out['mail_subjects']}"]  # fmt: skip
    vis = out["visits"]
    lines += ["", "## Weekly visits from 2026-10-05",
              f"- created {[(v['number'], v['planned_start'][:16]) for v in vis['created']]},"
              f" moved {[(str(m['day']), str(m['to'])) for m in vis['moved']]};"
              f" run again: created {len(out['visits_again']['created'])}"]  # fmt: skip
    s = out["statement"]
    lines += ["", "## September statement",
              f"- {s['subject']} v{s['version']}: faults {s['faults']}, on site met"
              f" {s['clocks']['onsite']['met']} breached {s['clocks']['onsite']['breached']}"
              f" open {s['clocks']['onsite']['open']}; response met"
              f" {s['clocks']['response']['met']} of {s['clocks']['response']['faults']};"
              f" month's service days {s['service_days']['month_days']}",
              "- confirmation: " + str([(x["subject"], x["state"], x["signer"], x["remarks"])
                                        for x in out["statements"]])]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="where the changeflow home goes (kept)")
    args = ap.parse_args()
    home = args.out or Path(tempfile.mkdtemp(prefix="changeflow-sim-"))
    if home.exists() and any(home.iterdir()):
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    print(report(simulate(home)))
    print(f"\n(home: {home})")


if __name__ == "__main__":
    main()
