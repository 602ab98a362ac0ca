"""The maintenance half of the demo's November (issues #37/#38): the documents it makes agree
with each other and with the database: the statement's service requests, the record of
permission changes, the run log's visit checks and remote watch, the training's time, the OA
manual's version, the upgrade's plan and record. Read back from the .docx files of the one
demo the folder builds (``month``)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from tests.cli.demo.test_month_documents import one, when

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def _table(doc, first: str, having: str = "") -> list[list[str]]:
    """The rows under the header row whose first cell is ``first`` (and holds ``having``)."""
    rows = doc.rows
    i = next(i for i, r in enumerate(rows) if r and r[0] == first and (not having or having in r))
    out = []
    for r in rows[i + 1 :]:
        if not r or len(r) != len(rows[i]):
            break
        out.append(r)
    return out


def _services() -> list[dict]:
    from changeflow.tasks.servicereq import list_services

    return sorted(list_services(contract="OA-2026"), key=lambda s: s["key"])


def test_service_requests_agree_across_statement_permlog_and_database(month) -> None:
    from changeflow.tasks.servicereq.permissions import month_changes

    docs = month["docs"]
    st = one(docs, "月度服务对账单")
    rows = _table(st, "编号", "申请人")
    services = _services()
    assert [r[0] for r in rows] == [s["key"] for s in services] and len(rows) == 3
    assert all(r[4] == "已确认" for r in rows)
    assert {s["state"] for s in services} == {"confirmed"}
    assert {s["confirmed_via"] for s in services} >= {"dispatch", "ui"}
    # the permission changes: the statement's 账号权限 rows = the record's rows = the database
    perm = one(docs, "账号权限变更记录")
    changes = _table(perm, "日期", "授权人")
    db = month_changes("OA-2026", "2026-11")["rows"]
    assert len(changes) == len(db) == int(perm.value("本月变更数")) == 2
    assert {r[1] for r in changes} == {r[0] for r in rows if r[1] == "账号权限"}
    assert {r[6] for r in changes} == {"王芳"}  # the contract's authoriser for 办公室
    assert all(when(r[0]).date() == date(2026, 11, 9) for r in changes)
    # the one done on the visit is on that visit's signed order
    visit = next(s for s in services if s["confirmed_via"] == "dispatch")
    signed = [d for n, d in docs.items() if "派工单-甲方回签" in n and visit["key"] in d.text]
    assert len(signed) == 1 and when(signed[0].value("实际开始时间")).day == 25


def test_service_days_are_the_recorded_times(month) -> None:
    from sqlalchemy import select

    from changeflow.db.servicereq import ServiceRequest, ServiceWork
    from changeflow.db.session import transaction

    docs = month["docs"]
    st = one(docs, "月度服务对账单")
    rows = {r[0]: int(r[5]) for r in _table(st, "编号", "申请人")}
    with transaction() as s:
        worked = {}
        off_visit = 0
        for key, minutes, order in s.execute(
            select(ServiceRequest.key, ServiceWork.service_minutes, ServiceWork.dispatch_number)
            .join(ServiceWork, ServiceWork.service_id == ServiceRequest.id)
        ):  # fmt: skip
            worked[key] = worked.get(key, 0) + minutes
            off_visit += 0 if order else minutes
    assert rows == worked == {"FW-2026-0001": 45, "FW-2026-0002": 90, "FW-2026-0003": 40}
    orders = [d for n, d in docs.items() if re.search(r"派工单-v2", n)]
    visits = sum(Decimal(re.search(r"([\d.]+)\s*(?:个\s*)?服务天", d.value("计入服务时间"))
                         .group(1)) for d in orders)  # fmt: skip
    # the month's service days: the visits', the service requests' worked outside a visit
    # (the one on a visit is counted by its order) and the training held (120 minutes)
    month_days = Decimal(st.value("本月服务天数"))
    minutes = visits * 480 + off_visit + 120
    assert month_days == (minutes / 480).quantize(Decimal("0.01")) == Decimal("1.53")


def test_run_log_lists_the_visit_checks_and_the_probe_outage(month) -> None:
    from sqlalchemy import select

    from changeflow.db.maintplan import CheckResult
    from changeflow.db.session import transaction

    docs = month["docs"]
    log = one(docs, "运行日志")
    # the visit checks' rows (a row without a reading has one cell fewer)
    checks = [r for r in log.rows if len(r) >= 5 and re.fullmatch(r"PG-2026-\d{4}", r[1])]
    with transaction() as s:
        results = s.scalars(select(CheckResult)).all()
        abnormal = [r for r in results if r.result == "abnormal"]
    assert len(checks) == len(results) and len(abnormal) == 1
    assert {when(r[0]).weekday() for r in checks} == {2}  # on the Wednesday visits
    bad = [r for r in checks if r[4] == "异常"]
    assert len(bad) == 1 and "88%" in bad[0][5]
    assert log.value("巡检项次").startswith(f"{len(results)}（{len(results) - 1}/1）")
    fault = log.value("巡检发现的故障")
    assert re.fullmatch(r"GZ-2026-\d{4}", fault) and one(docs, fault, "故障处理记录")
    # the remote watch: the OA database down 40 minutes, one fault, the same on the statement
    watch = [r for r in log.rows if len(r) >= 5 and r[1] == "数据库连接与查询"]
    assert len(watch) == 1 and watch[0][3] == "40\u00a0分钟" and watch[0][4] == "1"
    st = one(docs, "月度服务对账单")
    assert f"可用率：OA 数据库 {watch[0][2]}（中断约 40\u00a0分钟，故障 1 次）" in st.text
    probe_fault = [n for n, d in docs.items() if "故障处理记录" in n and "自动探测" in d.text]
    assert len(probe_fault) == 1
    key = probe_fault[0].split("-故障")[0]
    assert key in "\n".join(r[0] for r in _table(st, "编号"))
    day = [r for r in log.rows if r and r[0] == "2026年11月12日"]
    assert day and "远程探测" in " ".join(day[0])
    # every working day kept, each visit's checks on its day
    assert log.value("缺少运行日志的工作日") == "无"


def test_training_time_on_the_statement_and_the_usage(month) -> None:
    from changeflow.tasks.maintenance import contract_usage
    from changeflow.tasks.training import list_trainings

    docs = month["docs"]
    [t] = list_trainings("OA-2026")
    assert t["state"] == "held" and t["service_minutes"] == 120
    sheet = one(docs, t["number"], "培训签到表-甲方回签")
    assert sheet.value("实到人数") == "5" and sheet.value("确认人") == "王芳"
    st = one(docs, "月度服务对账单")
    line = next(p for p in st.text.splitlines() if p.startswith("本期培训"))
    assert t["number"] in line and "计 0.25 个服务天" in line and "5 人" in line
    usage = contract_usage("OA-2026", today=date(2026, 11, 30))
    assert usage["training_days"] == Decimal("0.25")
    used, left, total = (Decimal(x) for x in st.value("年度服务天数").split(" / "))
    assert used == usage["days_used"] and used + left == total


def test_plan_manual_and_upgrade_documents(month) -> None:
    from changeflow.tasks.maintplan.documents import list_plan_documents
    from changeflow.tasks.oamanual import manual_history
    from changeflow.tasks.upgrades import list_upgrades

    docs, key = month["docs"], month["keys"]["main"]
    [plan] = [p for p in list_plan_documents("OA-2026") if p["lang"] == "zh-CN"]
    assert plan["state"] == "agreed" and plan["signer"] == "王芳"
    assert one(docs, "维护文档和应急措施-v1")
    # the OA manual: one version, with the accepted request, after its acceptance
    [v] = manual_history("OA-2026")
    assert v["requests"] == [key]
    accepted = when(one(docs, key, "验收单-回签").value("日期"))
    assert when(v["created_at"]) >= accepted
    manual = one(docs, "OA系统使用手册")
    assert key in manual.text
    # the upgrade: planned, approved before its window, recorded after
    [u] = list_upgrades("OA-2026")
    assert u["state"] == "done"
    approved = when(one(docs, u["number"], "升级方案-甲方回签").value("日期"))
    record = one(docs, u["number"], "升级记录")
    assert approved.date() < date(2026, 11, 28) and "王芳，2026年11月25日同意" in record.text


def test_the_board_agrees_with_the_statement(month) -> None:
    """The board as of the statement's morning: no service request or fault left open (the
    statement lists them all confirmed and closed), the same service days used, the OA
    manual's newest version."""
    from changeflow.cli.demo.days import at
    from changeflow.tasks.board.facts import board_facts
    from changeflow.tasks.oamanual import manual_history

    docs = month["docs"]
    st = one(docs, "月度服务对账单")
    board = board_facts(now=at(date(2026, 12, 1), "10:00"))
    assert board["services"] == [] and board["faults"] == []
    [k] = [c for c in board["contracts"] if c["code"] == "OA-2026"]
    used, left, _ = (Decimal(x) for x in st.value("年度服务天数").split(" / "))
    assert (k["days"]["days_used"], k["days"]["days_left"]) == (used, left)
    assert k["days"]["training_days"] == Decimal("0.25")
    assert k["oa_manual"]["version"] == manual_history("OA-2026")[-1]["version"]
