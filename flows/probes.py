"""``probe-round`` (every 5 minutes): the probes that watch the client's systems, once;
``oa-backup``: a backup of the client's OA system or a restore test, recorded from a form.

Thin: the work is in ``tasks.probes.probe_round`` (results and state moves in one
transaction, a fault reported when a probe fails ``fail_after`` times in a row, the duty
staff told once, recoveries noted). The run's state message is the round's one line; the
results are a table artifact (probe names, values and short details: never an address).
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field, field_validator

from changeflow.errors import ChangeflowError

from .common import (
    AT_FIELD,
    BY,
    bilingual_choice,
    code_of,
    md,
    outcome,
    publish_markdown,
    publish_table,
    refused,
    timed_name,
)
from .forms import flow


@flow(name="probe-round", flow_run_name=timed_name("probe-round"), log_prints=True)
def probe_round(
    contract: str = Field("", title="合同编号 Contract", description="留空：全部合同 / empty: all"),
    notify: bool = Field(True, title="通知值班人员 Notify the duty staff"),
) -> Any:
    """Check every active probe once; open a fault after N failures in a row, note recoveries."""
    from changeflow.tasks.probes import probe_round as run

    try:
        out = task(run, name="probe-round", cache_policy=NO_CACHE)(
            contract=contract or None, notify=notify
        )
    except ChangeflowError as exc:
        return refused("probe-round", exc)
    if out["results"]:
        publish_table("probe-round", out["results"], "Probe results of this round")
    if out["opened"] or out["recovered"]:
        publish_table("probe-round-faults",
                      [{**o, "what": "opened"} for o in out["opened"]]
                      + [{**o, "what": "recovered"} for o in out["recovered"]],
                      "Faults opened and recoveries noted")  # fmt: skip
    failed = out["notices"]["failed"]
    if failed or any("error" in o for o in out["opened"]):
        from prefect.states import Failed

        why = failed[0]["error"] if failed else next(o["error"] for o in out["opened"]
                                                      if "error" in o)  # fmt: skip
        line = f"失败 Failed: {out['line']}; {why}"[:900]
        print(line)
        return Failed(message=line, data=out)
    return outcome(f"探测 Probes: {out['line']}", out)


KINDS = ("backup 备份", "restore-test 恢复测试")


class OaBackupInput(BaseModel):
    """A backup of the client's OA system, or a restore test of one (系统备份与恢复)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              title="OA 系统备份 OA backup")  # fmt: skip

    kind: Literal["backup 备份", "restore-test 恢复测试"] = Field(title="类别 Kind")
    what: str = Field(title="备份内容 What", min_length=1, max_length=200)
    location: str = Field("", title="存放位置 Where", max_length=300)
    at: str = Field(**AT_FIELD)
    verified_by: str = Field("", title="核验人 Verified by", max_length=120)
    verified: bool = Field(False, title="已核验 Verified")
    restore_minutes: int | None = Field(
        None, title="恢复用时（分钟）Restore minutes", ge=0,
        description="恢复测试必填 / required for a restore test")  # fmt: skip
    note: str = Field("", title="备注 Note", max_length=4000)
    contract: str | None = Field(None, title="服务合同 Contract", description="留空为当前合同")

    @field_validator("kind", mode="before")
    @classmethod
    def _bilingual(cls, v: object) -> object:
        return bilingual_choice(v, KINDS)


@flow(name="oa-backup", log_prints=True)
def oa_backup(entry: OaBackupInput, done_by: str = BY) -> Any:
    """Record a backup of the client's OA system or a restore test of one."""
    from changeflow.tasks.probes import record

    try:
        v = task(record, name="oa-backup", cache_policy=NO_CACHE)(
            code_of(entry.kind), what=entry.what, location=entry.location, at=entry.at or None,
            verified_by=entry.verified_by, verified=entry.verified,
            restore_minutes=entry.restore_minutes, note=entry.note, contract=entry.contract,
            actor=done_by,
        )  # fmt: skip
    except ChangeflowError as exc:
        return refused("oa-backup", exc)
    what = "恢复测试 restore test" if v["kind"] == "restore-test" else "备份 backup"
    publish_markdown("oa-backup", "\n".join([
        f"# {what}: {md(v['what'])}",
        f"- 时间 When: {v['at']}  位置 Where: {md(v['location'] or '-')}",
        f"- 核验人 Verified by: {md(v['verified_by'] or '-')}"
        + (f"  恢复用时 Restore: {v['restore_minutes']} min" if v["restore_minutes"] is not None
           else ""),
    ]), "OA backup recorded")  # fmt: skip
    return outcome(f"{v['contract']} {what} {v['what']} {v['at']} 已登记 recorded", v)
