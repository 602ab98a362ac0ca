"""Word plumbing shared by every document: fonts for Chinese, A4, properties, rendering.

Why it exists: python-docx and docxtpl get several things wrong for a Chinese client by
default (only Latin fonts set, US Letter, author "python-docx", no autoescape). Every
template builder and every rendered document goes through these functions.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree

from changeflow.db.types import utcnow
from changeflow.errors import ConfigError
from changeflow.settings import get_settings

EAST_ASIA_FONT = "SimSun"  # 宋体; LibreOffice maps it to Noto/Source Han when absent
HEADING_EAST_ASIA_FONT = "SimHei"  # 黑体
LATIN_FONT = "Calibri"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def _rfonts(rpr: Any, east_asia: str, latin: str | None) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = etree.SubElement(rpr, qn("w:rFonts"))
        rpr.remove(rfonts)
        rpr.insert(0, rfonts)
    for attr in ("w:eastAsiaTheme", "w:asciiTheme", "w:hAnsiTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), east_asia)
    if latin:
        rfonts.set(qn("w:ascii"), latin)
        rfonts.set(qn("w:hAnsi"), latin)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = etree.SubElement(rpr, qn("w:lang"))
    lang.set(qn("w:eastAsia"), "zh-CN")


def set_east_asian_fonts(doc: DocxDocument) -> None:
    """Set w:eastAsia on docDefaults and every style that names fonts; drop theme fonts."""
    styles = doc.styles.element
    doc_defaults = styles.find(qn("w:docDefaults"))
    if doc_defaults is None:
        doc_defaults = etree.SubElement(styles, qn("w:docDefaults"))
        styles.remove(doc_defaults)
        styles.insert(0, doc_defaults)
    rpr_default = doc_defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = etree.SubElement(doc_defaults, qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = etree.SubElement(rpr_default, qn("w:rPr"))
    _rfonts(rpr, EAST_ASIA_FONT, LATIN_FONT)
    for style in styles.findall(qn("w:style")):
        sid = style.get(qn("w:styleId")) or ""
        style_rpr = style.find(qn("w:rPr"))
        is_heading = sid.startswith("Heading") or sid == "Title"
        if (
            sid == "Normal"
            or is_heading
            or (style_rpr is not None and style_rpr.find(qn("w:rFonts")) is not None)
        ):
            if style_rpr is None:
                style_rpr = etree.SubElement(style, qn("w:rPr"))
            _rfonts(
                style_rpr,
                HEADING_EAST_ASIA_FONT if is_heading else EAST_ASIA_FONT,
                LATIN_FONT,
            )


# The house page (docs_templates/house.py builds it into every template): A4, top/bottom
# 2.54 cm, left/right 3.17 cm.
PAGE_MARGINS_MM = {"top": 25.4, "bottom": 25.4, "left": 31.7, "right": 31.7}


def set_a4(doc: DocxDocument) -> None:
    """A4 paper; a section still on python-docx's US Letter also gets the house margins
    (a template that chose its own margins on A4 keeps them)."""
    m = PAGE_MARGINS_MM
    for section in doc.sections:
        if section.page_width == Mm(210) and section.page_height == Mm(297):
            continue
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin, section.right_margin = Mm(m["left"]), Mm(m["right"])
        section.top_margin, section.bottom_margin = Mm(m["top"]), Mm(m["bottom"])


def set_core(
    doc: DocxDocument,
    *,
    title: str,
    subject: str = "",
    author: str = "",
    when: datetime | None = None,
    keywords: str = "",
) -> None:
    """Real core properties (python-docx otherwise says author python-docx, 2013)."""
    when = (when or utcnow()).replace(microsecond=0)
    cp = doc.core_properties
    title, subject, author, keywords = (clean(v)[:255] for v in (title, subject, author, keywords))
    cp.title, cp.subject, cp.author, cp.keywords = title, subject, author, keywords
    cp.last_modified_by = author
    cp.created = cp.modified = when.astimezone(UTC).replace(tzinfo=None)
    cp.revision = 1
    cp.comments = ""
    cp.category = ""
    cp.content_status = ""
    cp.identifier = ""
    cp.language = ""
    cp.version = ""


def prepare(
    doc: DocxDocument,
    *,
    title: str,
    subject: str = "",
    author: str = "",
    when: datetime | None = None,
) -> None:
    """Fonts, paper and properties: what every document we issue gets."""
    set_east_asian_fonts(doc)
    set_a4(doc)
    set_core(doc, title=title, subject=subject, author=author, when=when)


# --- custom document properties (survive a re-save in Word, WPS and LibreOffice) ---------


def _custom_part(doc: DocxDocument) -> Part | None:
    for rel in doc.part.package.rels.values():
        if rel.reltype == RT.CUSTOM_PROPERTIES:
            return rel.target_part
    return None


def read_custom_properties(doc: DocxDocument) -> dict[str, str]:
    part = _custom_part(doc)
    if part is None:
        return {}
    try:
        root = etree.fromstring(part.blob, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return {}
    out: dict[str, str] = {}
    for prop in root.findall(f"{{{CUSTOM_NS}}}property"):
        name = prop.get("name")
        if name is None or len(prop) == 0:
            continue
        out[name] = prop[0].text or ""
    return out


def write_custom_properties(doc: DocxDocument, props: Mapping[str, str]) -> None:
    """Replace the custom properties part with ``props`` (all as text, vt:lpwstr)."""
    items = "".join(
        f'<property fmtid="{FMTID}" pid="{pid}" name="{escape(name, {chr(34): "&quot;"})}">'
        f"<vt:lpwstr>{escape(str(value))}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(sorted(props.items()), start=2)
    )
    blob = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{CUSTOM_NS}" xmlns:vt="{VT_NS}">{items}</Properties>'
    ).encode()
    existing = _custom_part(doc)
    if existing is not None:
        existing._blob = blob  # python-docx keeps generic parts as blobs
        return
    package = doc.part.package
    part = Part(PackURI("/docProps/custom.xml"), CUSTOM_CT, blob, package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


# --- rendering -------------------------------------------------------------------------


def clean(value: Any) -> Any:
    """Strip control characters from every string in a render context (Word drops them
    silently otherwise, and some make the file unreadable)."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, Mapping):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


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
    of the template's own properties is kept.
    """
    from docxtpl import DocxTemplate

    lang = lang or get_settings().lang
    tpl = DocxTemplate(str(template_path(name, lang)))
    ctx = localise_dates(clean(dict(context)), lang)
    ctx["house"] = house_context(name, ctx, title, lang)
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
# Context fields naming the staff member responsible for a document, in order of preference.
AUTHOR_FIELDS = ("author", "our_lead", "released_by", "tester", "engineer", "staff")


def doc_date(value: Any, lang: str) -> str:
    """THE date of every document: 2026年12月2日 in zh-CN (with the time after it when
    given), 2026-12-02 in English. Takes a date, a datetime or text holding ISO dates."""
    if isinstance(value, datetime):
        head = doc_date(value.date(), lang)
        return (
            head
            if (value.hour, value.minute) == (0, 0) and not value.second
            else (f"{head} {value:%H:%M}")
        )
    if isinstance(value, date):
        return (
            f"{value.year}年{value.month}月{value.day}日"
            if lang == "zh-CN"
            else (value.isoformat())
        )
    if value is None:
        return ""
    text = str(value)
    if lang != "zh-CN":
        return text
    return _ISO_DATE.sub(lambda m: f"{int(m[1])}年{int(m[2])}月{int(m[3])}日", text)


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


def house_context(name: str, context: Mapping[str, Any], title: str, lang: str) -> dict[str, str]:
    """The values of the house header: client, project, document title, version."""
    client = _text_of(context.get("client"))
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
        "project": project,
        "title": shown,
        "version": f"v{version}" if version not in (None, "") else "",
    }


def _kind_titles(name: str) -> list[str]:
    import importlib

    module = {
        "plan": "labels:PLAN_TITLE", "taskbook": "labels:TITLE",
    }.get(name, f"tpl_{name.replace('-', '')}:TITLE")  # fmt: skip
    mod, _, attr = module.partition(":")
    try:
        pair = getattr(importlib.import_module(f"changeflow.docs_templates.{mod}"), attr)
    except (ImportError, AttributeError):
        return []
    return list(pair)


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


def house_pass(doc: DocxDocument) -> None:
    """What the house style does to a rendered document: a table the template did not style
    (one made from Markdown, one a client added) gets the house table style; amounts, and
    numbers in a table with a header row, are right-aligned; a table's last row is never
    alone on the next page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.table import Table

    from changeflow.docs_templates.house import is_header_row, style_table

    for tbl in list(doc.element.body.iter(qn("w:tbl"))):
        t = Table(tbl, doc.part)
        layout = tbl.tblPr.find(qn("w:tblLayout")) if tbl.tblPr is not None else None
        if layout is None or layout.get(qn("w:type")) != "fixed":
            style_table(t)
        rows = tbl.findall(qn("w:tr"))
        data = bool(rows) and is_header_row(rows[0])
        for r, tr in enumerate(rows):
            if data and r == 0:
                continue
            for tc in tr.findall(qn("w:tc")):
                for p in tc.findall(qn("w:p")):
                    text = "".join(x.text or "" for x in p.iter(qn("w:t"))).strip()
                    if _AMOUNT.match(text) or (data and _NUMBER.match(text)):
                        from docx.text.paragraph import Paragraph

                        Paragraph(p, t).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    keep_table_ends(doc)


def keep_table_ends(doc: DocxDocument) -> None:
    """A table's last row never alone on the next page: the row before it keeps with it."""
    from docx.oxml import OxmlElement

    for tbl in doc.element.body.iter(qn("w:tbl")):
        rows = tbl.findall(qn("w:tr"))
        if len(rows) < 3:
            continue
        for p in rows[-2].iter(qn("w:p")):
            ppr = p.get_or_add_pPr()
            if ppr.find(qn("w:keepNext")) is None:
                style = ppr.find(qn("w:pStyle"))
                if style is None:
                    ppr.insert(0, OxmlElement("w:keepNext"))
                else:
                    style.addnext(OxmlElement("w:keepNext"))
