"""The documentation site builds with ``mkdocs build --strict``: a broken link or anchor, a
missing picture or a page left out of the nav fails here. The README (the front page, outside
the site) links only to files that exist, and the reference names every command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import typer.main

from changeflow.cli import app

ROOT = Path(__file__).resolve().parents[3]


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "WARNING" not in out, out
    for page in ("index", "lead-guide", "client-guide", "admin", "reference", "architecture"):
        assert (tmp_path / "site" / (page if page != "index" else "") / "index.html").is_file()


def test_the_site_build_fails_on_a_broken_link(tmp_path: Path) -> None:
    """The strict build is not a formality: a page with a dead link and an unknown anchor is
    refused (built from a copy of the docs)."""
    import shutil

    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with (tmp_path / "docs" / "index.md").open("a", encoding="utf-8") as f:
        f.write("\n[gone](gone.md) [no anchor](admin.md#no-such-part)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "s")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        timeout=300,
    )
    assert proc.returncode != 0
    assert "gone.md" in proc.stderr and "no-such-part" in proc.stderr, proc.stderr


def test_readme_links_and_pictures_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    assert len(local) >= 8, local
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, missing
    lines = text.splitlines()
    assert len(lines) <= 200, f"the README is a front page ({len(lines)} lines)"


def _leaves(cmd, path: tuple[str, ...] = ()):
    if hasattr(cmd, "commands"):
        for name, sub in cmd.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield " ".join(path)


def test_reference_names_every_command() -> None:
    ref = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    missing = [p for p in _leaves(typer.main.get_command(app)) if f"`changeflow {p}`" not in ref]
    assert not missing, f"add these to docs/reference.md: {missing}"
