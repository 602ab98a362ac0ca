"""The maintenance half of the sample contract in the demo's November (issues #37/#38): the
maintenance plan signed by the client and its handbook, the checks due on every weekly
visit (one abnormal opens a fault), the remote watch of the OA database and the backups (an
outage opens a fault, a restore is verified), service requests (a permission change with a
named authoriser, one confirmed on the visit's dispatch order), a training session with its
returned sign-in sheet, the client's OA manual merged after the accepted request, an
upgrade planned, approved and recorded, and after the month the run log and the record of
account and permission changes.

Every act is at its time in ``upkeep_acts()`` (``days``); ``events()`` puts them on the
month's timeline. The remote watch is real: a database probe queries a stand-in of the OA
database (a SQLite file in ``<out>/var``) through the probe round, whose table is lost for
forty minutes on Thu 11-12 and restored from the night's backup.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .client import inbox_pass, to_inbox
from .common import DemoRun, examples_dir
from .days import FIRST, LAST, as_of, at, later, nov, text

CONTRACT = "OA-2026"
STANDIN_ENV = "CHANGEFLOW_DEMO_OA_DB"  # the probe's address: only the variable's name is kept
STANDIN_TABLE = "oa_user"

# Service requests: (act, category, title, description, requester, department, received,
# engineer's response, work (start, end) or "visit", finished, resolution, confirmation)
SERVICES = [
    ("fw-account", "account", "新入职人员开通 OA 账号及公文管理权限",
     "办公室新入职 孙丽，需开通 OA 账号并授予公文起草、公文管理权限。", "孙丽", "办公室",
     nov(9, "09:40"), nov(9, "09:55"), (nov(9, "10:00"), nov(9, "10:45")), nov(9, "10:50"),
     "已开通账号 sunli，授予公文起草、公文管理角色；已告知初始密码修改方法。",
     ("ui", nov(9, "11:30"))),
    ("fw-data", "data", "修正 10 月考勤导入错误的 3 条记录",
     "10 月考勤导入时 3 名员工的外出记录被记为缺勤，请更正。", "赵强", "信息中心",
     nov(16, "14:10"), nov(16, "14:25"), (nov(16, "15:00"), nov(16, "16:30")), nov(16, "16:35"),
     "已按考勤原始打卡记录更正 3 条记录，并重新生成 10 月考勤汇总。",
     ("mail", nov(17, "09:10"))),
    ("fw-form", "form", "会议室预约表单增加“参会人数”字段",
     "会议室预约时需填写参会人数，便于安排会议室。", "王芳", "办公室",
     nov(24, "10:00"), nov(24, "10:20"), "visit", nov(25, "15:45"),
     "已在会议室预约表单增加必填字段“参会人数”，并在预约列表中显示。", ("dispatch", None)),
]  # fmt: skip
# the permission changes of the account request, each authorised by the department's
# authoriser the contract names
PERMISSIONS = [
    ("sunli", "新建 OA 账号（办公室）", nov(9, "10:20")),
    ("sunli", "授予公文起草、公文管理角色", nov(9, "10:40")),
]
FW_VISIT = (nov(25, "15:00"), nov(25, "15:40"))  # the form change, worked on the visit

# the visit's checks: every due check normal, but on Wed 11-18 the file storage's disk
VISIT_VALUES = {
    "restore": "恢复演练记录在期内（10 月 28 日）", "disk": "使用率 62%", "backup": "昨夜备份成功",
    "service": "服务正常", "db-health": "连接数 80/500", "mail-queue": "队列 0 封",
    "cert": "剩余 180 天",
}  # fmt: skip
ABNORMAL = (date(2026, 11, 18), "files", "使用率 88%，超过 85% 阈值")

TRAINING = dict(
    topic="请假审批新流程操作培训", place="甲方三楼会议室", trainer="李明",
    departments=["办公室", "信息中心"],
    materials=["OA 用户手册 第2章 请假审批（两级审批、年假余额）", "请假统计报表使用说明"],
    seats=8,
)  # fmt: skip
ATTENDEES = [("王芳", "办公室"), ("孙丽", "办公室"), ("赵强", "信息中心"), ("周杰", "信息中心"),
             ("陈静", "办公室")]  # fmt: skip

UPGRADE = dict(
    target="platform", title="OA 平台安全补丁升级（V5.1.3 → V5.1.4）",
    system="OA 应用服务器 OA01", from_version="V5.1.3", to_version="V5.1.4",
    checks=["磁盘剩余空间不少于 20GB", "OA 程序目录与数据库已完整备份并验证"],
    steps=["停止 OA 应用服务", "部署 V5.1.4 补丁包", "执行补丁附带的数据库脚本",
           "启动 OA 应用服务"],
    rollback=["停止 OA 应用服务", "恢复升级前的程序目录与数据库备份", "启动 V5.1.3"],
    tests=["从办公网登录 OA 首页", "发起并审批一张请假单", "打开一份公文附件预览"],
)  # fmt: skip


def _standin(run: DemoRun) -> Path:
    return run.out / "var" / "oa-standin.db"


def _table(run: DemoRun, present: bool) -> None:
    """The stand-in OA database: its user table there (answers the probe) or lost."""
    import sqlite3

    with sqlite3.connect(_standin(run)) as c:
        if present:
            c.execute(f"CREATE TABLE IF NOT EXISTS {STANDIN_TABLE} (id INTEGER, name TEXT)")
            if not c.execute(f"SELECT count(*) FROM {STANDIN_TABLE}").fetchone()[0]:
                c.executemany(f"INSERT INTO {STANDIN_TABLE} VALUES (?, ?)",
                              [(1, "王芳"), (2, "赵强"), (3, "孙丽")])  # fmt: skip
        else:
            c.execute(f"DROP TABLE IF EXISTS {STANDIN_TABLE}")


# --- the plan, its handbook, the remote watch ------------------------------------------------


def _watch_set_up(run: DemoRun) -> None:
    """Before the month: the OA database watched by a probe (its address in an environment
    variable), the October backups and the quarter's restore test on record."""
    from changeflow.tasks import probes

    _table(run, True)
    os.environ[STANDIN_ENV] = f"sqlite:///{_standin(run)}"
    with as_of(run.now, "remote watch"):
        probes.add_target(name="oa-db", kind="db", secret=f"env:{STANDIN_ENV}", system="database",
                          params={"query": f"SELECT count(*) FROM {STANDIN_TABLE}",
                                  "fail_after": 2, "recover_after": 2},
                          contract=CONTRACT, actor="李明", channel="ui")  # fmt: skip
        probes.record("restore-test", what="OA 数据库恢复演练", location="甲方测试服务器",
                      at=at(date(2026, 10, 28), "10:00"), verified_by="张伟",
                      restore_minutes=42, contract=CONTRACT, actor="张伟",
                      now=run.now)  # fmt: skip
        _backup(run, date(2026, 10, 31))
    run.step("watch", "oa-db (OA 数据库)", "probe added; October backups and restore test")


def _backup(run: DemoRun, day: date) -> None:
    from changeflow.tasks import probes

    probes.record("backup", what="OA 数据库全量备份", location="备份服务器 /backup/oa",
                  at=at(day, "01:00"), verified_by="张伟", verified=True,
                  contract=CONTRACT, actor="张伟", now=at(day, "01:05"))  # fmt: skip


def _backup_event(day: date) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        """The night's backup, as the backup job logs it."""
        _backup(run, day)

    return event


def _round(run: DemoRun) -> None:
    from changeflow.tasks.probes import probe_round

    r = probe_round(now=run.now, contract=CONTRACT, notify=False)
    for o in r["opened"]:
        if "fault" in o:
            run.keys["probe_fault"] = o["fault"]
            run.step("probe", f"{o['probe']}: fault {o['fault']} opened",
                     f"{o['severity']}, detected {o['detected']}")  # fmt: skip
    for o in r["recovered"]:
        run.step("probe", f"{o.get('probe', '')}: recovered", str(o.get("fault", "")))


def _outage(present: bool) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        _table(run, present)
        if present:
            later(run, run.now + timedelta(minutes=50), "probe fault closed", _probe_fault_closed)

    return event


def _probe_fault_closed(run: DemoRun) -> None:
    _close_fault(run, run.keys["probe_fault"],
                 [nov(12, "10:12"), nov(12, "10:20"), nov(12, "10:40"), nov(12, "11:30")], (
        "OA 数据库无法查询：用户表丢失，登录与流程审批中断",
        "数据库维护脚本误删用户表（脚本未区分测试库与生产库）",
        "从当日 01:00 的全量备份恢复用户表，核对记录数后恢复服务",
        "维护脚本执行前须核对连接的数据库；生产库维护改由两人复核",
        ["远程探测报警后登录数据库服务器确认用户表丢失", "从当日 01:00 全量备份恢复用户表",
         "核对记录数并验证登录与审批"], "赵强"))  # fmt: skip


def _close_fault(run: DemoRun, key: str, times: list[datetime], why: tuple) -> None:
    """The engineer's stamps (response, on site, resolved, closed) and the fault record."""
    from changeflow.settings import get_settings
    from changeflow.tasks.maintenance import fault_record, record_fault_details, stamp

    assessment, root, solution, prevention, steps, confirmed_by = why
    for what, when in zip(("respond", "onsite", "resolve", "close"), times, strict=True):
        stamp(key, what, at=when, actor="张伟", channel="ui")
    closed = times[-1]
    with as_of(closed + timedelta(minutes=20), "fault record"):
        record_fault_details(
            key, assessment=assessment, test_report="修复后验证相关功能正常", solution=solution,
            steps=steps, root_cause=root, prevention=prevention, confirmed_by=confirmed_by,
            confirmed_on=closed.astimezone(get_settings().tz).date().isoformat(),
            confirmation="已恢复正常，确认处理完毕", actor="张伟",
        )  # fmt: skip
        doc = fault_record(key)
    run.step("fault", f"{key} closed", f"fault record v{doc['version']}")


def _plan_issued(run: DemoRun) -> None:
    """The maintenance plan of the contract year loaded and issued for the client's
    confirmation; the handbook (维护文档和应急措施) made from it."""
    from changeflow.tasks.maintplan.documents import plan_document
    from changeflow.tasks.maintplan.plan import load_plan

    with as_of(run.now, "maintenance plan"):
        load_plan(examples_dir() / "maintplan.yaml", contract=CONTRACT, actor="李明",
                  channel="ui")  # fmt: skip
        doc = plan_document(CONTRACT, now=run.now, actor="李明", channel="ui")
    run.keys["maintplan"] = doc["path"]
    run.step("maintplan", "日常维护服务计划", f"issued {Path(doc['path']).name}")
    later(run, run.now + timedelta(minutes=90), "handbook", _handbook)


def _handbook(run: DemoRun) -> None:
    from changeflow.tasks.maintplan.handbook import issue_handbook

    with as_of(run.now, "handbook"):
        doc = issue_handbook(CONTRACT, now=run.now, note="依据日常维护服务计划编制",
                             actor="李明", channel="ui")  # fmt: skip
    assert doc is not None
    run.step("maintplan", "维护文档和应急措施", Path(doc["path"]).name)


def _sign(path: Path, fields: dict[str, tuple[str, str]], values: dict[str, str]) -> bytes:
    """Type into a sign-off table by its printed (Chinese) labels, as the client does."""
    import docx

    labels = {pair[0]: name for name, pair in fields.items()}
    d = docx.Document(str(path))
    for t in d.tables:
        for row in t.rows:
            name = labels.get(row.cells[0].text.strip())
            if name in values and len(row.cells) >= 2:
                row.cells[-1].text = values[name]
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _stored(rel: str) -> Path:
    from changeflow.settings import get_settings

    p = Path(rel)
    return p if p.is_absolute() else get_settings().store_dir / rel


def _plan_signed(run: DemoRun) -> None:
    from changeflow.docs_templates.tpl_maintplan import CONFIRM_FIELDS

    data = _sign(_stored(run.keys["maintplan"]), CONFIRM_FIELDS, {
        "result": "无异议", "remarks": "同意按计划执行", "signer": "王芳",
        "date": run.now.date().isoformat()})  # fmt: skip
    to_inbox(data, "日常维护服务计划-已确认.docx")
    with as_of(run.now, "returned maintenance plan"):
        inbox_pass(run, "returned maintenance plan")


# --- the visits' checks --------------------------------------------------------------------


def _order_on(day: date) -> str:
    from sqlalchemy import select

    from changeflow.db.maintenance import DispatchOrder
    from changeflow.db.session import transaction

    first, last = at(day, "00:00"), at(day, "23:59")
    with transaction() as s:
        number = s.scalar(select(DispatchOrder.number).where(
            DispatchOrder.kind == "weekly-visit", DispatchOrder.planned_start >= first,
            DispatchOrder.planned_start <= last))  # fmt: skip
    assert number, f"no visit order on {day}"
    return number


def _checks_event(day: date) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        """张伟 records every check due on the visit's order (14:10 on, five minutes apart);
        an abnormal one opens a fault, closed the next morning."""
        from changeflow.tasks.maintplan import due_checks, record_check

        number = _order_on(day)
        due = due_checks(number, lang="zh-CN")["checks"]
        when = at(day, "14:10")
        for c in due:
            bad = day == ABNORMAL[0] and c["code"].startswith(ABNORMAL[1])
            value = ABNORMAL[2] if bad else next(
                (v for k, v in VISIT_VALUES.items() if k in c["code"]), "正常")  # fmt: skip
            r = record_check(number, c["code"], result="异常" if bad else "正常", value=value,
                             engineer="张伟", at=when, channel="ui")  # fmt: skip
            if r.get("fault"):
                run.keys["check_fault"] = r["fault"]
                run.step("visit check", f"{number} {c['code']}: abnormal",
                         f"fault {r['fault']} opened")  # fmt: skip
                later(run, nov(19, "11:30"), "check fault closed", _check_fault_closed(when))
            when += timedelta(minutes=5)
        run.step("visit check", f"{number}: {len(due)} check(s)", f"{day} by 张伟")

    return event


def _check_fault_closed(found: datetime) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        _close_fault(run, run.keys["check_fault"],
                     [found + timedelta(minutes=10), found + timedelta(minutes=10),
                      nov(19, "11:00"), nov(19, "11:30")], (
            "文件存储磁盘使用率 88%，超过 85% 阈值；暂不影响使用",
            "公文附件归档目录未按期清理，历年附件均留在在线存储",
            "将 2023 年以前的公文附件迁移至归档存储，使用率降至 61%",
            "每季度迁移一次旧附件；巡检继续关注使用率",
            ["统计各目录占用空间", "迁移 2023 年以前的附件至归档存储", "核对迁移后附件可打开"],
            "王芳"))  # fmt: skip

    return event


def _restore_test(run: DemoRun) -> None:
    from changeflow.tasks import probes

    with as_of(run.now, "restore test"):
        probes.record("restore-test", what="OA 数据库恢复演练（11 月 17 日全量备份）",
                      location="甲方测试服务器", at=run.now, verified_by="张伟",
                      restore_minutes=38, note="恢复后核对用户表与公文表记录数一致",
                      contract=CONTRACT, actor="张伟", now=run.now)  # fmt: skip
    run.step("backup", "restore test verified", "38 min, by 张伟")


# --- service requests ----------------------------------------------------------------------


def _service_received(spec: tuple) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        from changeflow.tasks.servicereq import assign_service, new_service

        act, cat, title, desc, who, dept, received, answered, *_ = spec
        with as_of(received, "service request"):
            sr = new_service(category=cat, title=title, description=desc, requester=who,
                             department=dept, contract=CONTRACT, channel="ui",
                             received_at=received, actor="李明")  # fmt: skip
        run.keys[act] = sr["key"]
        assign_service(sr["key"], "张伟", at=answered, actor="李明", channel="ui")
        run.step("service", f"{sr['key']} {title}", f"{who}（{dept}） {text(received)}")
        work = spec[8]
        if work != "visit":
            later(run, spec[9], f"{act} worked", _service_worked(spec))

    return event


def _service_worked(spec: tuple) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        from changeflow.tasks.servicereq import (
            finish_service,
            record_permission_change,
            record_work,
        )

        act, cat = spec[0], spec[1]
        key = run.keys[act]
        work, finished, resolution, (via, confirmed) = spec[8], spec[9], spec[10], spec[11]
        if work == "visit":
            start, end, dispatch = *FW_VISIT, _order_on(FW_VISIT[0].date())
        else:
            (start, end), dispatch = work, ""
        with as_of(end, "service work"):
            record_work(key, engineer="张伟", start=start, end=end, dispatch=dispatch,
                        note=resolution, actor="张伟", channel="ui")  # fmt: skip
        if cat == "account":
            for account, change, when in PERMISSIONS:
                record_permission_change(key, department=spec[5], asked_by=spec[4],
                                         authorised_by="王芳", change=change, account=account,
                                         at=when, actor="张伟", channel="ui")  # fmt: skip
        finish_service(key, resolution=resolution, at=finished, actor="张伟", channel="ui")
        run.step("service", f"{key} done", f"{text(start)} - {end:%H:%M}"
                 + (f" on {dispatch}" if dispatch else ""))  # fmt: skip
        if confirmed is not None:
            later(run, confirmed, f"{act} confirmed", _service_confirmed(key, spec[4], via))

    return event


def _service_confirmed(key: str, who: str, via: str) -> Callable[[DemoRun], None]:
    def event(run: DemoRun) -> None:
        from changeflow.tasks.servicereq import confirm_service

        confirm_service(key, by=who, via=via, at=run.now, actor="李明",
                        note="已确认，问题解决")  # fmt: skip
        run.step("service", f"{key} confirmed", f"by {who} ({via})")

    return event


# --- training, the OA manual, the upgrade ----------------------------------------------------


def _training_planned(run: DemoRun) -> None:
    from changeflow.tasks.training import plan_training

    start, end = nov(26, "14:00"), nov(26, "16:00")
    with as_of(run.now, "training"):
        t = plan_training(**TRAINING, starts_at=start, ends_at=end, contract=CONTRACT,
                          lang="zh-CN", actor="李明", channel="ui")  # fmt: skip
    run.keys["training"] = t["number"]
    run.keys["training_sheet"] = t["document"]
    run.step("training", f"{t['number']} {TRAINING['topic']}", f"{text(start)} - {end:%H:%M}")


def _training_signed(run: DemoRun) -> None:
    """The attendees sign the register; 王芳 fills the confirmation; the sheet is mailed
    back and the inbox records it."""
    import docx

    from changeflow.docs_templates.tpl_signin import SIGNOFF_FIELDS

    src = _stored(run.keys["training_sheet"])
    d = docx.Document(str(src))
    registers = [t for t in d.tables if t.rows[0].cells[0].text.strip() == "序号"
                 and t.rows[0].cells[1].text.strip() == "姓名"]  # fmt: skip
    for row, (name, dept) in zip(registers[0].rows[1:], ATTENDEES, strict=False):
        row.cells[1].text, row.cells[2].text, row.cells[3].text = name, dept, name
    tmp = run.out / "var" / "signin-register.docx"
    d.save(str(tmp))
    data = _sign(tmp, SIGNOFF_FIELDS, {
        "attended": str(len(ATTENDEES)), "satisfaction": "5",
        "feedback": "讲解清楚，希望再讲一次统计报表。", "signer": "王芳",
        "date": run.now.date().isoformat()})  # fmt: skip
    tmp.unlink()
    to_inbox(data, f"{run.keys['training']}-培训签到表-回签.docx")
    with as_of(run.now, "returned sign-in sheet"):
        inbox_pass(run, "returned sign-in sheet")


def _oa_manual(run: DemoRun) -> None:
    """The client's OA manual with the accepted request's chapters, as its next version;
    once: if acceptance has merged it already (or an earlier pass), nothing new is made."""
    from changeflow.tasks.oamanual import manual_history, merge_accepted

    key = run.keys["main"]
    merged = [h for h in manual_history(CONTRACT) if key in (h.get("requests") or [])]
    if not merged:
        with as_of(run.now, "OA manual"):
            r = merge_accepted(CONTRACT, lang="zh-CN", actor="李明")
        merged = [h for h in manual_history(CONTRACT) if key in (h.get("requests") or [])]
        run.step("oa manual", "merged", str(r.get("version", r)))
    assert merged, f"the OA manual has no version with {key}"
    run.step("oa manual", f"v{merged[-1]['version']}", f"with {key}")


def _upgrade_planned(run: DemoRun) -> None:
    from changeflow.tasks.upgrades import plan_upgrade

    with as_of(run.now, "upgrade plan"):
        p = plan_upgrade(**UPGRADE, window_start=nov(28, "20:00"), window_end=nov(28, "22:00"),
                         contract=CONTRACT, lang="zh-CN", actor="李明", channel="ui")  # fmt: skip
    run.keys["upgrade"] = p["number"]
    run.keys["upgrade_plan"] = p["document"]
    run.step("upgrade", f"{p['number']} {UPGRADE['title']}", "plan issued")


def _upgrade_approved(run: DemoRun) -> None:
    from changeflow.docs_templates.labels import APPROVAL_FIELDS

    data = _sign(_stored(run.keys["upgrade_plan"]), APPROVAL_FIELDS, {
        "decision": "同意", "approver": "王芳", "date": run.now.date().isoformat(),
        "comment": "同意在周六晚间窗口实施。"})  # fmt: skip
    to_inbox(data, f"{run.keys['upgrade']}-升级方案-回签.docx")
    with as_of(run.now, "returned upgrade plan"):
        inbox_pass(run, "returned upgrade plan")


def _upgrade_done(run: DemoRun) -> None:
    from changeflow.tasks.upgrades import record_upgrade

    with as_of(run.now, "upgrade record"):
        r = record_upgrade(
            run.keys["upgrade"], started=nov(28, "20:05"), ended=nov(28, "21:40"),
            results=["1=剩余 46GB，通过", "2=通过", "3=登录正常", "4=通过", "5=通过"],
            notes="按计划完成，未回退。", lang="zh-CN", actor="张伟", channel="ui",
        )  # fmt: skip
    run.step("upgrade", f"{run.keys['upgrade']} {r['state']}", Path(r["record"]).name)


# --- after the month -----------------------------------------------------------------------


def _runlog_document(run: DemoRun) -> None:
    from changeflow.tasks.maintplan.handbook import runlog_document

    month = f"{FIRST:%Y-%m}"
    with as_of(run.now, "run log"):
        r = runlog_document(month, CONTRACT, lang="zh-CN", now=run.now, actor="李明")
    run.step("run log", f"运行日志 {month}", Path(r["path"]).name)


def _permlog(run: DemoRun) -> None:
    from changeflow.tasks.servicereq.record import make_permlog

    month = f"{FIRST:%Y-%m}"
    with as_of(run.now, "permission record"):
        r = make_permlog(month=month, contract=CONTRACT, lang="zh-CN", actor="李明")
    run.step("permissions", f"账号权限变更记录 {month}", Path(r["path"]).name)


def events(acts: dict[str, datetime]) -> list[tuple[datetime, str, Callable[[DemoRun], Any]]]:
    """The maintenance half's events at their times (``days.upkeep_acts``), with the probe
    rounds (every four hours, every five minutes around the outage) and the nightly backups."""
    out: list[tuple[datetime, str, Callable[[DemoRun], Any]]] = [
        (acts["watch"], "remote watch", _watch_set_up),
        (acts["maintplan"], "maintenance plan", _plan_issued),
        (acts["maintplan_signed"], "maintenance plan signed", _plan_signed),
        (acts["outage"], "OA database table lost", _outage(False)),
        (acts["restored"], "OA database restored", _outage(True)),
        (acts["restore_test"], "restore test", _restore_test),
        (acts["training"], "training planned", _training_planned),
        (acts["training_signed"], "training sheet returned", _training_signed),
        (acts["oa_manual"], "OA manual", _oa_manual),
        (acts["upgrade"], "upgrade planned", _upgrade_planned),
        (acts["upgrade_approved"], "upgrade approved", _upgrade_approved),
        (acts["upgrade_done"], "upgrade recorded", _upgrade_done),
        (acts["runlog"], "run log document", _runlog_document),
        (acts["permlog"], "permission record", _permlog),
    ]
    for spec in SERVICES:
        out.append((spec[6], spec[0], _service_received(spec)))
        if spec[8] == "visit":
            out.append((FW_VISIT[1] + timedelta(minutes=5), f"{spec[0]} worked",
                        _service_worked(spec)))  # fmt: skip
    day = FIRST
    while day <= LAST:
        out.append((at(day, "01:05"), f"backup {day}", _backup_event(day)))
        if day.weekday() == 2:
            out.append((at(day, "15:30"), f"visit checks {day}", _checks_event(day)))
        day += timedelta(days=1)
    rounds, t = set(), at(FIRST, "00:02")
    while t < at(LAST + timedelta(days=1), "00:00"):
        rounds.add(t)
        t += timedelta(hours=4)
    t = acts["outage"] - timedelta(minutes=10)
    while t <= acts["restored"] + timedelta(minutes=30):
        rounds.add(t)
        t += timedelta(minutes=5)
    out += [(r, "probe round", _round) for r in sorted(rounds)]
    return out
