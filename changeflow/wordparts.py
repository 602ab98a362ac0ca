"""The parts of a .docx every document the house makes gets: fonts for Chinese, A4, core
and custom properties, a text cleaned of control characters.

Why it exists: python-docx gets several things wrong for a Chinese client by default (only
Latin fonts set, US Letter, author "python-docx", created 2013). The template builders
(``docs_templates``) and the rendering and reading in ``tasks`` both use it, so it lives at
the bottom, below both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

EAST_ASIA_FONT = "SimSun"  # 宋体; LibreOffice maps it to Noto/Source Han when absent
HEADING_EAST_ASIA_FONT = "SimHei"  # 黑体
LATIN_FONT = "Calibri"

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
    when = (when or datetime.now(UTC)).replace(microsecond=0)
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
