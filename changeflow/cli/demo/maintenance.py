"""The demo's maintenance month (November 2026) and its reports: a crash and a non-crash fault
with their clocks (the crash's first response late, with its cause; the mail delay across a
weekend), the fixed Wednesday visit on a dispatch order signed off by the client through the
signed round trip (the inbox), the run log of every working day, the weekly report of every
Friday, the service days used and the month's SLA statement after the month ends.

``month_events`` lists them at the times they happened (``month`` replays them in order);
the ``step_*`` functions run the same acts one after the other (a shorter demo).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .client import fill_form, inbox_pass, to_inbox
from .common import DemoRun
from .days import FIRST, LAST, STATEMENT_DAY, as_of, at, later, nov, text, working_days

# (severity, title, system, reported, minutes to response/on site/resolved/closed, steps,
# cause of a breach); the crash on a Tuesday morning, the mail delay on a Friday afternoon
# answered at once and worked on site on Monday (its clock skips the weekend).
FAULTS = [
    ("crash", "OA 服务器崩溃，无法登录", "OA 应用服务器", (10, "09:20"), (45, 150, 200, 240),
     ["检查服务器日志，发现内存耗尽", "重启应用服务并调整内存上限", "验证登录与流程审批恢复"],
     "值班电话转接失败，首次响应晚于 30 分钟"),
    ("non-crash", "邮件服务器异常：外发邮件延迟", "邮件系统", (20, "16:40"),
     (25, 3 * 24 * 60 - 400, 3 * 24 * 60 - 310, 3 * 24 * 60 - 280),
     ["检查邮件队列", "清理积压队列并重启投递服务"], None),
]  # fmt: skip
VISIT = ("14:00", "16:00")  # the contract's weekly_visit (Wednesday 14:00), two hours


def _clock(v: dict) -> str:
    r, o = v["response"], v["onsite"]
    return (
        f"response {r['status']} (due {r['due_local']}),"
        f" on site {o['status']} (due {o['due_local']})"
    )


# What the engineer found and what keeps it from coming back (root cause, solution,
# prevention), written into each fault record when the fault is closed.
ROOT_CAUSES = {
    "crash": (
        "附件预览进程未释放内存，连续运行 20 天后耗尽内存导致应用服务崩溃",
        "重启应用服务释放内存，将应用内存上限由 4 GB 调整为 8 GB，并为附件预览进程设置超时回收",
        "增加内存使用率监控（超过 80% 告警）；每月例行巡检时检查长期运行的进程",
    ),
    "non-crash": (
        "一封带大附件的群发邮件反复投递失败，堵塞了外发队列",
        "清理积压队列中的失败邮件并重启投递服务，外发恢复正常",
        "设置单封邮件附件大小上限 20 MB，群发邮件改由通知公告发布",
    ),
}


def _fault_event(spec: tuple) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        """赵强 phones the fault in; the duty engineer answers (the rest: ``_fault_worked``)."""
        from changeflow.flows.maintenance import FaultInput, fault
        from changeflow.tasks.maintenance import stamp

        severity, title, system, (day, hhmm), minutes, _steps, _cause = spec
        reported = nov(day, hhmm)
        v = fault(
            report=FaultInput(severity=severity, title=title, system=system, reporter="赵强",
                              reported_at=text(reported), engineer="张伟"),
            taken_by="李明",
        )  # fmt: skip
        if "key" not in v:
            raise RuntimeError(f"fault refused: {v}")
        key = v["key"]
        run.keys["faults"] = ",".join(k for k in (run.keys.get("faults", ""), key) if k)
        stamp(key, "respond", at=reported + timedelta(minutes=minutes[0]), actor="张伟",
              channel="ui")  # fmt: skip
        run.step("fault", f"{key} {severity}: {title}", f"reported {text(reported)}")
        onsite = reported + timedelta(minutes=minutes[1])
        later(run, onsite, f"fault {key} on site", _fault_worked(spec, key))

    return event


def _fault_worked(spec: tuple, key: str) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        """On site, resolved, closed; the fault record is written when it is closed."""
        from changeflow.settings import get_settings
        from changeflow.tasks.maintenance import (
            fault_record,
            get_fault,
            record_fault_details,
            stamp,
        )

        severity, title, _system, (day, hhmm), minutes, steps, cause = spec
        why = ROOT_CAUSES[severity]
        reported = nov(day, hhmm)
        for what, m in zip(("onsite", "resolve", "close"), minutes[1:], strict=True):
            stamp(key, what, at=reported + timedelta(minutes=m), actor="张伟", channel="ui")
        closed = reported + timedelta(minutes=minutes[-1])
        with as_of(closed + timedelta(minutes=20), "fault record"):
            record_fault_details(
                key, assessment=f"{title}：影响全体用户" if severity == "crash" else title,
                test_report="故障复现并修复后回归测试通过", solution=why[1], steps=steps,
                breach_cause=cause, root_cause=why[0], prevention=why[2], confirmed_by="赵强",
                confirmed_on=closed.astimezone(get_settings().tz).date().isoformat(),
                confirmation="已恢复正常使用，确认处理完毕", actor="张伟",
            )  # fmt: skip
            doc = fault_record(key)
        run.step("fault", f"{key} {severity}: closed", _clock(get_fault(key)))
        run.step("fault", f"{key} fault record v{doc['version']}", doc["path"].rsplit("/", 1)[-1])

    return event


def _open_faults_since(since: datetime, until: datetime) -> list[str]:
    """The faults reported since the last visit: the visit reviews them."""
    from sqlalchemy import select

    from changeflow.db.maintenance import Fault
    from changeflow.db.models import Request
    from changeflow.db.session import transaction

    with transaction() as s:
        rows = s.execute(
            select(Request.key)
            .join(Fault, Fault.request_id == Request.id)
            .where(Fault.reported_at >= since, Fault.reported_at < until)
            .order_by(Fault.reported_at)
        ).all()
    return [r[0] for r in rows]


def _visit_event(day: date) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        """The order is made the afternoon before the visit (listing the faults since the
        last one); the visit follows (``_visit_done``)."""
        from changeflow.tasks.maintenance import create_dispatch

        start, end = at(day, VISIT[0]), at(day, VISIT[1])
        made = at(day - timedelta(days=1), "17:00")
        faults = _open_faults_since(start - timedelta(days=7), made)
        review = "\n复查故障处理结果：" + "、".join(faults) if faults else ""
        order = create_dispatch(
            kind="weekly-visit", planned_start=start, planned_end=end, staff=["张伟"],
            title="每周固定上门巡检",
            work_content="服务器巡检\n验证灾难恢复备份" + review, location="甲方机房",
            requests=faults, actor="李明", channel="ui", at=text(made),
        )  # fmt: skip
        number = order["number"]
        later(
            run, end + timedelta(minutes=5), f"visit {day} done", _visit_done(day, number, faults)
        )

    return event


def _visit_done(day: date, number: str, faults: list[str]) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        """张伟 records the visit's times; 王芳 signs the order that evening and mails it
        back; the inbox takes it the next morning."""
        from changeflow.tasks.maintenance import complete_dispatch

        start, end = at(day, VISIT[0]), at(day, VISIT[1])
        done = complete_dispatch(
            number, actual_start=start, actual_end=end, actor="张伟",
            at=text(end + timedelta(minutes=5)),
        )  # fmt: skip
        reviews = ", ".join(faults) or "-"
        run.step("dispatch", f"{number} weekly visit",
                 f"{text(start)} - {end:%H:%M}, 张伟; reviews {reviews}")  # fmt: skip
        received = at(day + timedelta(days=1), "09:30")
        later(run, received, f"visit {day} signed", _visit_signed(day, number, done, faults))

    return event


def _visit_signed(
    day: date, number: str, done: dict, faults: list[str]
) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        from changeflow.docs_templates.tpl_dispatch import SIGNOFF_FIELDS
        from changeflow.settings import get_settings

        labels = {name: pair[0] for name, pair in SIGNOFF_FIELDS.items()}
        filled = fill_form(get_settings().store_dir / done["document"], {
            labels["accepted"]: "是",
            labels["satisfaction"]: "5",
            labels["feedback"]: "巡检及时，故障处理到位。" if faults else "巡检及时。",
            labels["signer"]: "王芳",
            labels["date"]: day.isoformat(),
        })  # fmt: skip
        to_inbox(filled, f"{number}-派工单-回签.docx")
        with as_of(at(day + timedelta(days=1), "09:30"), "returned dispatch order"):
            inbox_pass(run, "returned dispatch order")

    return event


def _kept_entry(day: date) -> dict[str, Any]:
    """张伟's run log entry of ``day`` so far (the visit's checks write into it)."""
    from sqlalchemy import select

    from changeflow.db.maintenance import RunLogEntry
    from changeflow.db.session import transaction

    with transaction() as s:
        e = s.scalar(select(RunLogEntry).where(RunLogEntry.day == day,
                                               RunLogEntry.author == "张伟"))  # fmt: skip
        return {"checks": list(e.checks or []), "incidents": e.incidents or ""} if e else {}


def _runlog_event(day: date) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        from changeflow.tasks.maintenance import add_run_log

        incidents = {
            10: "09:20 OA 服务器崩溃，13:20 已恢复并关闭",
            12: "10:00 远程探测发现 OA 数据库用户表无法查询，10:40 从当日备份恢复，11:30 关闭",
            19: "昨日巡检发现文件存储使用率 88%，今日迁移旧附件后降至 61%，11:30 关闭",
            23: "上周五 16:40 报修邮件外发延迟（17:05 已响应）；"
            "今日 10:00 到场清理队列，12:00 关闭",
        }.get(day.day, "")
        # a visit day's entry holds the checks recorded on the visit's order already: the
        # engineer completes it
        kept = _kept_entry(day)
        checks = [*kept.get("checks", []), "服务器巡检", "数据库备份检查", "邮件队列检查"]
        incidents = "\n".join(x for x in (kept.get("incidents", ""), incidents) if x)
        changes = ""
        golive = run.times.get("golive")
        if golive is not None and golive.date() == day:
            changes = f"{run.keys['main']} 晚间上线（请假审批流程改造）"
        e = add_run_log(day=day, author="张伟", checks=checks, backups_verified=True,
                        backup_note="夜间备份已恢复验证", incidents=incidents, changes=changes,
                        replace=bool(kept), at=text(run.now))  # fmt: skip
        run.step("run log", f"运行日志 {e['day']}", f"{len(e['checks'])} checks by {e['author']}")

    return event


def _weekly_event(friday: date) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        from changeflow.flows.weekly import WeeklyInput, weekly_report
        from changeflow.tasks.weekly.week import week_of

        res = weekly_report(
            params=WeeklyInput(week=week_of(friday), send=False, at=text(at(friday, "15:00")))
        )
        if not res.get("reports"):
            raise RuntimeError(f"weekly report refused: {res}")
        for r in res["reports"]:
            run.step("weekly report", f"{r['client']} {r['week']} v{r['version']}",
                     r["document"].rsplit("/", 1)[-1])  # fmt: skip

    return event


def step_usage(run: DemoRun) -> None:
    from changeflow.tasks.maintenance import contract_usage

    u = contract_usage(today=LAST)
    run.step("service days", f"contract {u['contract']}",
             f"{u['days_used']} of {u['service_days_per_year']} service days used"
             f" ({u['hours_used']} h), {u['days_left']} left")  # fmt: skip


def step_sla_report(run: DemoRun) -> None:
    """The monthly SLA statement (月度服务对账单) of November, issued the first working
    morning after the month, as the Word document the client receives."""
    from changeflow.flows.maintenance import sla_report

    month = f"{FIRST:%Y-%m}"
    r = sla_report(month=month, at=text(at(STATEMENT_DAY, "10:00")))
    if "path" not in r:
        raise RuntimeError(f"statement refused: {r}")
    run.step("sla report", month, f"{Path(r['path']).name} v{r['version']}")


def month_events() -> list[tuple[datetime, str, Callable[[DemoRun], None]]]:
    """Every maintenance event of the month at its time."""
    days = working_days(FIRST, LAST)
    events: list[tuple[datetime, str, Callable[[DemoRun], Any]]] = []
    for spec in FAULTS:
        day, hhmm = spec[3]
        events.append((nov(day, hhmm), f"fault {spec[0]}", _fault_event(spec)))
    for day in days:
        friday = day.weekday() == 4
        events.append((at(day, "14:30" if friday else "17:20"), "run log", _runlog_event(day)))
        if day.weekday() == 2:  # the contract's fixed visit: Wednesday
            made = at(day - timedelta(days=1), "17:00")
            events.append((made, f"visit {day}", _visit_event(day)))
        if friday:
            events.append((at(day, "15:00"), f"weekly {day}", _weekly_event(day)))
    events.append((at(STATEMENT_DAY, "10:00"), "service days", step_usage))
    events.append((at(STATEMENT_DAY, "10:05"), "statement", step_sla_report))
    return events


# The same acts one after the other (without the month's calendar): the crash and the mail
# delay, the first visit of the month, one run-log day, the usage; the first Friday's weekly
# report and the statement.


def step_faults(run: DemoRun) -> None:
    for spec in FAULTS:
        _fault_event(spec)(run)


def step_dispatch(run: DemoRun) -> None:
    _visit_event(date(2026, 11, 25))(run)


def step_runlog(run: DemoRun) -> None:
    run.now = at(date(2026, 11, 30), "17:20")
    _runlog_event(date(2026, 11, 30))(run)


def step_weekly(run: DemoRun) -> None:
    _weekly_event(date(2026, 11, 27))(run)


MAINTENANCE = [step_faults, step_dispatch, step_runlog, step_usage]
REPORTS = [step_weekly, step_sla_report]
