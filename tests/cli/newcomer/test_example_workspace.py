"""``changeflow init --example`` lays out, in the current folder, a workspace the README's tour
runs from: a contract naming both parties with the client's repository and a test command
that works, the task book in two formats, design notes, and ``oa/``, a git repository whose
history the contract's people made, linked to the first request. It never overwrites."""

from __future__ import annotations

from pathlib import Path

import git
import pytest
import yaml


@pytest.fixture
def folder(cf_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.chdir(ws)
    return ws


def test_example_workspace(folder: Path, cli) -> None:
    from changeflow.cli.example import first_key

    code, out, err = cli("init", "--example")
    assert code == 0, err
    assert "next: changeflow contract load contract.yaml" in out
    assert {p.name for p in folder.iterdir()} >= {
        "contract.yaml", "taskbook.docx", "taskbook.yaml", "design.md", "maintplan.yaml", "oa"
    }  # fmt: skip
    spec = yaml.safe_load((folder / "contract.yaml").read_text(encoding="utf-8"))
    k = spec["contracts"][0]
    assert Path(k["repo"]) == (folder / "oa").resolve()
    assert "run_checks.py {junit}" in k["settings"]["test_command"]
    assert {"name", "address", "contact", "phone"} <= set(k["contractor"])  # 乙方
    assert spec["clients"][0]["contacts"][0]["phone"]  # 甲方's contact
    repo = git.Repo(folder / "oa")
    key = first_key()
    assert repo.active_branch.name == "main" and f"cr/{key}" in repo.heads
    work = list(repo.iter_commits(f"main..cr/{key}"))
    assert len(work) == 4 and sum(key in c.message for c in work) == 3
    staff = {p["email"] for p in spec["staff"]}
    assert {c.author.email for c in repo.iter_commits("--all")} <= staff
    assert cli("contract", "load", "contract.yaml")[0] == 0
    code, out, _ = cli("intake", "taskbook.docx")
    assert code == 0 and key in out


def test_never_overwrites(folder: Path, cli) -> None:
    (folder / "design.md").write_text("mine\n", encoding="utf-8")
    code, _, err = cli("init", "--example")
    assert code == 2 and "design.md" in err and "already exists" in err
    assert (folder / "design.md").read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in folder.iterdir()) == ["design.md"]
