"""The visible content of a document we sign, read the same way when we issue it and when
it comes back.

The canonical content is the normalised text of every table except the sign-off table (work
items, amounts, totals, dates all live in tables): each cell's text in NFKC form with
whitespace collapsed, one line per non-empty row. Word, WPS and LibreOffice re-split runs,
rewrite styles and XML on save, but leave this text alone; an edited amount changes it.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable, Iterator
from typing import Any

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from .labels import dispatch_signoff_values, is_signoff
from .text import normalise, short

SCHEME = "changeflow-signed-1"
_W_TBL, _W_TR, _W_TC, _W_P = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:p")
_W_T, _W_TAB, _W_BR = qn("w:t"), qn("w:tab"), qn("w:br")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _own(el: Any, tag: str, owner: Any) -> Iterator[Any]:
    """Descendants ``tag`` of ``el`` whose nearest enclosing table is ``owner``."""
    for child in el.iter(tag):
        anc = child.getparent()
        while anc is not None and anc.tag != _W_TBL:
            anc = anc.getparent()
        if anc is owner:
            yield child


def _paragraph_text(p: Any) -> str:
    parts: list[str] = []
    for el in p.iter(_W_T, _W_TAB, _W_BR):
        anc = el.getparent()
        skip = False
        while anc is not None and anc is not p:
            if anc.tag == _MC_FALLBACK:  # a drawing's fallback copy repeats its text
                skip = True
                break
            anc = anc.getparent()
        if skip:
            continue
        parts.append(el.text or "" if el.tag == _W_T else " ")
    return "".join(parts)


def cell_text(tc: Any, nfkc: bool = True) -> str:
    """All text of a cell (nested tables included), paragraphs joined by a space."""
    return normalise(" ".join(_paragraph_text(p) for p in tc.iter(_W_P)), nfkc)


def _top_tables(doc: DocxDocument) -> list[Any]:
    body = doc.element.body
    out = []
    for tbl in body.iter(_W_TBL):
        anc = tbl.getparent()
        while anc is not None and anc.tag != _W_TBL:
            anc = anc.getparent()
        if anc is None:
            out.append(tbl)
    return out


def table_rows(tbl: Any, nfkc: bool = True) -> list[list[str]]:
    """The table's rows as lists of normalised cell texts (merged cells counted once)."""
    return [[cell_text(tc, nfkc) for tc in _own(tr, _W_TC, tbl)] for tr in _own(tbl, _W_TR, tbl)]


def canonical_lines(
    doc: DocxDocument,
    *,
    top_level: bool = True,
    skip: Callable[[list[list[str]]], bool] = is_signoff,
) -> list[str]:
    """The canonical content: every table but the sign-off table (``skip``), one line per
    non-empty row, cells separated by `` | ``, tables separated by ``#<n>`` marker lines.

    ``top_level``: every table not inside another table (tables in text boxes included);
    otherwise the body's own tables only (the dispatch order's reading)."""
    tables = _top_tables(doc) if top_level else [t._tbl for t in doc.tables]
    lines: list[str] = []
    n = 0
    for tbl in tables:
        rows = table_rows(tbl)
        if skip(rows):
            continue
        n += 1
        lines.append(f"#{n}")
        lines.extend(" | ".join(r) for r in rows if any(r))
    return lines


def dispatch_canonical_lines(doc: DocxDocument) -> list[str]:
    """What the client may not change in a dispatch order: every table but its sign-off."""
    return canonical_lines(
        doc, top_level=False, skip=lambda rows: dispatch_signoff_values(rows) is not None
    )


def content_digest(lines: list[str]) -> str:
    return hashlib.sha256(("\n".join([SCHEME, *lines])).encode()).hexdigest()


def describe_changes(sent: list[str], got: list[str], limit: int = 3) -> str:
    """A short account of what differs between two canonical contents."""
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=sent, b=got, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace":
            for a, b in zip(sent[i1:i2], got[j1:j2], strict=False):
                out.append(_changed_row(a, b))
        elif tag == "delete":
            out.extend(f"'{short(a)}' was removed" for a in sent[i1:i2])
        else:
            out.extend(f"'{short(b)}' was added" for b in got[j1:j2])
    more = f" (and {len(out) - limit} more)" if len(out) > limit else ""
    return "; ".join(out[:limit]) + more


def _changed_row(a: str, b: str) -> str:
    """'2,400.00' became '240.00' (in the row '1 | 1 | 需求分析 …'): the cells that changed."""
    ca, cb = a.split(" | "), b.split(" | ")
    if len(ca) != len(cb):
        return f"'{short(a)}' became '{short(b)}'"
    cells = [
        f"'{short(x, 40)}' became '{short(y, 40)}'" for x, y in zip(ca, cb, strict=True) if x != y
    ]
    return ", ".join(cells) + f" (in the row '{short(a, 40)}')"
