"""``--help`` reads as flowing paragraphs: no sentence broken where a docstring's source line
ended, and nothing cut off with an ellipsis at 80, 100 or 120 columns."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from changeflow.cli import app


def _paths(cmd, path: tuple[str, ...] = ()):
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _paths(sub, (*path, name))


PATHS = list(_paths(typer.main.get_command(app)))


def test_help_texts_are_paragraphs_without_hard_breaks() -> None:
    broken = [
        " ".join(p) for p, c in PATHS if c.help and re.search(r"(?<!\n)\n(?!\n)", c.help.strip())
    ]
    assert not broken, broken
    assert len(PATHS) > 40


@pytest.mark.parametrize("columns", ["80", "100", "120"])
def test_help_is_never_cut_off(columns: str) -> None:
    cut = []
    for path, _cmd in PATHS:
        out = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": columns}).output
        cut += [f"{' '.join(path)}: {ln.strip()}" for ln in out.splitlines() if "…" in ln]
    assert not cut, "\n".join(cut)


def test_a_long_docstring_flows_into_one_paragraph() -> None:
    out = CliRunner().invoke(app, ["mailbox", "--help"], env={"COLUMNS": "200"}).output
    text = " ".join(out.split())
    assert "each reply's attachment through the inbox's checks (task books to intake," in text
    # the source breaks the line after "filed" and after "inbox's": the help does not
    line = next(ln for ln in out.splitlines() if "the message filed" in ln)
    assert "the message filed in the processed" in line
    assert "through the inbox's checks" in out
