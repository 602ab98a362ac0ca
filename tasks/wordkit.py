"""Rendering every document: a template filled with autoescape in a sandbox, the house
style's data (header values, dates, author) and the house pass over the result.

Why it exists: docxtpl renders without autoescape and recompiles on every render. The parts
every .docx gets (Chinese fonts, A4, properties) live below, in ``changeflow.wordparts``,
shared with the template builders.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from changeflow.bilingual import is_zh, pick
from changeflow.errors import ConfigError
from changeflow.settings import get_settings
from changeflow.wordparts import clean, prepare, write_custom_properties

# --- rendering -------------------------------------------------------------------------


def template_path(name: str, lang: str | None = None) -> Path:
    lang = lang or get_settings().lang
    path = get_settings().template_root / lang / f"{name}.docx"
    if not path.is_file():
        raise ConfigError(f"template {name}.docx for language {lang} not found at {path}")
    return path


def document_digest(name: str, lang: str, inputs: Mapping[str, Any]) -> str:
    """What a document of template ``name`` is made from, as one sha256: the inputs and
    the template file itself. Two runs with the same digest make the same document, so a
    re-run (a retried flow, a second click) keeps the version already made; an edit of the
    template in Word makes a new one."""
    import hashlib
    import json

    template = hashlib.sha256(template_path(name, lang).read_bytes()).hexdigest()
    payload = {**inputs, "kind": name, "lang": lang, "template": template}
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


class _CompiledCache:
    """Compiled Jinja templates by source: docxtpl calls ``from_string`` on every render,
    and compiling the same template XML again is the largest part of a render."""

    def __init__(self, size: int = 64) -> None:
        import threading
        from collections import OrderedDict

        self.size = size
        self.items: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()


@lru_cache(maxsize=1)
def _jinja_env() -> Any:
    from jinja2.sandbox import SandboxedEnvironment

    class CachingSandbox(SandboxedEnvironment):
        cache_compiled = _CompiledCache()

        def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
            if globals or template_class or not isinstance(source, str):
                return super().from_string(source, globals, template_class)
            cache = self.cache_compiled
            with cache.lock:
                tpl = cache.items.get(source)
                if tpl is not None:
                    cache.items.move_to_end(source)
                    return tpl
            tpl = super().from_string(source)
            with cache.lock:
                cache.items[source] = tpl
                if len(cache.items) > cache.size:
                    cache.items.popitem(last=False)
            return tpl

    env = CachingSandbox(autoescape=True)
    env.filters["doc_date"] = doc_date  # {{ day|doc_date('zh-CN') }} in a client's template
    return env


class _PatchedXml:
    """docxtpl's ``patch_xml`` (the regex passes that turn Word's XML into Jinja source:
    a third of a plan's render) is a pure function of the part's XML, which is the same for
    every render of a template: kept by source, like the compiled templates."""

    size = 64
    items: dict[str, str] = {}
    lock = threading.Lock()

    @classmethod
    def get(cls, src_xml: str, patch: Callable[[str], str]) -> str:
        with cls.lock:
            got = cls.items.get(src_xml)
        if got is None:
            got = patch(src_xml)
            with cls.lock:
                if len(cls.items) >= cls.size:
                    cls.items.pop(next(iter(cls.items)))
                cls.items[src_xml] = got
        return got


@lru_cache(maxsize=1)
def _template_class() -> Any:
    """DocxTemplate with the patched XML kept (everything else is docxtpl's own)."""
    from docxtpl import DocxTemplate

    class HouseTemplate(DocxTemplate):
        def patch_xml(self, src_xml: str) -> str:
            return _PatchedXml.get(src_xml, super().patch_xml)

    return HouseTemplate


def render(
    name: str,
    context: Mapping[str, Any],
    *,
    lang: str | None = None,
    title: str,
    subject: str = "",
    author: str | None = None,
    when: datetime | None = None,
    custom_properties: Mapping[str, str] | None = None,
    post: Any = None,
    finish: Any = None,
    contract: Any = None,
) -> bytes:
    """Render ``docs_templates/<lang>/<name>.docx`` with autoescape in a sandbox.

    User text is data, never template: it goes through the context only, escaped, so
    ``<``, ``&`` and ``{{ }}`` in a requirement show as typed. ``post(docx_document)`` may
    add structure docxtpl cannot (pictures, Markdown-built sections) before saving;
    ``finish(docx_document)`` runs last, after fonts and properties (e.g.
    ``tasks.signoff.sign_document``), so the file is opened and saved only once.

    The house style's data goes in here, for every document: the header's values
    (``house``), dates in the document's language (``doc_date``), the author (the staff
    member responsible, ``author_of``), title and subject, created and modified now; nothing
    of the template's own properties is kept. A document made under ``contract`` names both
    its parties (``client``, ``contractor``) from it, unless the context names them.
    """
    lang = lang or get_settings().lang
    tpl = _template_class()(str(template_path(name, lang)))
    ctx = localise_dates(clean(parties(contract) | dict(context)), lang)
    ctx["house"] = house_context(name, ctx, title, lang)
    if "version" in ctx and "version_text" not in ctx:  # 第1版 (v1): one form everywhere
        from changeflow.wording import version_label

        ctx["version_text"] = version_label(ctx["version"], lang)
    tpl.render(ctx, jinja_env=_jinja_env(), autoescape=True)
    doc = tpl.docx
    _rendered_headers_in_place(doc)
    if post is not None:
        post(tpl)
    house_pass(doc)
    author = author if author is not None else author_of(ctx)
    prepare(doc, title=title, subject=subject, author=author, when=when)
    if custom_properties:
        write_custom_properties(doc, custom_properties)
    if finish is not None:
        finish(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --- the house style's data: header values, dates, author ------------------------------

_ISO_DATE = re.compile(r"(?<![\w.-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")
_CN_RANGE = re.compile(r"(\d日\*?)\s*(?:\.\.|—|–|~)\s*(\d{1,4}[年月])")
_EN_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2}\*?)\s*\.\.\s*(\d{4}-\d{2}-\d{2})")
# Context fields naming the staff member responsible for a document, in order of preference.
AUTHOR_FIELDS = ("author", "our_lead", "released_by", "tester", "engineer", "staff")


def doc_date(value: Any, lang: str) -> str:
    """THE date of every document: 2026年12月2日 in zh-CN (with the time after it when
    given), 2026-12-02 in English. Takes a date, a datetime or text holding ISO dates."""
    if isinstance(value, date):  # a datetime too
        from changeflow.wording import date_text

        return date_text(value, lang)
    if value is None:
        return ""
    text = str(value)
    if not is_zh(lang):
        return _EN_RANGE.sub(r"\1 to \2", text)  # 2026-07-01 to 2027-06-30, not ..
    text = _ISO_DATE.sub(lambda m: f"{int(m[1])}年{int(m[2])}月{int(m[3])}日", text)
    return _CN_RANGE.sub(r"\1至\2", text)  # 2026年7月1日至2027年6月30日, not .. or —


def localise_dates(value: Any, lang: str) -> Any:
    """Every date in a render context in the document's form (``doc_date``)."""
    if isinstance(value, str | date):
        return doc_date(value, lang)
    if isinstance(value, Mapping):
        return {k: localise_dates(v, lang) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [localise_dates(v, lang) for v in value]
    return value


def _text_of(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("name")
    text = str(value or "").strip()
    return "" if text in ("-", "—", "None") else text


def author_of(context: Mapping[str, Any]) -> str:
    """The staff member responsible for a document (from its context), else the company
    (setting ``company``), else empty: never the program's name."""
    for name in AUTHOR_FIELDS:
        text = _text_of(context.get(name))
        if text:
            return text.split("、")[0].split(",")[0].strip()
    return get_settings().company or ""


def parties(contract: Any) -> dict[str, Any]:
    """Both parties of ``contract`` (none without one): the client's name, and our company
    (``contracts.contractor_of``)."""
    if contract is None:
        return {}
    from .contracts import contractor_of

    return {"client": contract.client.name, "contractor": contractor_of(contract)}


def house_context(name: str, context: Mapping[str, Any], title: str, lang: str) -> dict[str, str]:
    """The values of the house header: client, project, document title, version (第1版)."""
    from changeflow.docs_templates.labels import HEADER_CLIENT_ONLY, HEADER_PARTIES
    from changeflow.wording import version_label

    client = _text_of(context.get("client"))
    contractor = _text_of(context.get("contractor")) or get_settings().company or ""
    project = _text_of(context.get("title")) or _text_of(context.get("contract"))
    if name in ("weekly", "sla-report", "dispatch"):
        project = _text_of(context.get("contract"))
    version = context.get("version")
    kind_title = title
    for known in _kind_titles(name):
        if title.startswith(known):
            kind_title = known
    key = _text_of(context.get("key")) or _text_of(context.get("number"))
    shown = f"{kind_title} {key}".strip() if key and key not in kind_title else kind_title
    return {
        "client": client,
        "contractor": contractor,
        "parties": pick(HEADER_PARTIES if contractor else HEADER_CLIENT_ONLY, lang).format(
            client=client, contractor=contractor
        )
        if client
        else "",
        "project": project,
        "title": shown,
        "version": version_label(version, lang),
        "to": "至" if is_zh(lang) else " to ",  # a range: 2026年12月9日至2027年1月6日
    }


def _kind_titles(name: str) -> tuple[str, ...]:
    """The document title of template ``name`` in both languages (declared with the
    builders, ``docs_templates.titles``: only that template's module is imported)."""
    from changeflow.docs_templates.titles import title_of

    return title_of(name)


def _rendered_headers_in_place(doc: DocxDocument) -> None:
    """docxtpl puts each rendered header and footer in as a new part by changing the
    relationship's target only; python-docx looks parts up in its own rId table, which still
    holds the template's unrendered ones (so ``section.header`` and the signature would see
    ``{{ house.client }}`` while the file saves the rendered text). Point that table at the
    rendered parts."""
    rels = doc.part.rels
    for rid, rel in rels.items():
        if not rel.is_external:
            rels._target_parts_by_rId[rid] = rel._target


_NUMBER = re.compile(r"^[¥￥]?[-+]?\d[\d,]*(\.\d+)?\s?%?$")
_AMOUNT = re.compile(r"^[¥￥]?[-+]?\d[\d,]*\.\d{2}$")
# the space between a number and its unit in a table cell (审批通过 5 分钟内, written by the
# client): a no-break space, as ``wording.qty`` writes ours, so the number keeps its unit
_UNIT_GAP = re.compile(r"(?<=\d) (?=分钟|小时|天|个工作日|(?:min|h|hours?|days?)(?![A-Za-z]))")


def house_pass(doc: DocxDocument) -> None:
    """What the house style does to a rendered document: a table the template did not style
    (one made from Markdown, one a client added) gets the house table style; amounts, and
    numbers in a table with a header row, are right-aligned; a table's last row is never
    alone on the next page."""
    from docx.table import Table

    from changeflow.docs_templates.fit import fit_table
    from changeflow.docs_templates.house import is_header_row, style_table

    width, size = text_width_mm(doc), normal_size(doc)
    for tbl in list(doc.element.body.iter(_W_TBL)):
        tblpr = tbl.find(_W_TBLPR)
        layout = tblpr.find(_W_TBLLAYOUT) if tblpr is not None else None
        if layout is None or layout.get(_W_TYPE) != "fixed":
            style_table(Table(tbl, doc.part))
        if tbl.getparent() is doc.element.body:  # widths from what the cells now hold
            fit_table(tbl, width, size)
        for x in tbl.iter(_W_T):
            if x.text and " " in x.text:
                x.text = _UNIT_GAP.sub("\u00a0", x.text)
        rows = tbl.findall(_W_TR)
        data = bool(rows) and is_header_row(rows[0])
        for r, tr in enumerate(rows):
            if data and r == 0:
                continue
            for tc in tr.findall(_W_TC):
                for p in tc.findall(_W_P):
                    text = "".join(x.text or "" for x in p.iter(_W_T)).strip()
                    if _AMOUNT.match(text) or (data and _NUMBER.match(text)):
                        _align_right(p)
    keep_table_ends(doc)
    keep_lists(doc)
    keep_signoff(doc)


_W_TBL, _W_TBLPR, _W_TBLLAYOUT = qn("w:tbl"), qn("w:tblPr"), qn("w:tblLayout")
_W_TR, _W_TC, _W_P, _W_T = qn("w:tr"), qn("w:tc"), qn("w:p"), qn("w:t")
_W_PPR, _W_PSTYLE, _W_JC, _W_KEEPNEXT = qn("w:pPr"), qn("w:pStyle"), qn("w:jc"), qn("w:keepNext")
_W_TYPE, _W_VAL = qn("w:type"), qn("w:val")
# what follows w:jc in a paragraph's properties (the schema's order, as python-docx has it)
_JC_SUCCESSORS = frozenset(qn(t) for t in (
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
    "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
))  # fmt: skip


def _ppr(p: Any) -> Any:
    """The paragraph's ``w:pPr``, added as its first child if missing (as python-docx's
    ``get_or_add_pPr``, without its element factory: this runs for hundreds of cells)."""
    ppr = p.find(_W_PPR)
    if ppr is None:
        ppr = p.makeelement(_W_PPR, {})
        p.insert(0, ppr)
    return ppr


def _align_right(p: Any) -> None:
    """``Paragraph(p).alignment = RIGHT``: ``w:jc w:val="right"`` in its schema place."""
    ppr = _ppr(p)
    jc = ppr.find(_W_JC)
    if jc is None:
        jc = ppr.makeelement(_W_JC, {})
        for child in ppr:
            if child.tag in _JC_SUCCESSORS:
                child.addprevious(jc)
                break
        else:
            ppr.append(jc)
    jc.set(_W_VAL, "right")


def text_width_mm(doc: DocxDocument) -> float:
    """The width between the margins of the document's first section."""
    s = doc.sections[0]
    if s.page_width is None or s.left_margin is None or s.right_margin is None:
        return 146.6
    from docx.shared import Mm

    return (s.page_width - s.left_margin - s.right_margin) / Mm(1)


def normal_size(doc: DocxDocument) -> float:
    size = doc.styles["Normal"].font.size
    return size.pt if size is not None else 10.5


KEEP_WHOLE_ROWS = 10  # a table of this many rows or fewer is kept on one page
KEEP_END_ROWS = 3  # else its first and its last rows stay in threes: none alone on a page


KEEP_WHOLE_MM = 100.0  # ... and no taller than this (about two fifths of a page)


def table_height_mm(tbl: Any) -> float:
    """About how tall a table is: each row as tall as its cell of the most wrapped lines at
    the column's width (the grid's), a line 1.3 times its font size."""
    import math

    from changeflow.docs_templates.fit import CELL_MARGIN_MM, text_mm

    grid = tbl.find(_W_TBLGRID)
    cols = [int(g.get(_W_W) or 0) / 56.7 for g in grid.findall(_W_GRIDCOL)] if (
        grid is not None) else []  # fmt: skip
    total = 0.0
    for tr in tbl.findall(_W_TR):
        tallest, col = 0.0, 0
        for tc in tr.findall(_W_TC):
            span = tc.find(_GRIDSPAN_PATH)
            n = int(span.get(_W_VAL)) if span is not None else 1
            width = max(sum(cols[col : col + n]) - 2 * CELL_MARGIN_MM, 5.0) if cols else 40.0
            col += n
            height = 0.0
            for p in tc.findall(_W_P):
                sz = p.find(_SZ_PATH)
                size = int(sz.get(_W_VAL)) / 2 if sz is not None else 10.5
                text = "".join(x.text or "" for x in p.iter(_W_T))
                lines = max(1, math.ceil(text_mm(text, size) / width)) if text else 1
                height += lines * size * 1.3 * 25.4 / 72
            tallest = max(tallest, height)
        total += tallest + 1.0
    return total


def _keep_next(p: Any) -> None:
    from docx.oxml import OxmlElement

    ppr = p.get_or_add_pPr()
    if ppr.find(qn("w:keepNext")) is None:
        style = ppr.find(qn("w:pStyle"))
        if style is None:
            ppr.insert(0, OxmlElement("w:keepNext"))
        else:
            style.addnext(OxmlElement("w:keepNext"))


def signoff_start(doc: DocxDocument) -> int | None:
    """Where the closing sign-off section begins (the index among the body's paragraphs and
    tables of its heading): the last heading, when everything after it is text and tables
    to be written in (a confirmation, a seal block); None when the document ends otherwise."""
    from changeflow.docs_templates.fit import _is_seal_block, is_form, read_columns

    els = [e for e in doc.element.body if e.tag in (qn("w:p"), qn("w:tbl"))]
    heads = [i for i, e in enumerate(els) if e.tag == qn("w:p") and _style_of(e).startswith(
        ("Heading", "heading"))]  # fmt: skip
    if not heads:
        return None
    after = [e for e in els[heads[-1] + 1 :] if e.tag == qn("w:tbl")]
    if not after:
        return None
    for tbl in after:
        cols = read_columns(tbl)
        if cols is None or not (is_form(cols) or _is_seal_block(cols)):
            return None
    return heads[-1]


def _style_of(p: Any) -> str:
    s = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return (s.get(qn("w:val")) or "") if s is not None else ""


KEEP_LIST_ITEMS = 8  # a list this short is kept on one page, with the line before it


_NUMBERED = re.compile(r"^\s*\d{1,2}[.、．)](?!\d)\s*\S")  # 1. 打开…, 2、检查… typed as text


def _is_list(p: Any) -> bool:
    """A list item: numbered or bulleted by Word, or a body paragraph that begins 1. / 2、"""
    ppr = p.find(qn("w:pPr"))
    if ppr is not None and (
        ppr.find(qn("w:numPr")) is not None or _style_of(p).startswith(("List", "list"))
    ):
        return True
    if _style_of(p).startswith(("Heading", "heading", "Title")):
        return False
    return bool(_NUMBERED.match("".join(t.text or "" for t in p.iter(qn("w:t")))))


def keep_lists(doc: DocxDocument) -> None:
    """No list leaves an item or two alone on the next page: a short list keeps with the
    line that introduces it and stays on one page; a longer one keeps its first two and
    its last three items together."""
    run: list[Any] = []

    def close() -> None:
        if len(run) >= 2:
            prev = run[0].getprevious()
            if len(run) <= KEEP_LIST_ITEMS:
                chosen = run[:-1]
                if prev is not None and prev.tag == qn("w:p"):
                    _keep_next(prev)
            else:
                chosen = run[:2] + run[-3:-1]
            for p in chosen:
                _keep_next(p)
        run.clear()

    for e in doc.element.body:
        if e.tag == qn("w:p") and _is_list(e):
            run.append(e)
        else:
            close()
    close()


def keep_signoff(doc: DocxDocument) -> None:
    """The sign-off (or seal) section at the end never stands alone on the last page: what
    comes before its heading (the last rows of the table before it, or the paragraph) keeps
    with it, so the block that does not fit under the content takes some of it along. A
    table before it that was kept whole may split in its middle instead (its first and last
    rows still in threes), so that it does not leave a page mostly empty."""
    at = signoff_start(doc)
    if at is None:
        return
    els = [e for e in doc.element.body if e.tag in (qn("w:p"), qn("w:tbl"))]

    def has_text(e: Any) -> bool:
        return bool("".join(t.text or "" for t in e.iter(qn("w:t"))).strip())

    before = [i for i in range(at) if has_text(els[i]) or els[i].tag == qn("w:tbl")]
    if not before:
        return
    from changeflow.docs_templates.house import is_header_row

    for e in els[before[-1] : at]:
        if e.tag == qn("w:tbl"):
            rows = e.findall(qn("w:tr"))
            head = sum(1 for tr in rows if is_header_row(tr))
            for tr in rows[head + KEEP_END_ROWS - 1 : -KEEP_END_ROWS]:
                for p in tr.iter(qn("w:p")):
                    ppr = p.find(qn("w:pPr"))
                    for k in ppr.findall(qn("w:keepNext")) if ppr is not None else ():
                        ppr.remove(k)
            for p in rows[-1].iter(qn("w:p")) if rows else ():
                _keep_next(p)
        else:
            _keep_next(e)


_W_TBLGRID, _W_GRIDCOL, _W_W = qn("w:tblGrid"), qn("w:gridCol"), qn("w:w")
_GRIDSPAN_PATH = f"{qn('w:tcPr')}/{qn('w:gridSpan')}"
_SZ_PATH = f".//{qn('w:sz')}"


def keep_table_ends(doc: DocxDocument) -> None:
    """No table leaves one or two rows alone: a short table (few rows, not tall) is kept on
    one page, a longer one keeps its header with the two rows after it and its last three
    rows together (the paragraphs of a row keep with the next row)."""

    def keep(tr: Any) -> None:
        for p in tr.iter(_W_P):
            ppr = _ppr(p)
            if ppr.find(_W_KEEPNEXT) is None:
                style = ppr.find(_W_PSTYLE)
                if style is None:
                    ppr.insert(0, ppr.makeelement(_W_KEEPNEXT, {}))
                else:
                    style.addnext(ppr.makeelement(_W_KEEPNEXT, {}))

    for tbl in doc.element.body.iter(_W_TBL):
        rows = tbl.findall(_W_TR)
        if len(rows) < 2:
            continue
        if len(rows) <= KEEP_WHOLE_ROWS and table_height_mm(tbl) <= KEEP_WHOLE_MM:
            chosen = rows[:-1]
        else:
            from changeflow.docs_templates.house import is_header_row

            head = sum(1 for tr in rows if is_header_row(tr))
            chosen = rows[: head + KEEP_END_ROWS - 1] + rows[-KEEP_END_ROWS:-1]
        for tr in chosen:
            keep(tr)
