"""The floor of ``bench_step``: an empty flow, served beside the lead's step by the same
Runner (``bench.step_serve``), so it pays exactly what Prefect costs a served run: the
runner's poll, the flow-run process, Prefect's import and engine, the state reports."""

from __future__ import annotations

from prefect import flow


@flow(name="bench-empty", log_prints=True)
def empty() -> None:
    """Nothing: what a served deployment run costs before any of our work."""
