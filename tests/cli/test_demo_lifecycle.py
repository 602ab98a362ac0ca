"""The demo's lifecycle stages (changeflow/cli/demo/lifecycle.py) after setup and intake: the
main request ends accepted, every stage's document is written, the release is tagged."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def test_demo_lifecycle_to_acceptance(prefect_server, cf_home, tmp_path) -> None:
    import git as gitpython

    from changeflow.cli import demo
    from changeflow.tasks.status import request_status

    out = tmp_path / "demo-out"
    run = demo.run_demo(out)
    key = run.keys["main"]
    st = request_status(key)
    assert st["state"] == "accepted"
    path = [e["to"] for e in st["timeline"]]
    assert path == ["submitted", "planned", "approved", "in_development", "in_testing", "live",
                    "accepted"]  # fmt: skip
    channels = {e["to"]: e["channel"] for e in st["timeline"]}
    assert channels["approved"] == channels["accepted"] == "document"
    names = {p.name for p in (out / "documents" / key).iterdir()}
    for kind in ("plan", "testreport", "golive", "techdoc", "manual", "acceptance"):
        assert any(f"-{kind}-v1.docx" in n for n in names), kind
    assert any("验收单-回签" in n for n in names) and any("实施计划-回签" in n for n in names)
    tags = {t.name for t in gitpython.Repo(out / "repo").tags}
    assert tags == {f"release/{key}-v1"}
    stages = [r["stage"] for r in run.rows]
    assert stages.index("golive") < stages.index("docs") < stages.index("acceptance")
    assert st["delivery"]["test_runs"][0]["passed"] is True
    assert Path(out / "contract.yaml").is_file()
