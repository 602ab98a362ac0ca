"""The whole lifecycle, intake to acceptance, on the embedded default (SQLite).

Figure: the demo's stages as a lead runs them, through the Prefect flows reporting to a
local Prefect server (started once, outside the timing). Floor: the same stages calling the
same domain functions directly, without Prefect, in the same run. The difference is the
orchestration overhead, reported as a ratio and in seconds.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import restore_env, row


def _domain_stages() -> list[Any]:
    """The demo's stages with every flow call replaced by its domain function."""
    from changeflow.cli import demo as dl
    from changeflow.cli.demo import DemoRun, examples_dir, step_setup
    from changeflow.cli.demo.client import tick_rows
    from changeflow.cli.demo.days import as_of, fixed_acts, text
    from changeflow.tasks import acceptance, delivery_docs, gitsync, golive, inbox, signoff, testing
    from changeflow.tasks.intake import intake, intake_file
    from changeflow.tasks.planning import make_plan
    from changeflow.tasks.taskbook import read_taskbook

    acts = fixed_acts()

    def step_intake(run: DemoRun) -> None:
        run.keys["main"] = intake_file(
            examples_dir() / "taskbook.docx", channel="document", at=text(acts["intake"])
        ).key
        book, _ = read_taskbook(examples_dir() / "taskbook.yaml")
        book = book.model_copy(update={"project": book.project + "（表单录入）"})
        entered = text(acts["form_intake"])
        run.keys["form"] = intake(book, actor="李明", channel="ui", at=entered).key

    def step_plan(run: DemoRun) -> None:
        # the demo's estimates (its commits follow the plan's items), as the form sends them
        from changeflow.cli.demo.lifecycle import ESTIMATES
        from changeflow.flows.plan import EstimateRow, PlanInput, form_estimates

        rows = [EstimateRow(requirement=r, phase=ph, role=role, person_days=d, assignee=who,
                            title=title) for r, ph, role, d, who, title in ESTIMATES]  # fmt: skip
        data, source = form_estimates(PlanInput(key=run.keys["main"], estimates_table=rows))
        make_plan(run.keys["main"], estimates=data, estimates_source=source, actor="李明",
                  issue=True, at=text(acts["plan"]))  # fmt: skip

    def step_approval(run: DemoRun) -> None:
        from changeflow.docs_templates.labels import APPROVAL_FIELDS

        key = run.keys["main"]
        zh = {name: pair[0] for name, pair in APPROVAL_FIELDS.items()}
        filled = dl.fill_form(dl.newest_document(key, "plan"), {
            zh["decision"]: "同意", zh["approver"]: "王芳",
            zh["date"]: "2026-11-05", zh["comment"]: "同意",
        })  # fmt: skip
        dl.to_inbox(filled, f"{key}-实施计划-回签.docx")
        with as_of(acts["approval"], "returned plan"):
            inbox.process_inbox()

    def step_sync(run: DemoRun) -> None:
        # after the last planned day of work, an hour before the test (as the demo syncs)
        with as_of(run.times["test"] - timedelta(hours=1), "sync"):
            gitsync.sync()

    def step_test(run: DemoRun) -> None:
        from changeflow.cli.demo.lifecycle import MANUAL_RESULTS

        testing.run_tests_from_files(
            run.keys["main"], result_rows=MANUAL_RESULTS, actor="张伟", at=text(run.times["test"])
        )

    def step_docs(run: DemoRun) -> None:
        # each role chapter's screen, as the demo gives them (a final manual needs them all)
        screens = {"请假单界面.png": "form", "审批界面.png": "approve", "同步管理界面.png": "sync"}
        shots = [delivery_docs.check_screenshot(dl.sample_screenshot(s), n)
                 for n, s in screens.items()]  # fmt: skip
        delivery_docs.make_docs(run.keys["main"], notes=dl.design_notes(), screenshots=shots,
                                actor="张伟", at=text(run.times["docs"]))  # fmt: skip

    def step_golive(run: DemoRun) -> None:
        golive.golive(run.keys["main"], actor="张伟", at=text(run.times["golive"]))

    def step_acceptance(run: DemoRun) -> None:
        key = run.keys["main"]
        cert = acceptance.issue_certificate(
            key, actor="李明", at=text(run.times["acceptance"])
        ).as_dict()
        labels = signoff.printed_labels("zh-CN")
        filled = dl.fill_form(Path(cert["document"]), {
            labels["decision"]: "通过", labels["approver"]: "王芳",
            labels["date"]: run.times["signed"].date().isoformat(), labels["comment"]: "同意验收",
        })  # fmt: skip
        # 王芳 ticks 通过 on every requirement row too, as the demo's client does
        dl.to_inbox(tick_rows(filled), f"{key}-验收单-回签.docx")
        with as_of(run.times["signed"], "returned certificate"):
            inbox.process_inbox()

    return [step_setup, step_intake, step_plan, step_approval, dl.step_repository,
            dl.step_kickoff, dl.step_commits, step_sync, step_test, step_docs, step_golive,
            step_acceptance]  # fmt: skip


def _check_accepted(key: str, how: str) -> None:
    """The benchmark's own correctness check: the request ended accepted (else say where)."""
    from changeflow.tasks.status import request_status

    state = request_status(key)["state"]
    if state != "accepted":
        raise AssertionError(f"lifecycle {how}: {key} ended in {state!r}, not 'accepted'")


def _flow_stages() -> list[Any]:
    """The demo's development lifecycle only (its maintenance month and reports are not part
    of what the domain floor measures)."""
    from changeflow.cli.demo import LIFECYCLE, step_intake, step_setup

    return [step_setup, step_intake, *LIFECYCLE]


def run(quick: bool) -> list[dict[str, Any]]:
    from changeflow.cli.demo import run_demo
    from changeflow.cli.serving import ensure_server

    repeat = 1 if quick else 3
    saved = {k: os.environ.get(k) for k in ("CHANGEFLOW_HOME", "PREFECT_API_URL", "PREFECT_HOME")}
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        os.environ.pop("PREFECT_API_URL", None)
        os.environ["PREFECT_HOME"] = str(tmp / "prefect")
        from bench.bench_load import free_port

        server = ensure_server(port=free_port(), prefect_home=tmp / "prefect", wait=180)
        flows_s: list[float] = []
        floor_s: list[float] = []
        try:
            for i in range(repeat):
                t0 = time.perf_counter()
                r = run_demo(tmp / f"flows-{i}", stages=_flow_stages())
                flows_s.append(time.perf_counter() - t0)
                _check_accepted(r.keys["main"], "through the flows")
                t0 = time.perf_counter()
                r = run_demo(tmp / f"domain-{i}", use_server=False, stages=_domain_stages())
                floor_s.append(time.perf_counter() - t0)
                _check_accepted(r.keys["main"], "domain functions (the floor)")
        finally:
            from prefect.logging.handlers import APILogHandler

            APILogHandler().flush()
            server.stop()
            restore_env(saved)
    overhead = statistics.median(flows_s) - statistics.median(floor_s)
    return [
        row("lifecycle intake -> acceptance through Prefect flows (12 stages, 2 requests)",
            flows_s, "same stages, domain functions without Prefect", floor_s, target="-",
            overhead_s=round(overhead, 2)),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run(quick=True):
        print(r)
