"""``probe-round`` (every 5 minutes): the probes that watch the client's systems, once.

Thin: the work is in ``tasks.probes.probe_round`` (results and state moves in one
transaction, a fault reported when a probe fails ``fail_after`` times in a row, the duty
staff told once, recoveries noted). The run's state message is the round's one line; the
results are a table artifact (probe names, values and short details: never an address).
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from changeflow.errors import ChangeflowError

from .common import outcome, publish_table, refused, timed_name
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
