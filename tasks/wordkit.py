"""Rendering every document: a template filled with autoescape in a sandbox, the house
style's data (header values, dates, author) and the house pass over the result.

Why it exists: docxtpl renders without autoescape and recompiles on every render. The parts
every .docx gets (Chinese fonts, A4, properties) live below, in ``changeflow.wordparts``,
shared with the template builders.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from changeflow.bilingual import is_zh
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
        return f"{value.year}年{value.month}月{value.day}日" if is_zh(lang) else (value.isoformat())
    if value is None:
        return ""
    text = str(value)
    if not is_zh(lang):
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


def _kind_titles(name: str) -> tuple[str, ...]:
    """The document title of template ``name`` in both languages (declared with the
    builders, ``docs_templates.build.TITLES``)."""
    from changeflow.docs_templates.build import TITLES

    return TITLES.get(name, ())


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
