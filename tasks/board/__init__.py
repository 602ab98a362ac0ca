"""The board (看板): one page with every open request and fault of every contract, its state
in words, the next step and who it waits for since when, the plan's dates against today, the
SLA clocks with time left, the contract's service days and fee, and links to each request's
latest documents. ``facts`` reads (one transaction), ``render`` words; the flow publishes it
as the Prefect artifact keyed ``board``, ``changeflow board`` prints it. A hand-in's own
account (``handin``) is here too: the board and the hand-in run tell the same story.
"""

from __future__ import annotations

from datetime import datetime

from .facts import board_facts, gather
from .handin import HandInFact, hand_in_fact
from .render import render
from .steps import STEPS, Step, next_step

BOARD_KEY = "board"  # the Prefect artifact's key (lowercase letters, digits, dashes)


def board_markdown(
    now: datetime | None = None, *, lang: str | None = None, docs_url: str | None = None
) -> str:
    """The board as Markdown, as it stands at ``now``."""
    return render(board_facts(now), lang=lang, docs_url=docs_url)


__all__ = [
    "BOARD_KEY",
    "STEPS",
    "HandInFact",
    "Step",
    "board_facts",
    "board_markdown",
    "gather",
    "hand_in_fact",
    "next_step",
    "render",
]
