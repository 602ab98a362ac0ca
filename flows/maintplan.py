"""The maintenance plan's flow: ``maintplan-check``, the engineer's form for one check's
result on a visit (正常/异常, the value read, a note). Thin: the work is in
``tasks.maintplan.record_check`` (an abnormal result opens a fault linked to the dispatch
order; every result goes into the day's run log). Bad input ends the run Failed with one
line naming the field; nothing is written.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from changeflow.errors import ChangeflowError

from .common import (
    AT_FIELD,
    AT_LABEL,
    bilingual_choice,
    code_of,
    md,
    outcome,
    publish_markdown,
    refused,
)
from .forms import flow

RESULTS = ("normal 正常", "abnormal 异常")


class CheckInput(BaseModel):
    """One check's result on a visit."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              title="巡检结果 Check result")  # fmt: skip

    order: str = Field(title="派工单号 Dispatch order", description="例如 PG-2026-0003",
                       min_length=1, max_length=20)  # fmt: skip
    check: str = Field(title="检查项目编号 Check", description="例如 oa-disk（maintplan due）",
                       min_length=1, max_length=40)  # fmt: skip
    result: Literal["normal 正常", "abnormal 异常"] = Field(title="结果 Result")
    value: str = Field("", title="读数 Value read", max_length=300)
    note: str = Field("", title="说明 Note", description="异常时必填 / required when abnormal",
                      max_length=4000)  # fmt: skip
    engineer: str = Field(title="检查人 Checked by", min_length=1, max_length=120)

    @field_validator("result", mode="before")
    @classmethod
    def _bilingual(cls, v: object) -> object:
        return bilingual_choice(v, RESULTS)


@flow(name="maintplan-check", flow_run_name="maintplan-check {entry.order}", log_prints=True)
def maintplan_check(
    entry: CheckInput,
    at: str = Field(**AT_FIELD),  # type: ignore[arg-type]
) -> Any:
    """Record one check's result on a visit; an abnormal one opens a fault on the order."""
    from changeflow.tasks.maintplan import record_check

    try:
        r = record_check(entry.order, entry.check, result=code_of(entry.result),
                         engineer=entry.engineer, value=entry.value, note=entry.note,
                         channel="ui", at=at, at_field=AT_LABEL)  # fmt: skip
    except ChangeflowError as exc:
        return refused("maintplan-check", exc, entry.order)
    fault = f"\n- 已开故障 Fault opened: **{r['fault']}**" if r["fault"] else ""
    publish_markdown(
        f"check-{r['order']}-{r['check']}".lower(),
        f"# {r['order']} · {md(r['check'])}\n- 结果 Result: **{entry.result}**"
        f"\n- 读数 Value: {md(r['value'] or '-')}{fault}",
        "Check result",
    )
    opened = f"，已开故障 fault {r['fault']} opened" if r["fault"] else ""
    return outcome(f"巡检已记录 Check recorded: {r['order']} {r['check']} {entry.result}{opened}",
                   r)  # fmt: skip
