"""Estimates from history: how far the suggested person-days land from the actual ones on
a generated history, beside the priority-only rule (the contract's estimation defaults) as
the floor.

The history: requests of one client, each requirement about one of a dozen topics (words
such as 财务系统集成, 发票附件校验, mixed with other words); its true developer effort
depends on the topic, not on the priority the client wrote (drawn at random); planned
person-days come from the priority rule; actual = topic effort x noise (log-normal, about
+-25 %). Each requirement is then estimated from all the other requests (leave one request
out). Figures are person-days of absolute error per requirement (``median_s`` holds the
median error here, not seconds), the mean absolute error beside the floor's and their
ratio (below 1: the history helps). A second row times ``suggest`` per requirement.
"""

from __future__ import annotations

import math
import random
import statistics
from decimal import Decimal
from typing import Any

from bench.common import row, timed

TOPICS = [
    ("与财务系统集成，同步报销凭证和付款状态", "8"),
    ("报销单必须上传发票附件，未上传不能提交", "1.5"),
    ("请假超过三天增加分管领导审批节点", "2"),
    ("新增请假统计报表，按部门和月份导出", "3"),
    ("合同审批流程增加法务会签", "2.5"),
    ("对接人事系统，同步组织架构和人员", "6"),
    ("公文模板增加红头和套打", "3.5"),
    ("移动端待办提醒推送到企业微信", "5"),
    ("会议室预约冲突检查和提醒", "2"),
    ("单点登录接入统一身份认证", "7"),
    ("档案借阅流程电子签名", "4"),
    ("车辆申请表单增加里程字段", "1"),
]
_FILLER = "请 需要 系统 功能 优化 支持 增加 用户 页面 数据 流程 表单 查询 导出 权限"
FILLER = _FILLER.split(" ")
PRIORITY_DEV = {"high": Decimal(5), "medium": Decimal(3), "low": Decimal("1.5")}


def _history(rng: random.Random, requests: int) -> list[list[tuple[str, str, Decimal, Decimal]]]:
    """Requests of (text, priority, planned, actual) requirements."""
    out = []
    for _ in range(requests):
        reqs = []
        for _ in range(rng.randint(2, 4)):
            topic, effort = rng.choice(TOPICS)
            extra = " ".join(rng.sample(FILLER, 3))
            prio = rng.choice(list(PRIORITY_DEV))
            actual = Decimal(effort) * Decimal(str(round(math.exp(rng.gauss(0, 0.25)), 3)))
            reqs.append(
                (f"{topic} {extra}", prio, PRIORITY_DEV[prio], actual.quantize(Decimal("0.01")))
            )
        out.append(reqs)
    return out


def run(quick: bool) -> list[dict[str, Any]]:
    from changeflow.tasks.planning.history import Past, suggest, words

    rng = random.Random(22)
    requests = 60 if quick else 200
    hist = _history(rng, requests)
    pasts = [
        [
            Past(f"R{i}", n, text, "developer", planned, actual, words=words(text))
            for n, (text, _, planned, actual) in enumerate(reqs, start=1)
        ]
        for i, reqs in enumerate(hist)
    ]
    err_sugg: list[float] = []
    err_floor: list[float] = []
    no_history = 0
    for i, reqs in enumerate(hist):
        others = [p for j, ps in enumerate(pasts) if j != i for p in ps]
        for text, _, planned, actual in reqs:
            got = suggest(text, "", ["developer"], others).get("developer")
            guess = got.person_days if got else planned
            no_history += got is None
            err_sugg.append(float(abs(guess - actual)))
            err_floor.append(float(abs(planned - actual)))
    mae = statistics.mean(err_sugg)
    floor = statistics.mean(err_floor)
    accuracy = row(
        "estimation error (person-days, leave-one-request-out)",
        err_sugg,
        "priority-only rule",
        err_floor,
        target="mean error well below the priority rule's",
        mean_error=round(mae, 3),
        floor_mean_error=round(floor, 3),
        error_ratio=round(mae / floor, 3),
        requirements=len(err_sugg),
        without_history=no_history,
    )
    flat = [p for ps in pasts for p in ps]
    texts = [r[0] for reqs in hist for r in reqs][:200]

    def suggest_all() -> None:
        for t in texts:
            suggest(t, "", ["developer"], flat)

    def floor_fn() -> None:
        for t in texts:
            words(t)

    timing = row(
        f"suggest for {len(texts)} requirements over {len(flat)} past ones",
        timed(suggest_all, repeat=3, warmup=1),
        "splitting the same texts into words",
        timed(floor_fn, repeat=3, warmup=1),
    )
    return [accuracy, timing]
