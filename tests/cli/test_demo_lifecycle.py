"""The whole demo (the README's first command): the main request ends accepted with every
stage's document and the release tagged; the maintenance month (two faults with their clocks,
a weekly visit signed off by the client, the run log, the service days used), the weekly
report and the SLA report; the summary names every document with its kind and path."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def test_demo_lifecycle_to_acceptance(demo_run, cf_home, tmp_path, monkeypatch) -> None:
    import git as gitpython

    from changeflow.tasks.status import request_status
    from tests.support.demo import demo_copy

    out = tmp_path / "demo-out"
    run = demo_copy(demo_run, out, monkeypatch)  # the session's one demo, a copy of our own
    key = run.keys["main"]
    st = request_status(key)
    assert st["state"] == "accepted"
    path = [e["to"] for e in st["timeline"]]
    assert path == ["submitted", "planned", "approved", "in_development", "in_testing", "live",
                    "accepted"]  # fmt: skip
    channels = {e["to"]: e["channel"] for e in st["timeline"]}
    assert channels["approved"] == channels["accepted"] == "document"
    names = {p.name for p in (out / "documents" / key).iterdir()}
    for name in ("实施计划和费用预算", "测试报告", "上线记录", "技术文档", "用户手册", "验收单"):
        assert f"{key}-{name}-v1.docx" in names, name  # one scheme (tasks.documents.names)
    assert any("验收单-回签" in n for n in names) and any("实施计划-回签" in n for n in names)
    tags = {t.name for t in gitpython.Repo(out / "repo").tags}
    assert tags == {f"release/{key}-v1"}
    stages = [r["stage"] for r in run.rows]
    # the manual before the test (the report cites its chapters), the design after it
    assert stages.index("manual") < stages.index("test") < stages.index("docs")
    assert stages.index("docs") < stages.index("golive")  # as the README
    assert stages.index("golive") < stages.index("acceptance")
    assert st["delivery"]["test_runs"][0]["passed"] is True
    assert Path(out / "contract.yaml").is_file()
    # the maintenance month
    from changeflow.tasks.maintenance import contract_usage, get_fault, list_dispatch

    crash, other = run.keys["faults"].split(",")
    c, o = get_fault(crash), get_fault(other)
    assert (c["severity"], c["state"], o["state"]) == ("crash", "closed", "closed")
    assert c["response"]["status"] == "breached" and c["onsite"]["status"] == "met"
    orders = list_dispatch()
    assert len(orders) == 4  # every Wednesday of November 2026
    for order in orders:
        assert order["kind"] == "weekly-visit" and order["state"] == "signed"
        assert order["satisfaction"] == 5
    assert contract_usage()["days_used"] > 0
    assert "run log" in stages and "service days" in stages
    # every document in the summary, with its kind and a path that exists
    kinds = [d["kind"] for d in run.documents]
    for kind in ("fault-record", "dispatch", "dispatch-returned", "weekly-report",
                 "sla-report", "maintplan", "handbook", "runlog", "signin", "permlog",
                 "upgrade", "upgrade-record", "oa-manual"):  # fmt: skip
        assert kind in kinds, kind
    # the two phoned in, the OA database's outage found by the probe, the disk on a visit
    assert kinds.count("fault-record") == 4
    assert {run.keys["probe_fault"], run.keys["check_fault"]}.isdisjoint({crash, other})
    assert all(Path(d["path"]).is_file() for d in run.documents)
    copied = set((out / "documents").rglob("*.docx"))
    assert {Path(d["path"]) for d in run.documents} == copied
    sla = next(Path(d["path"]) for d in run.documents if d["kind"] == "sla-report")
    from tests.support.delivery import docx_text

    text = docx_text(sla)
    assert crash in text and "月度服务对账单" in text


def test_readme_first_command_summary(prefect_server, tmp_path) -> None:
    """``changeflow demo --out demo-out`` as the README runs it, in its own process: quiet
    (no Prefect log lines), and its summary names every document with its kind and path."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEFLOW_")}
    env |= {"PREFECT_API_URL": prefect_server, "COLUMNS": "80"}
    proc = subprocess.run(
        [sys.executable, "-m", "changeflow", "demo", "--out", "demo-out"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "View at" not in proc.stderr and "Finished in state" not in proc.stderr
    out = proc.stdout
    for name in ("task book (项目任务书)", "implementation plan and budget", "test report",
                 "go-live record", "technical document", "user manual", "acceptance certificate",
                 "fault record", "dispatch order (派工单), returned signed", "weekly report",
                 "monthly SLA statement"):  # fmt: skip
        assert name in out, name
    for path in (tmp_path / "demo-out" / "documents").rglob("*.docx"):
        assert path.name in out, path  # each file name whole, on a line of its own
        assert f"{path.parent.relative_to(tmp_path / 'demo-out')}/" in out, path
    from rich.cells import cell_len

    assert all(cell_len(line) <= 80 for line in out.splitlines()), "wider than 80 columns"
    # the server answering PREFECT_API_URL stays up: its address is worth printing
    assert f"{prefect_server.removesuffix('/api')}/runs" in out
