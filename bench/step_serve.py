"""The child process of ``bench_step``: one Prefect Runner serving the registry's ``plan``
deployment exactly as ``changeflow up`` serves it (``runner_deployments``, the same poll
settings and environment) and the empty floor flow beside it.

``python -m bench.step_serve READY_FILE``: touches READY_FILE once polling; SIGTERM stops it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

SERVED = ("plan",)


async def serve(ready: Path) -> None:
    from prefect.runner import Runner

    from bench.step_flows import empty
    from changeflow.flows.deployments import runner_deployments

    runner = Runner(name=f"bench-step-{os.getpid()}")
    ours = [d for d in runner_deployments() if d.name.split(" ")[-1] in SERVED]
    floor = empty.to_deployment(name="bench-empty", _sync=True)
    floor.entrypoint = "bench/step_flows.py:empty"  # relative to the checkout, like ours
    for d in [*ours, floor]:
        await runner.aadd_deployment(d)
    asyncio.get_running_loop().call_later(0.5, ready.touch)
    await runner.start()


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1])))
