"""The content we sign: the whole document as a person sees it, read the same way when we
issue it and when it comes back.

``visible.read_visible`` reads what is on the page; here it becomes the *canonical lines*:
every paragraph (``¶ text``), every table (a ``#n`` marker, then one line per non-empty
row, cells separated by `` | ``), then each header and footer, all in NFKC form with
whitespace collapsed. The sign-off table is part of it: its labels and any other row stay,
only the cells the client fills (the value beside each sign-off label, and in a kind that
carries one, each row's cell of the per-row conclusion column 验收结论) read as ``＿``; so do
the cells of the seal block (签章栏: 甲方/乙方 × 签字/盖章/日期, ``labels.is_seal_block``),
whatever is written, signed or stamped there (an electronic seal is a picture). It is not a
second sign-off table: the decision is read from the sign-off table only. So
any change to what we wrote (an amount, an item, a date, a clause of the scope, a row or a
table added) changes the lines, while the client's own writing in the sign-off cells and
what Word, WPS and LibreOffice do on save (runs re-split, styles and XML rewritten) does not.
"""

from __future__ import annotations

import difflib
import hashlib

from docx.document import Document as DocxDocument

from .labels import (
    is_form_signoff,
    is_register,
    is_seal_block,
    row_decision_column,
    signoff_row,
)
from .text import normalise, short
from .visible import Cell, Para, Table, Unreadable, Visible, cell_text, read_visible

SCHEME = "changeflow-signed-3"
# Documents issued under an older reading: -1 signed only the tables; -2 read neither list
# numbers nor rows hidden by their row properties. Their returned copy is compared with the
# stored one (the same current reading on both sides) and the old digest is not relied on.
OLD_SCHEMES = ("changeflow-signed-1", "changeflow-signed-2")
BLANK = "＿"


def read(doc: DocxDocument, form: str = "decision", rows: bool = False) -> Visible:
    """The document as read, with its sign-off tables of ``form`` marked; with ``rows``
    (a kind with per-row conclusions) the per-row conclusion column of each table too."""
    vis = read_visible(doc)
    for t in vis.tables():
        cells = raw_rows(t)
        t.seal = is_seal_block(cells)
        t.signoff = not t.seal and is_form_signoff(cells, form)
        t.register = form == "signin" and not t.signoff and not t.seal and is_register(cells)
        if rows and not t.signoff and not t.seal and cells:
            t.fill_column = row_decision_column(cells[0])
    check_covers(vis)
    return vis


def check_covers(vis: Visible) -> None:
    """Refuse a floating object drawn in front of the text (what lies under it is not
    seen), except a small picture placed by a cell of the sign-off table or the seal block
    (a signature or an electronic seal stamped over 签字/盖章)."""
    signing: set[int] = set()
    for t in vis.tables():
        if t.signoff or t.seal:
            for row in t.rows:
                for c in row:
                    for b in c.blocks:
                        if isinstance(b, Para):
                            signing.add(id(b))
    for p in vis.paragraphs():
        for cover in p.covers:
            if id(p) in signing and cover.picture_only and cover.small_near:
                continue
            raise Unreadable(f"{cover.what}, which hides what lies under it")


def fill_rows(t: Table) -> list[list[Cell]]:
    """The rows of ``t`` whose per-row conclusion cell the client fills: every row below the
    header with the header's cells (a merged or split row is compared as it is)."""
    if t.fill_column is None or not t.rows:
        return []
    return [row for row in t.rows[1:] if len(row) == len(t.rows[0])]


def raw_rows(t: Table) -> list[list[str]]:
    """The table's rows as the client wrote them (whitespace collapsed, no NFKC)."""
    return [[normalise(cell_text(c), nfkc=False) for c in row] for row in t.rows]


def _masked_cells(t: Table, form: str) -> list[list[str]]:
    rows = []
    filled = {id(r) for r in fill_rows(t)}
    for row in t.rows:
        cells = [_text(c.blocks, form) for c in row]
        if (t.seal and row is not t.rows[0]) or (
            t.signoff and row and signoff_row(normalise(cell_text(row[0])), form)
        ):
            first = cells[0]
            cells = [first] + [first if c == first else BLANK for c in cells[1:]]
        elif t.register and row is not t.rows[0]:
            cells = cells[:1] + [BLANK] * (len(cells) - 1)
        elif id(row) in filled and t.fill_column is not None:
            cells[t.fill_column] = BLANK
        rows.append(cells)
    return rows


def _text(blocks: list[Para | Table], form: str) -> str:
    parts = []
    for b in blocks:
        if isinstance(b, Para):
            parts.append(b.text)
        else:
            parts.extend(c for row in _masked_cells(b, form) for c in row)
    return normalise(" ".join(p for p in parts if p))


def lines_from(vis: Visible, form: str = "decision") -> list[str]:
    lines: list[str] = []
    n = 0

    def emit(blocks: list[Para | Table]) -> None:
        nonlocal n
        for b in blocks:
            if isinstance(b, Para):
                t = normalise(b.text)
                if t:
                    lines.append(f"¶ {t}")
            else:
                n += 1
                lines.append(f"#{n}")
                lines.extend(" | ".join(r) for r in _masked_cells(b, form) if any(r))

    emit(vis.body)
    for where, blocks in vis.margins:
        before = len(lines)
        lines.append(f"⌂{where}")
        emit(blocks)
        if len(lines) == before + 1:
            lines.pop()  # an empty header or footer says nothing
    return lines


def canonical_lines(doc: DocxDocument, form: str = "decision", rows: bool = False) -> list[str]:
    """The canonical content of a document whose sign-off table is of ``form`` (``rows``:
    its per-row conclusion cells masked too)."""
    return lines_from(read(doc, form, rows), form)


def dispatch_canonical_lines(doc: DocxDocument) -> list[str]:
    """The canonical content of a dispatch order (its sign-off table's values masked)."""
    return canonical_lines(doc, "dispatch")


def content_digest(lines: list[str], scheme: str = SCHEME) -> str:
    return hashlib.sha256(("\n".join([scheme, *lines])).encode()).hexdigest()


def describe_changes(sent: list[str], got: list[str], limit: int = 3) -> str:
    """A short account of what differs between two canonical contents, first change first."""
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=sent, b=got, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace":
            for a, b in zip(sent[i1:i2], got[j1:j2], strict=False):
                out.append(_changed_row(a, b))
            out.extend(f"'{_shown(a)}' was removed" for a in sent[i1 + (j2 - j1) : i2])
            out.extend(f"'{_shown(b)}' was added" for b in got[j1 + (i2 - i1) : j2])
        elif tag == "delete":
            out.extend(f"'{_shown(a)}' was removed" for a in sent[i1:i2])
        else:
            out.extend(f"'{_shown(b)}' was added" for b in got[j1:j2])
    more = f" (and {len(out) - limit} more)" if len(out) > limit else ""
    return "; ".join(out[:limit]) + more


def _shown(line: str, n: int = 90) -> str:
    """A canonical line as the client would name it (no ``¶`` marker; a table marker)."""
    if line.startswith("¶ "):
        line = line[2:]
    elif line.startswith("#") and line[1:].isdigit():
        line = f"table {line[1:]}"
    return short(line, n)


def _changed_row(a: str, b: str) -> str:
    """'2,400.00' became '240.00' (in the row '1 | 1 | 需求分析 …'): the cells that changed."""
    ca, cb = a.split(" | "), b.split(" | ")
    if len(ca) != len(cb) or len(ca) == 1:
        return f"'{_shown(a)}' became '{_shown(b)}'"
    cells = [
        f"'{short(x, 40)}' became '{short(y, 40)}'" for x, y in zip(ca, cb, strict=True) if x != y
    ]
    return ", ".join(cells) + f" (in the row '{short(a, 40)}')"


def register_rows(vis: Visible) -> list[list[str]]:
    """What the attendees wrote in the sign-in register(s): per row below the header, the
    printed first cell then each written cell (whitespace collapsed, no NFKC)."""
    out: list[list[str]] = []
    for t in vis.tables():
        if t.register:
            out.extend(raw_rows(t)[1:])
    return out


__all__ = [
    "BLANK",
    "OLD_SCHEMES",
    "SCHEME",
    "Unreadable",
    "canonical_lines",
    "content_digest",
    "describe_changes",
    "dispatch_canonical_lines",
    "fill_rows",
    "lines_from",
    "raw_rows",
    "read",
    "register_rows",
]
