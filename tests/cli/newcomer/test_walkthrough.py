"""The README's tour, verbatim: its walkthrough block run line by line in a fresh empty folder
with the installed ``changeflow`` on PATH (as after ``source .venv/bin/activate``), no
CHANGEFLOW_* settings and no mail. Where the block says the client fills a returned document,
the test fills it as the client would in Word (python-docx, the sign-off cells only). Any
command that fails fails the test, naming the line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MARKER = "<!-- walkthrough"


def walkthrough() -> list[str]:
    """The lines of the README's walkthrough block (the first ```bash fence after the marker)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert MARKER in text, "the README's walkthrough block is marked with <!-- walkthrough"
    rest = text.split(MARKER, 1)[1]
    block = re.search(r"```bash\n(.*?)\n```", rest, re.S)
    assert block is not None
    lines = [ln.strip() for ln in block[1].splitlines() if ln.strip()]
    year = datetime.now().year  # the key is numbered per year: CR-2026-0001 in 2026
    return [ln.replace("CR-2026-", f"CR-{year}-") for ln in lines]


def _fill_plan(path: Path) -> None:
    from changeflow.cli.demo.client import fill_form
    from changeflow.docs_templates.labels import APPROVAL_FIELDS
    from changeflow.tasks.signoff import today_local

    zh = {name: pair[0] for name, pair in APPROVAL_FIELDS.items()}
    values = {zh["decision"]: "同意", zh["approver"]: "王芳",
              zh["date"]: today_local().isoformat(), zh["comment"]: "同意按计划实施。"}  # fmt: skip
    path.write_bytes(fill_form(path, values))


def _fill_certificate(path: Path) -> None:
    from changeflow.cli.demo.client import fill_form, tick_rows
    from changeflow.tasks.signoff import printed_labels, today_local

    labels = printed_labels("zh-CN")
    values = {labels["decision"]: "通过", labels["approver"]: "王芳",
              labels["date"]: today_local().isoformat(),
              labels["comment"]: "同意验收。"}  # fmt: skip
    path.write_bytes(tick_rows(fill_form(path, values)))


CLIENT = {"returned-plan.docx": _fill_plan, "returned-certificate.docx": _fill_certificate}


def test_the_block_is_the_tour() -> None:
    lines = walkthrough()
    commands = [ln for ln in lines if not ln.startswith("#")]
    assert commands[0].startswith("mkdir ") and "changeflow init --example" in commands[1]
    assert any(ln.startswith("changeflow accept ") for ln in commands)
    for name in CLIENT:  # the README says where the client fills each returned document
        assert any(ln.startswith("#") and name in ln for ln in lines), name
        assert any(ln.startswith("cp ") and ln.endswith(name) for ln in lines), name


@pytest.mark.slow
def test_walkthrough_runs_verbatim_in_a_fresh_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHANGEFLOW_", "PREFECT_API"))}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",  # activated
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        COLUMNS="80",
    )
    cwd = tmp_path / "home"
    cwd.mkdir()
    where = tmp_path / "cwd.txt"
    outputs: dict[str, str] = {}
    for line in walkthrough():
        if line.startswith("#"):
            for name, fill in CLIENT.items():
                if name in line:
                    assert (cwd / name).is_file(), f"{name}: taken from the store the line before"
                    fill(cwd / name)
            continue
        script = f"set -e\n{line}\npwd > '{where}'\n"
        proc = subprocess.run(
            ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
        )
        said_now = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"{line}\n-> exit {proc.returncode}\n{said_now}"
        outputs[line] = proc.stdout + proc.stderr
        cwd = Path(where.read_text().strip())
    said = {ln.split("#")[0].strip(): out for ln, out in outputs.items()}

    def out(start: str) -> str:
        return " ".join(next(o for ln, o in said.items() if ln.startswith(start)).split())

    # mail is optional until it is set up: said once, the step succeeded, the document waits
    assert "mail is not set up" in out("changeflow plan") or any(
        "mail is not set up" in o for ln, o in said.items() if "--send" in ln
    )
    issued = next(o for ln, o in said.items() if "--issue --send" in ln)
    assert " ".join(issued.split()).count("mail is not set up") == 1, issued
    assert "changeflow send" in " ".join(issued.split())
    assert "mailbox is not set up" in out("changeflow mailbox")
    assert "mail is not set up" in out("changeflow kickoff")
    assert "PASSED" in out("changeflow test ")
    assert "ACCEPTED" in out("changeflow accept ")
    assert "accepted" in out("changeflow status ")
    # the sample repository's commits, by the contract's people, linked to the request
    key = next(ln for ln in said if ln.startswith("changeflow status ")).split()[2]
    proc = subprocess.run(["changeflow", "status", key, "--json"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    info = json.loads(proc.stdout)
    assert info["state"] == "accepted" and info["git"]["commits"] == 4, info["git"]
    assert "张伟" in info["git"]["authors"] and "李明" in info["git"]["authors"]
    kinds = {d["kind"] for d in info["documents"]}
    assert {"plan", "testreport", "techdoc", "manual", "golive", "acceptance"} <= kinds, kinds
    # only what the README names: the workspace and its ./var, nothing elsewhere
    assert sorted(p.name for p in cwd.iterdir()) == sorted(
        ["contract.yaml", "design.md", "maintplan.yaml", "oa", "returned-certificate.docx",
         "returned-plan.docx", "screens",
         "taskbook.docx", "taskbook.yaml", "var"]
    )  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "home").iterdir()) == [cwd.name]
