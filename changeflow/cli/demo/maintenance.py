"""The demo's maintenance month and reports: a crash and a non-crash fault with their clocks
(the crash's first response late, with its cause), the fault records, the weekly fixed visit
on a dispatch order that the client signs off through the signed round trip (the inbox), the
run log, the service days used; then the weekly report of the demo week and the monthly SLA
report.

Times are real: the faults were reported a day before the demo runs and the visit on the latest
working day before, so every stamp lies in the past and the clocks are those the contract states.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from .client import _fill, _inbox_pass, _to_inbox
from .common import DemoRun


def _now() -> datetime:
    from changeflow.db.types import utcnow

    return utcnow().replace(second=0, microsecond=0)


def _clock(v: dict) -> str:
    r, o = v["response"], v["onsite"]
    return (
        f"response {r['status']} (due {r['due_local']}),"
        f" on site {o['status']} (due {o['due_local']})"
    )


def step_faults(run: DemoRun) -> None:
    """赵强 phones in a crash and a non-crash; the duty engineer works both to closure."""
    from changeflow.flows.maintenance import FaultInput, fault
    from changeflow.settings import get_settings
    from changeflow.tasks.maintenance import fault_record, get_fault, record_fault_details, stamp

    base = _now() - timedelta(hours=26)
    faults = [
        ("crash", "OA 服务器崩溃，无法登录", "OA 应用服务器", base, (45, 150, 200, 240),
         ["检查服务器日志，发现内存耗尽", "重启应用服务并调整内存上限", "验证登录与流程审批恢复"],
         "值班电话转接失败，首次响应晚于 30 分钟",
         ("附件预览进程未释放内存，连续运行 20 天后耗尽内存导致应用服务崩溃",
          "重启应用服务释放内存，将应用内存上限由 4 GB 调整为 8 GB，并为附件预览进程设置超时回收",
          "增加内存使用率监控（超过 80% 告警）；每月例行巡检时检查长期运行的进程")),
        ("non-crash", "邮件服务器异常：外发邮件延迟", "邮件系统", base + timedelta(minutes=30),
         (20, 240, 300, 330), ["检查邮件队列", "清理积压队列并重启投递服务"], None,
         ("一封带大附件的群发邮件反复投递失败，堵塞了外发队列",
          "清理积压队列中的失败邮件并重启投递服务，外发恢复正常",
          "设置单封邮件附件大小上限 20 MB，群发邮件改由通知公告发布")),
    ]  # fmt: skip
    keys = []
    for severity, title, system, at, (resp, onsite, resolve, close), steps, cause, why in faults:
        root, solution, prevention = why
        v = fault(
            report=FaultInput(severity=severity, title=title, system=system, reporter="赵强",
                              reported_at=at, engineer="张伟"),
            taken_by="李明",
        )  # fmt: skip
        key = v["key"]
        keys.append(key)
        for what, minutes in (("respond", resp), ("onsite", onsite), ("resolve", resolve),
                              ("close", close)):  # fmt: skip
            stamp(key, what, at=at + timedelta(minutes=minutes), actor="张伟", channel="ui")
        record_fault_details(
            key, assessment=f"{title}：影响全体用户" if severity == "crash" else f"{title}",
            test_report="故障复现并修复后回归测试通过", solution=solution, steps=steps,
            breach_cause=cause, root_cause=root, prevention=prevention, confirmed_by="赵强",
            confirmed_on=(at + timedelta(minutes=close)).astimezone(get_settings().tz)
            .date().isoformat(),
            confirmation="已恢复正常使用，确认处理完毕", actor="张伟",
        )  # fmt: skip
        doc = fault_record(key)
        run.step("fault", f"{key} {severity}: {title}", _clock(get_fault(key)))
        run.step("fault", f"{key} fault record v{doc['version']}", doc["path"].rsplit("/", 1)[-1])
    run.keys["faults"] = ",".join(keys)


def _visit_day() -> datetime:
    """14:00 on the latest working day whose visit (until 17:35) is over by now."""
    from changeflow.db.session import transaction
    from changeflow.settings import get_settings
    from changeflow.tasks.calendar import calendar_for
    from changeflow.tasks.directory import find_contract

    now = _now().astimezone(get_settings().tz)
    with transaction() as s:
        cal = calendar_for(s, find_contract(s, None, now.date(), "demo"))
    day = now.date() if now.hour * 60 + now.minute >= 17 * 60 + 35 else now.date() - timedelta(1)
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 14, 0, tzinfo=now.tzinfo)


def step_dispatch(run: DemoRun) -> None:
    """The fixed weekly visit on a dispatch order; 王芳 signs it off and mails it back."""
    from changeflow.docs_templates.tpl_dispatch import SIGNOFF_FIELDS
    from changeflow.settings import get_settings
    from changeflow.tasks.maintenance import complete_dispatch, create_dispatch

    day = _visit_day()
    faults = [k for k in run.keys.get("faults", "").split(",") if k]
    order = create_dispatch(
        kind="weekly-visit", planned_start=day, staff=["张伟"], title="每周固定上门巡检",
        work_content="服务器巡检\n验证灾难恢复备份\n复查故障处理结果", location="甲方机房",
        requests=faults, actor="李明", channel="ui",
    )  # fmt: skip
    number = order["number"]
    # done: the order's next version carries the actual times; that is the one signed
    done = complete_dispatch(
        number, actual_start=day + timedelta(minutes=5),
        actual_end=day + timedelta(hours=3, minutes=35), actor="张伟",
    )  # fmt: skip
    run.step("dispatch", f"{number} weekly visit", f"{day:%Y-%m-%d %H:%M}, 张伟; done")
    labels = {name: pair[0] for name, pair in SIGNOFF_FIELDS.items()}
    sent = get_settings().store_dir / done["document"]
    filled = _fill(sent, {
        labels["accepted"]: "是",
        labels["satisfaction"]: "5",
        labels["feedback"]: "巡检及时，故障处理到位。",
        labels["signer"]: "王芳",
        labels["date"]: day.date().isoformat(),
    })  # fmt: skip
    _to_inbox(filled, f"{number}-派工单-回签.docx")
    _inbox_pass(run, "returned dispatch order")


def step_runlog(run: DemoRun) -> None:
    from changeflow.tasks.maintenance import add_run_log

    e = add_run_log(author="张伟", checks=["服务器巡检", "数据库备份检查", "邮件队列检查"],
                    backups_verified=True, backup_note="夜间备份已恢复验证",
                    incidents="OA 服务器崩溃、邮件外发延迟（均已关闭）")  # fmt: skip
    run.step("run log", f"运行日志 {e['day']}", f"{len(e['checks'])} checks by {e['author']},"
             f" backups verified: {e['backups_verified']}")  # fmt: skip


def step_usage(run: DemoRun) -> None:
    from changeflow.tasks.maintenance import contract_usage

    u = contract_usage()
    run.step("service days", f"contract {u['contract']}",
             f"{u['days_used']} of {u['service_days_per_year']} service days used"
             f" ({u['hours_used']} h), {u['days_left']} left")  # fmt: skip


def step_weekly(run: DemoRun) -> None:
    from changeflow.flows.weekly import WeeklyInput, weekly_report

    res = weekly_report(params=WeeklyInput(send=False))
    for r in res["reports"]:
        run.step("weekly report", f"{r['client']} {r['week']} v{r['version']}",
                 r["document"].rsplit("/", 1)[-1])  # fmt: skip


def step_sla_report(run: DemoRun) -> None:
    """The monthly SLA statement (月度服务对账单) of the faults' month, as the Word
    document the client receives (stored like every document, so the summary lists it)."""
    from changeflow.flows.maintenance import sla_report
    from changeflow.settings import get_settings

    month = (_now() - timedelta(hours=26)).astimezone(get_settings().tz).strftime("%Y-%m")
    r = sla_report(month=month)
    run.step("sla report", month, f"{Path(r['path']).name} v{r['version']}")


MAINTENANCE = [step_faults, step_dispatch, step_runlog, step_usage]
REPORTS = [step_weekly, step_sla_report]
