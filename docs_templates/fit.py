"""Column widths from what the cells hold: THE width rule of every table we issue.

``fit_table(table)`` measures each column's cells with the real metrics of the house's fonts
(Latin: Calibri, whose widths Carlito shares; CJK: one em a character) and gives every
column at least its longest unbreakable token (a request key ``CR-2026-0001``, a date
``2026年12月11日`` with its time, an amount, a short name, a Latin word), then shares what is
left of the text width so that the tallest rows get as short as they can (long text
columns take the rest). It writes the grid (``w:gridCol``: WPS lays a table out from it),
every cell's ``w:tcW`` and the table's ``w:tblW`` (Word), with a fixed layout.

It runs when a document is rendered (``tasks.wordkit.house_pass``), on the real content, so a
template a client edited in Word gets it too; the template builders call it on their
placeholder text so a template opened as it is looks right.

No font has to be installed: the Latin advance widths below were read once from Carlito
(``fontTools``: hmtx / unitsPerEm 2048) and live here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from docx.oxml import OxmlElement
from docx.oxml.ns import qn as _qn

# Advance widths of U+0020..U+007E in Carlito (= Calibri) Regular and Bold, units of 1/2048 em.
_REGULAR = (
    463, 667, 821, 1020, 1038, 1464, 1397, 452, 621, 621, 1020, 1020, 511, 627, 517, 791, 1038,
    1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 548, 548, 1020, 1020, 1020, 949, 1831,
    1185, 1114, 1092, 1260, 1000, 941, 1292, 1276, 516, 653, 1064, 861, 1751, 1322, 1356, 1058,
    1378, 1112, 941, 998, 1314, 1162, 1822, 1063, 998, 959, 628, 791, 628, 1020, 1020, 596, 981,
    1076, 866, 1076, 1019, 625, 964, 1076, 470, 490, 931, 470, 1636, 1076, 1080, 1076, 1076, 714,
    801, 686, 1076, 925, 1464, 887, 927, 809, 644, 943, 644, 1020,
)  # fmt: skip
_BOLD = (
    463, 667, 898, 1020, 1038, 1493, 1443, 478, 638, 638, 1020, 1020, 528, 627, 547, 880, 1038,
    1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 565, 565, 1020, 1020, 1020, 949, 1840,
    1241, 1148, 1084, 1291, 999, 940, 1305, 1292, 546, 678, 1120, 866, 1790, 1349, 1385, 1090,
    1405, 1153, 968, 1014, 1337, 1211, 1856, 1128, 1064, 979, 665, 880, 665, 1020, 1020, 615,
    1011, 1099, 857, 1099, 1031, 648, 971, 1099, 503, 523, 983, 503, 1666, 1099, 1101, 1099,
    1099, 728, 817, 710, 1099, 969, 1526, 941, 970, 814, 704, 973, 704, 1020,
)  # fmt: skip
_OTHER = {"¥": 1038, "—": 1854, "–": 1020, "·": 517, "×": 1020, "→": 2048, "…": 2048}
UPM = 2048
AUTOSPACE = UPM // 4
PT_MM = 25.4 / 72
CELL_MARGIN_MM = 1.2  # left and right inside every cell (house.CELL_MARGIN_MM)
SLACK_MM = 1.0  # rounding of the layout engines, borders
DEFAULT_SIZE = 10.5

# Tokens that must never break across lines: a key, a date with its time, a time, an amount,
# a range of times. Everything else breaks at spaces and between CJK characters.
UNBREAKABLE = re.compile(
    r"[A-Z]{2,4}-\d{4}-\d{4}(?:-v\d+)?"
    r"|\d{4}年\d{1,2}月\d{1,2}日(?:\s?\d{1,2}:\d{2}(?:\s?[-–至]\s?\d{1,2}:\d{2})?)?"
    r"|\d{1,2}月\d{1,2}日(?:\s?\d{1,2}:\d{2})?"
    r"|\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2})?"
    r"|\d{1,2}-\d{1,2}\s\d{1,2}:\d{2}"  # a day and its time in English (11-10 10:05)
    r"|\d{1,2}:\d{2}(?:\s?[-–]\s?\d{1,2}:\d{2})?"
    r"|[¥￥]?[-+]?\d[\d,]*(?:\.\d+)?\s?(?:%|元|万元|人日|小时|分钟|天|个|次|页|min\b)?"
    r"|第\s?\d+\s?[版周页次]"
    r"|[(\[]"  # an opening bracket alone: it sticks to what it opens, (150 min)
    r"|[\x21-\x7e]+"
)
# closing marks that may not start a line (they stay with what is before them), opening
# marks that may not end one
_CLOSING = set("）)】」』》〉，。、；：！？%’”·…,;:!?")
_OPENING = set("（(【「『《〈‘“")
# a length in Chinese units (（150 分钟）): a Chinese layout engine may break between 分 and
# 钟, so a short line that holds one (达标（150 分钟）) keeps its start up to the unit whole
CJK_LENGTH = re.compile(r"\d+(?:\.\d+)?[\s\u00a0]?(?:分钟|小时)[）)]?")
SHORT_LINE = 12  # characters: a cell's line this short is a value (a result), not prose
SHORT_CJK = 4  # a paragraph of this many CJK characters or fewer (a name, a state) stays whole


# every cell of every table asks for the same dozen tag names: each built once
qn = cache(_qn)


def _is_wide(c: str) -> bool:
    o = ord(c)
    return o >= 0x2E80 or 0xFF00 <= o <= 0xFFEF or 0x3000 <= o <= 0x303F


MONO_EM = 1240  # a monospace face: Consolas 0.55 em, its stand-ins (DejaVu/Liberation Mono) 0.6
MONO_FONTS = ("consolas", "courier", "menlo", "mono", "monaco", "source code")


# A render measures the same texts again and again (a table's labels, a column's headers,
# the same cells for the fit and the keep-together check, a draft then its signed copy):
# each width is worked out once.
@lru_cache(maxsize=1 << 16)
def text_mm(text: str, size: float = DEFAULT_SIZE, bold: bool = False, mono: bool = False) -> float:
    """Width of ``text`` on one line at ``size`` points (``mono``: in the code face)."""
    if mono:
        units = sum(UPM if _is_wide(c) else MONO_EM for c in text)
        return units / UPM * size * PT_MM
    table = _BOLD if bold else _REGULAR
    units = 0
    prev = ""
    for c in text:
        o = ord(c)
        if prev and (_is_wide(prev) != _is_wide(c)) and (prev.isalnum() and c.isalnum()):
            units += AUTOSPACE  # the gap Word and LibreOffice put between CJK and Latin
        prev = c
        if 0x20 <= o <= 0x7E:
            units += table[o - 0x20]
        elif c in _OTHER:
            units += _OTHER[c]
        elif c == "\u00a0":
            units += table[0]
        elif _is_wide(c) or o > 0x2000:
            units += UPM
        else:
            units += table[ord("n") - 0x20]
    return units / UPM * size * PT_MM


def tokens(line: str) -> list[str]:
    """The pieces of one line that a layout engine may not break inside, with the marks
    that stick to them (a closing bracket, a comma)."""
    line = line.strip()
    if not line:
        return []
    cjk = [c for c in line if _is_wide(c)]
    if len(cjk) <= SHORT_CJK and len(cjk) == len(line.replace(" ", "")) and " " not in line:
        return [line]
    out: list[str] = []
    i = 0
    while i < len(line):
        c = line[i]
        if c.isspace():
            i += 1
            continue
        m = UNBREAKABLE.match(line, i)
        if m and (not _is_wide(c) or c == "第"):
            piece, i = m.group(0), m.end()
        else:
            piece, i = c, i + 1
        if out and (piece[0] in _CLOSING or out[-1][-1] in _OPENING):
            out[-1] += piece
        else:
            out.append(piece)
    return out


@lru_cache(maxsize=1 << 14)
def longest_token_mm(
    line: str, size: float = DEFAULT_SIZE, bold: bool = False, mono: bool = False
) -> float:
    """The widest piece of ``line`` that must not break (code: the whole line, since a
    layout engine breaks a code word where Chinese follows Latin)."""
    pieces = [line.strip()] if mono else tokens(line)
    return max((text_mm(t, size, bold, mono) for t in pieces), default=0.0)


# --- reading a table ------------------------------------------------------------------------


@dataclass
class Cell:
    lines: list[str]  # the cell's lines (paragraphs and line breaks)
    size: float
    bold: bool
    header: bool = False
    mono: frozenset[int] = frozenset()  # the lines that are code (only monospace runs)
    # the code within prose lines (``leave`` in a sentence): each piece unbreakable
    code: tuple[str, ...] = ()


_W_RPR, _W_SZ, _W_VAL, _W_B = qn("w:rPr"), qn("w:sz"), qn("w:val"), qn("w:b")
_W_RFONTS, _W_ASCII = qn("w:rFonts"), qn("w:ascii")
_W_P, _W_R, _W_T, _W_TAB = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:tab")
_W_BREAKS = (qn("w:br"), qn("w:cr"))
_W_NBH = qn("w:noBreakHyphen")


def _run_size(r: object, default: float) -> tuple[float, bool]:
    rpr = r.find(_W_RPR)  # type: ignore[attr-defined]
    size, bold = default, False
    if rpr is not None:
        sz = rpr.find(_W_SZ)
        if sz is not None and sz.get(_W_VAL):
            size = int(sz.get(_W_VAL)) / 2
        b = rpr.find(_W_B)
        bold = b is not None and b.get(_W_VAL) not in ("0", "false")
    return size, bold


def _is_mono(r: object) -> bool:
    rpr = r.find(_W_RPR)  # type: ignore[attr-defined]
    rf = rpr.find(_W_RFONTS) if rpr is not None else None
    name = (rf.get(_W_ASCII) or "") if rf is not None else ""
    return bool(name) and any(m in name.casefold() for m in MONO_FONTS)


def read_cell(tc: object, default: float = DEFAULT_SIZE) -> Cell:
    lines: list[str] = []
    mono: set[int] = set()
    prose: set[int] = set()  # lines with a run of text that is not code
    code: list[str] = []
    size, bold, seen = default, False, False
    for p in tc.iter(_W_P):  # type: ignore[attr-defined]
        cur = ""
        for r in p.iter(_W_R):
            text = "".join(t.text or "" for t in r.iter(_W_T))
            if not seen:
                size, bold = _run_size(r, default)
                seen = bool(text.strip())
            if _is_mono(r):
                mono.add(len(lines))
                if text.strip():
                    code.append(text.strip())
            elif text.strip():
                prose.add(len(lines))
            for el in r:
                tag = el.tag
                if tag == _W_T:
                    cur += el.text or ""
                elif tag in _W_BREAKS:
                    lines.append(cur)
                    cur = ""
                elif tag == _W_TAB:
                    cur += " "
                elif tag == _W_NBH:
                    cur += "-"
        lines.append(cur)
    mono -= prose  # a sentence naming code breaks at its spaces; its code pieces do not
    keep = [i for i, x in enumerate(lines) if x.strip()]
    return Cell(
        [lines[i] for i in keep],
        size,
        bold,
        mono=frozenset(n for n, i in enumerate(keep) if i in mono),
        code=tuple(code),
    )


def _is_header(tr: object) -> bool:
    trpr = tr.find(qn("w:trPr"))  # type: ignore[attr-defined]
    return trpr is not None and trpr.find(qn("w:tblHeader")) is not None


def read_columns(tbl: object, default: float = DEFAULT_SIZE) -> list[list[Cell]] | None:
    """The cells of each column, or None for a table this rule leaves alone (merged cells,
    rows of different lengths)."""
    rows = tbl.findall(qn("w:tr"))  # type: ignore[attr-defined]
    if not rows:
        return None
    n = len(rows[0].findall(qn("w:tc")))
    cols: list[list[Cell]] = [[] for _ in range(n)]
    for tr in rows:
        tcs = tr.findall(qn("w:tc"))
        if len(tcs) != n or any(tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}") is not None
                                for tc in tcs):  # fmt: skip
            return None
        header = _is_header(tr)
        for col, tc in zip(cols, tcs, strict=True):
            cell = read_cell(tc, default)
            cell.header = header
            col.append(cell)
    return cols


# --- the rule -----------------------------------------------------------------------------


def _header_min(cell: Cell) -> float:
    """A header may take two lines, never a column of single characters (序/号); a short
    one (``SHORT_CJK`` characters or fewer: 申请人, 服务人员) stays on one line."""
    need = 0.0
    for line in cell.lines:
        words = re.findall(r"[\x21-\x7e]+", line)
        need = max([need] + [text_mm(w, cell.size, True) for w in words])
        cjk = [c for c in line if _is_wide(c)]
        if cjk:
            per_line = len(cjk) if len(cjk) <= SHORT_CJK else _two_lines(cjk)
            need = max(need, text_mm("中" * per_line, cell.size, True))
    return need


def _two_lines(chars: list[str]) -> int:
    """Characters a line must hold so that ``chars`` take at most two lines, breaking as a
    Chinese layout engine does: an opening bracket never ends a line (加班（ / 分钟）takes
    three lines at three characters: 加班 / （分 / 钟）), a closing mark never starts one."""
    n = len(chars)
    for per in range(min(n, max(2, math.ceil(n / 2))), n + 1):
        lines, i = 0, 0
        while i < n:
            j = min(n, i + per)
            while j < n and j - 1 > i and chars[j - 1] in _OPENING:
                j -= 1  # the bracket goes down with what it opens
            while j < n and j - 1 > i and chars[j] in _CLOSING:
                j -= 1  # the closing mark goes down with the character before it
            lines, i = lines + 1, j
        if lines <= 2:
            return per
    return n


LABEL_CHARS = 12  # a bold label (a form's field name) this short stays on one line
FILL_IN_MM = 40.0  # a column of empty cells is there to be written in: room for a signature


# the headers of columns left empty to sign or date by hand (parts.ROLE_COLS, the sign-in
# register, the acceptance members): room to write in even in a table of data
WRITE_IN = ("签字", "签名", "日期", "signature", "date")


def is_form(cols: list[list[Cell]]) -> bool:
    """A table to be written in: a sign-off or a register to sign (no row below the header
    holds more than one filled cell: its label or its number). In a table of data (a day of
    the weekly report) an empty column is only empty: it gets its header's width, no room
    to write in, unless its header asks for a signature or a date (``WRITE_IN``)."""
    rows = max((len(c) for c in cols), default=0)
    body = [r for r in range(rows) if cols and r < len(cols[0]) and not cols[0][r].header]
    return all(sum(1 for c in cols if r < len(c) and c[r].lines) <= 1 for r in body)


def _write_in(col: list[Cell]) -> bool:
    head = " ".join(line for c in col if c.header for line in c.lines).strip().lower()
    return head in WRITE_IN


def column_needs(col: list[Cell], form: bool = True) -> tuple[float, list[list[float]]]:
    """(hard minimum, per cell the widths of its lines) for one column, text only (no
    margins); a column of empty cells in a ``form`` gets room to be written in."""
    hard = 0.0
    masses: list[list[float]] = []
    for cell in col:
        if cell.header:
            hard = max(hard, _header_min(cell))
        else:
            for n, line in enumerate(cell.lines):
                whole = cell.bold and len(line.strip()) <= LABEL_CHARS
                hard = max(
                    hard,
                    text_mm(line.strip(), cell.size, True)
                    if whole
                    else longest_token_mm(line, cell.size, cell.bold, n in cell.mono),
                )
                short = line.strip()
                if len(short) <= SHORT_LINE and (m := CJK_LENGTH.search(short)):
                    hard = max(hard, text_mm(short[: m.end()], cell.size, cell.bold))
            for piece in cell.code:  # code inside a sentence: each piece whole
                hard = max(hard, text_mm(piece, cell.size, cell.bold, True))
        masses.append(
            [
                text_mm(x.strip(), cell.size, cell.bold, n in cell.mono)
                for n, x in enumerate(cell.lines)
            ]
        )
    if form and len(col) > 1 and not any(c.lines for c in col if not c.header):
        masses.append([FILL_IN_MM])
    return hard, masses


def _lines(widths: Iterable[float], w: float) -> int:
    return sum(max(1, math.ceil(x / w - 1e-6)) for x in widths)


def allocate(
    hard: list[float], masses: list[list[list[float]]], total: float, pairs: bool = False
) -> list[float]:
    """Text widths (margins excluded) summing to ``total``: each column at least ``hard``;
    then the width shared out so that the tallest cells get as few lines as they can."""
    n = len(hard)
    soft = [
        max([h] + [x for cell in col for x in cell]) for h, col in zip(hard, masses, strict=True)
    ]
    if sum(hard) >= total:
        scale = total / sum(hard) if sum(hard) else 1
        return [h * scale for h in hard]
    if sum(soft) <= total:  # every line on one line: the rest shared by what they hold
        rest = total - sum(soft)
        if pairs:  # a form's labels and values: the labels as they are, the values the rest
            return [soft[0], soft[1] + rest]
        return [x + rest * x / sum(soft) for x in soft]

    # Start as a browser does (each column its minimum plus a share of the rest in
    # proportion to what it holds beyond it), then move millimetres between columns while
    # that makes the rows shorter (a row is as tall as its tallest cell).
    gaps = [x - h for x, h in zip(soft, hard, strict=True)]
    extra = total - sum(hard)
    w = [h + extra * g / sum(gaps) for h, g in zip(hard, gaps, strict=True)]
    rows = max(len(col) for col in masses)
    # a trial moves two columns' widths: the others' line counts are known already
    counted: dict[tuple[int, int, float], int] = {}

    def count(c: int, r: int, x: float) -> int:
        got = counted.get((c, r, x))
        if got is None:
            got = counted[(c, r, x)] = _lines(masses[c][r], max(x, 1e-3))
        return got

    def height(ws: list[float]) -> float:
        rows_h, all_lines = 0, 0
        for r in range(rows):
            per = [
                count(c, r, x) if r < len(col) and col[r] else 1
                for c, (col, x) in enumerate(zip(masses, ws, strict=True))
            ]
            rows_h += max(per)
            all_lines += sum(per)
        return rows_h + 0.001 * all_lines

    now = height(w)
    for step in (16.0, 8.0, 4.0, 2.0, 1.0, 0.5):
        moved = True
        while moved:
            moved = False
            for i in range(n):
                for j in range(n):
                    if i == j or w[i] >= soft[i] - 1e-6:
                        continue
                    d = min(step, w[j] - hard[j], soft[i] - w[i])
                    if d <= 1e-6:
                        continue
                    trial = list(w)
                    trial[i] += d
                    trial[j] -= d
                    h = height(trial)
                    if h < now - 1e-9:
                        w, now, moved = trial, h, True
    return w


def fit_table(tbl: object, total_mm: float, default_size: float = DEFAULT_SIZE) -> bool:
    """Widths of ``tbl`` (a ``w:tbl``) from its content, filling ``total_mm``. False (and
    nothing changed) for a table with merged cells."""
    cols = read_columns(tbl, default_size)
    if cols is None or not cols or _is_seal_block(cols):
        return False
    pad = 2 * CELL_MARGIN_MM + SLACK_MM
    hard, masses = [], []
    form = is_form(cols)
    for col in cols:
        h, m = column_needs(col, form or _write_in(col))
        hard.append(h)
        masses.append(m)
    pairs = len(cols) == 2 and not any(c.header for c in cols[0])
    text = _allocated(hard, masses, total_mm - pad * len(cols), pairs)
    set_grid(tbl, [w + pad for w in text])
    return True


_ALLOCATED: dict[tuple[object, ...], list[float]] = {}
_ALLOCATED_SIZE = 512


def _allocated(
    hard: list[float], masses: list[list[list[float]]], total: float, pairs: bool
) -> list[float]:
    """``allocate``, a pure function of the measured widths, worked out once for the same
    table (a plan's draft and its signed copy, a template's fixed tables in every render)."""
    key = (tuple(hard), tuple(tuple(map(tuple, col)) for col in masses), total, pairs)
    got = _ALLOCATED.get(key)
    if got is None:
        got = allocate(hard, masses, total, pairs)
        if len(_ALLOCATED) >= _ALLOCATED_SIZE:
            _ALLOCATED.pop(next(iter(_ALLOCATED)))
        _ALLOCATED[key] = got
    return list(got)


def _is_seal_block(cols: list[list[Cell]]) -> bool:
    from .labels import SEAL_CORNER

    first = cols[0][0].lines if cols[0] else []
    return bool(first) and first[0].strip() in SEAL_CORNER


def required_mm(tbl: object, default_size: float = DEFAULT_SIZE) -> list[float] | None:
    """Each column's narrowest width that holds its longest unbreakable token (with the cell
    margins): what the page check compares the grid with."""
    cols = read_columns(tbl, default_size)
    if cols is None:
        return None
    pad = 2 * CELL_MARGIN_MM
    return [column_needs(col)[0] + pad for col in cols]


TWIPS_PER_MM = 1440 / 25.4


def set_grid(tbl: object, mm: list[float]) -> None:
    """Fixed layout; the grid, each cell's width and the table's width in twips."""
    tblpr = tbl.find(qn("w:tblPr"))  # type: ignore[attr-defined]
    layout = tblpr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tblpr.append(layout)
    layout.set(qn("w:type"), "fixed")
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    twips = [round(w * TWIPS_PER_MM) for w in mm]
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(twips)))
    grid = tbl.find(qn("w:tblGrid"))  # type: ignore[attr-defined]
    if grid is None:
        grid = OxmlElement("w:tblGrid")
        tblpr.addnext(grid)
    for col in list(grid):
        grid.remove(col)
    for tw in twips:
        col = OxmlElement("w:gridCol")
        col.set(qn("w:w"), str(tw))
        grid.append(col)
    for tr in tbl.findall(qn("w:tr")):  # type: ignore[attr-defined]
        for tc, tw in zip(tr.findall(qn("w:tc")), twips, strict=False):
            tcpr = tc.find(qn("w:tcPr"))
            if tcpr is None:
                tcpr = OxmlElement("w:tcPr")
                tc.insert(0, tcpr)
            tcw = tcpr.find(qn("w:tcW"))
            if tcw is None:
                tcw = OxmlElement("w:tcW")
                tcpr.insert(0, tcw)
            tcw.set(qn("w:type"), "dxa")
            tcw.set(qn("w:w"), str(tw))


def grid_mm(tbl: object) -> list[float]:
    grid = tbl.find(qn("w:tblGrid"))  # type: ignore[attr-defined]
    if grid is None:
        return []
    return [int(c.get(qn("w:w"), "0")) / TWIPS_PER_MM for c in grid.findall(qn("w:gridCol"))]
