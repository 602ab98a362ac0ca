"""A document table declared once: its columns, each one object.

A ``Column`` holds the labels in both languages, how a row's cell text is made from the
data (``value``), whether the cell holds several lines, and the width the template starts
with (``mm``: what a template opened as it is shows; a rendered document's widths come from
the content, ``docs_templates.fit``). A ``DocTable`` is the loop variable, the sequence in
the render context and the columns. The template builder (``build``), the render context
(``rows``) and a Markdown view (``markdown``) all read the same object, so a column is
added, renamed or dropped in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from docx.document import Document as DocxDocument
from docx.table import Table

Pair = tuple[str, str]
Value = Callable[[Mapping[str, Any], str], str]


def _pick(pair: Pair, lang: str) -> str:
    from changeflow.bilingual import pick

    return pick(pair, lang)


@dataclass(frozen=True)
class Column:
    key: str  # the cell's name in a row of the render context
    label: Pair  # (中文, English)
    value: Value  # the cell's text from one item of the data, in a language
    mm: float = 20.0  # the template's starting width
    lines: bool = False  # several lines (one paragraph each in the Word cell)

    def cell(self, item: Mapping[str, Any], lang: str) -> str:
        return self.value(item, lang)


@dataclass(frozen=True)
class DocTable:
    var: str  # the loop variable in the template: {%tr for <var> in <seq> %}
    seq: str  # the list in the render context
    columns: tuple[Column, ...]

    def headers(self, lang: str) -> list[str]:
        return [_pick(c.label, lang) for c in self.columns]

    def tags(self) -> list[str]:
        return [f"{{{{ {self.var}.{c.key} }}}}" for c in self.columns]

    def widths(self) -> list[float]:
        return [c.mm for c in self.columns]

    def row(self, item: Mapping[str, Any], lang: str) -> dict[str, str]:
        """One row of the render context: each column's cell text (several lines joined by
        line breaks, which the template shows as line breaks in one cell)."""
        return {c.key: c.cell(item, lang) for c in self.columns}

    def rows(self, items: Iterable[Mapping[str, Any]], lang: str) -> list[dict[str, str]]:
        return [self.row(x, lang) for x in items]

    def build(
        self, doc: DocxDocument, lang: str, size: float = 9, empty: Pair | None = None
    ) -> Table:
        """The table in a template: header row, then docxtpl's row loop; the whole table
        left out when the list is empty (a header over nothing is not shown), and the
        sentence ``empty`` said instead when given."""
        from .tables import loop_section

        return loop_section(
            doc, None, self.headers(lang), self.var, self.seq, self.tags(), self.widths(), size,
            empty=None if empty is None else _pick(empty, lang),
        )  # fmt: skip

    def markdown(
        self, rows: Iterable[Mapping[str, str]], lang: str, both: bool = True
    ) -> list[str]:
        """The same table in Markdown (headers in both languages when ``both``); cells of
        several lines joined with ``<br>``."""
        from changeflow.bilingual import both as both_labels
        from changeflow.mdtext import md

        head = [both_labels(c.label, lang) if both else _pick(c.label, lang) for c in self.columns]
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in rows:
            cells = ["<br>".join(md(x) for x in str(r[c.key]).split("\n")) for c in self.columns]
            out.append("| " + " | ".join(cells) + " |")
        return out
