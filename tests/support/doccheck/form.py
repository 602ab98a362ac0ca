"""The form of a document we issue, checked on the .docx as python-docx reads it back: the
house style of docs_templates/house.py and tasks/wordkit.render.

``form_problems(data, kind=..., lang=...)`` lists every problem as one line (empty: the
document is in form). What it checks:

- page: every section A4, margins 2.54 cm top/bottom and 3.17 cm left/right;
- header with text on every section, footer with real PAGE and NUMPAGES fields and
  第 X 页 共 Y 页 (Page X of Y);
- core properties: author a person or company (not changeflow/python-docx), title and
  subject set, created and modified recent (not the template's date), nothing of the
  template left (revision 1);
- every table: fixed layout, a ``w:gridCol`` with a width for every column, no wider than
  the text, every row ``w:cantSplit``; a table of three or more columns repeats its header
  row (``w:tblHeader``), unless it is a form of label/value pairs (every other cell a bold
  label), and each header fits its column without turning vertical (序/号);
  an amount or number never broken inside its cell; amounts right-aligned with thousands
  separators;
- headings kept with the next paragraph;
- the seal block (甲方/乙方 × 签字/盖章/日期) for the kinds both parties sign;
- zh-CN: dates as 2026年12月2日, never 2026-12-02.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docx
from docx.oxml.ns import qn
from docx.shared import Mm

from changeflow.docs_templates.house import MARGIN_MM, TEXT_MM, _text_mm, header_min_mm

# kinds that carry the seal block of both parties
SEALED_KINDS = {"plan", "testreport", "golive", "acceptance"}
ISO_DATE = re.compile(r"(?<![\w.-])\d{4}-\d{2}-\d{2}(?![\w-])")
CN_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
# what must stay on one line in a cell: a date, an amount, a number, a time
UNBROKEN = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|[¥￥]?\d[\d,.:%/-]*")
AMOUNT = re.compile(r"^[¥￥]?-?\d[\d,]*\.\d{2}$")
BAD_AUTHORS = {"", "changeflow", "python-docx", "python-docx-template", "docxtpl"}


def _open(data: bytes | Path | Any) -> Any:
    if isinstance(data, Path | str):
        data = Path(data).read_bytes()
    if isinstance(data, bytes):
        return docx.Document(io.BytesIO(data))
    return data


def _mm(v: Any) -> float:
    return v / Mm(1) if v is not None else 0.0


def _fields(el: Any) -> set[str]:
    names = set()
    for f in el.iter(qn("w:fldSimple")):
        names.add((f.get(qn("w:instr")) or "").split()[0].upper() if f.get(qn("w:instr")) else "")
    for t in el.iter(qn("w:instrText")):
        words = (t.text or "").split()
        if words:
            names.add(words[0].upper())
    return names


def _text(el: Any) -> str:
    return "".join(t.text or "" for t in el.iter(qn("w:t")))


def _page(doc: Any, out: list[str]) -> None:
    for i, s in enumerate(doc.sections, start=1):
        w, h = _mm(s.page_width), _mm(s.page_height)
        if abs(w - 210) > 0.5 or abs(h - 297) > 0.5:
            out.append(f"section {i}: page {w:.0f}×{h:.0f} mm, not A4")
        for side in ("top", "bottom", "left", "right"):
            got = _mm(getattr(s, f"{side}_margin"))
            if abs(got - MARGIN_MM[side]) > 0.5:
                out.append(f"section {i}: {side} margin {got:.1f} mm, not {MARGIN_MM[side]} mm")


def _margins(doc: Any, lang: str, out: list[str]) -> None:
    for i, s in enumerate(doc.sections, start=1):
        if s.header.is_linked_to_previous and i == 1:
            out.append(f"section {i}: no header")
        elif not _text(s.header._element).strip():
            out.append(f"section {i}: the header is empty")
        if s.footer.is_linked_to_previous and i == 1:
            out.append(f"section {i}: no footer")
            continue
        el = s.footer._element
        missing = {"PAGE", "NUMPAGES"} - _fields(el)
        if missing:
            out.append(f"section {i}: footer has no {' and '.join(sorted(missing))} field")
        words = ("第", "页", "共") if lang == "zh-CN" else ("Page", "of")
        if not all(w in _text(el) for w in words):
            out.append(
                f"section {i}: footer does not read {'第 X 页 共 Y 页' if lang == 'zh-CN' else 'Page X of Y'}"  # noqa: E501
            )


def _properties(doc: Any, now: datetime, out: list[str]) -> None:
    cp = doc.core_properties
    if (cp.author or "").strip().lower() in BAD_AUTHORS:
        out.append(f"core properties: author is {cp.author!r}, not a person or company")
    if (cp.last_modified_by or "").strip().lower() in BAD_AUTHORS - {""}:
        out.append(f"core properties: last modified by {cp.last_modified_by!r}")
    if not (cp.title or "").strip():
        out.append("core properties: no title")
    if not (cp.subject or "").strip():
        out.append("core properties: no subject")
    for name in ("created", "modified"):
        when = getattr(cp, name)
        if when is None:
            out.append(f"core properties: no {name} time")
            continue
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
        # a document is dated when its act happened (the demo replays a past month, a lead
        # records a paper approval of last week): never ahead, never a template's old date
        if when > now + timedelta(days=2) or now - when > timedelta(days=400):
            out.append(f"core properties: {name} {when:%Y-%m-%d}, not when it was made")


def _grid_count(tbl: Any) -> int:
    n = 0
    for tr in tbl.findall(qn("w:tr")):
        span = 0
        for tc in tr.findall(qn("w:tc")):
            gs = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            span += int(gs.get(qn("w:val"))) if gs is not None else 1
        n = max(n, span)
    return n


def _tc_width_mm(tc: Any, grid: list[float], col: int) -> float:
    gs = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
    span = int(gs.get(qn("w:val"))) if gs is not None else 1
    return sum(grid[col : col + span])


def _size(tc: Any, default: float = 10.5) -> float:
    for sz in tc.iter(qn("w:sz")):
        return int(sz.get(qn("w:val"))) / 2
    return default


def _align(p: Any) -> str:
    jc = p.find(f"{qn('w:pPr')}/{qn('w:jc')}")
    return jc.get(qn("w:val")) if jc is not None else ""


def _is_form(rows: list[Any]) -> bool:
    """A form of label/value pairs laid two to a row (the dispatch order's facts): the first
    cell of every row and every cell after a value are bold labels, so no row is a header
    over the others."""
    for tr in rows:
        tcs = tr.findall(qn("w:tc"))
        for tc in tcs[::2]:
            runs = [
                r for r in tc.iter(qn("w:r")) if "".join(t.text or "" for t in r.iter(qn("w:t")))
            ]
            if not runs or any(r.find(f"{qn('w:rPr')}/{qn('w:b')}") is None for r in runs):
                return False
    return True


def _table(tbl: Any, where: str, out: list[str]) -> None:
    tblpr = tbl.find(qn("w:tblPr"))
    layout = tblpr.find(qn("w:tblLayout")) if tblpr is not None else None
    if layout is None or layout.get(qn("w:type")) != "fixed":
        out.append(f"{where}: layout is not fixed")
    cols = tbl.findall(f"{qn('w:tblGrid')}/{qn('w:gridCol')}")
    n = _grid_count(tbl)
    if len(cols) != n or any(not c.get(qn("w:w")) for c in cols):
        out.append(f"{where}: {len(cols)} gridCol width(s) for {n} column(s)")
        return
    grid = [int(c.get(qn("w:w"))) / 56.6929 for c in cols]
    if sum(grid) > TEXT_MM + 1:
        out.append(f"{where}: {sum(grid):.0f} mm wide, wider than the text ({TEXT_MM:.0f} mm)")
    rows = tbl.findall(qn("w:tr"))
    for i, tr in enumerate(rows, start=1):
        trpr = tr.find(qn("w:trPr"))
        if trpr is None or trpr.find(qn("w:cantSplit")) is None:
            out.append(f"{where} row {i}: may split across pages (no cantSplit)")
            break
    if not rows:
        return
    first = rows[0]
    header = first.find(qn("w:trPr")) is not None and first.find(qn("w:trPr")).find(
        qn("w:tblHeader")) is not None  # fmt: skip
    if n >= 3 and len(rows) > 1 and not header and not _is_form(rows):
        out.append(f"{where}: header row not repeated on each page (no tblHeader)")
    for r, tr in enumerate(rows):
        col = 0
        for tc in tr.findall(qn("w:tc")):
            width = _tc_width_mm(tc, grid, col)
            gs = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            col += int(gs.get(qn("w:val"))) if gs is not None else 1
            text = _text(tc).strip()
            if r == 0 and header and text and width + 0.01 < header_min_mm(text, _size(tc)):
                out.append(f"{where}: header '{text}' does not fit its {width:.1f} mm column")
            for p in tc.iter(qn("w:p")):
                ptext = _text(p).strip()
                for word in UNBROKEN.findall(ptext):
                    if _text_mm(word, _size(tc)) + 2.4 > width + 0.3:
                        out.append(f"{where}: '{word}' is broken in its {width:.1f} mm column")
                if AMOUNT.match(ptext):
                    if re.search(r"\d{4}\.", ptext):
                        out.append(f"{where}: amount {ptext} without thousands separators")
                    if r > 0 and _align(p) not in ("right", "end"):
                        out.append(f"{where}: amount {ptext} not right-aligned")


def _tables(doc: Any, out: list[str]) -> None:
    for i, tbl in enumerate(doc.element.body.iter(qn("w:tbl")), start=1):
        _table(tbl, f"table {i}", out)


def _keep(doc: Any, out: list[str]) -> None:
    styles = {s.get(qn("w:styleId")): s for s in doc.styles.element.findall(qn("w:style"))}

    def keeps(sid: str) -> bool:
        s = styles.get(sid)
        while s is not None:
            ppr = s.find(qn("w:pPr"))
            if ppr is not None and ppr.find(qn("w:keepNext")) is not None:
                return True
            base = s.find(qn("w:basedOn"))
            s = styles.get(base.get(qn("w:val"))) if base is not None else None
        return False

    for p in doc.element.body.iter(qn("w:p")):
        ppr = p.find(qn("w:pPr"))
        st = ppr.find(qn("w:pStyle")) if ppr is not None else None
        sid = st.get(qn("w:val")) if st is not None else ""
        if sid.startswith("Heading") and not (ppr.find(qn("w:keepNext")) is not None or keeps(sid)):
            out.append(f"heading '{_text(p)[:30]}' not kept with the next paragraph")


def _seal(doc: Any, kind: str, out: list[str]) -> None:
    from changeflow.tasks.signoff.labels import is_seal_block

    if kind not in SEALED_KINDS:
        return
    found = []
    for t in doc.tables:
        rows = [[c.text.strip() for c in r.cells] for r in t.rows]
        if is_seal_block(rows):
            found.append(rows)
    if not found:
        out.append(f"{kind}: no seal block (甲方/乙方 with 签字, 盖章, 日期)")
        return
    head = " ".join(found[-1][0])
    if not (("甲方" in head and "乙方" in head) or ("Party A" in head and "Party B" in head)):
        out.append(f"{kind}: the seal block lacks a party ({head})")
    labels = {r[0] for r in found[-1][1:]}
    if not ({"签字", "盖章", "日期"} <= labels or {"Signature", "Seal", "Date"} <= labels):
        out.append(f"{kind}: the seal block lacks 签字, 盖章 or 日期 ({sorted(labels)})")


def visible_text(doc: Any) -> str:
    parts = [_text(p) for p in doc.element.body.iter(qn("w:p"))]
    for s in doc.sections:
        parts += [_text(s.header._element), _text(s.footer._element)]
    return "\n".join(parts)


def _dates(doc: Any, lang: str, out: list[str]) -> None:
    if lang != "zh-CN":
        return
    text = visible_text(doc)
    iso = sorted(set(ISO_DATE.findall(text)))
    if iso:
        out.append(f"zh-CN: dates not in Chinese form: {', '.join(iso[:5])}")
    if not CN_DATE.search(text):
        out.append("zh-CN: no date in Chinese form (2026年12月2日)")


def form_problems(
    data: bytes | Path | Any, *, kind: str, lang: str, now: datetime | None = None
) -> list[str]:
    """Every form problem of a document of ``kind`` in ``lang`` (empty: in form)."""
    doc = _open(data)
    now = now or datetime.now(UTC)
    out: list[str] = []
    _page(doc, out)
    _margins(doc, lang, out)
    _properties(doc, now, out)
    _tables(doc, out)
    _keep(doc, out)
    _seal(doc, kind, out)
    _dates(doc, lang, out)
    return out
