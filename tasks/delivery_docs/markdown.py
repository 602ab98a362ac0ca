"""Markdown to Word: markdown-it's token stream (HTML off) written as real Word structure,
headings, lists, tables, code blocks, bold, italic, code and links. Raw HTML shows as the text
it is, never as markup; links are written out, never fetched; images in the Markdown are shown
by their alt text (pictures come only from screenshots).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .common import CONTROL

MONO = "Consolas"


@lru_cache(maxsize=1)
def md_parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


class MarkdownWriter:
    """Writes markdown-it tokens as paragraphs, lists and tables before ``anchor``.

    ``pictures``: the screenshots given with the notes, by file name; a paragraph that is
    only an image naming one (``![新建请假单](请假单界面.png)``) places that picture there
    with its numbered caption (the alt text, else the screenshot's own); ``placed`` lists
    them in order. Any other image shows as its alt text (nothing is fetched)."""

    def __init__(
        self,
        doc: Any,
        anchor: Any,
        base_heading: int = 2,
        pictures: dict[str, Any] | None = None,
        lang: str = "zh-CN",
    ) -> None:
        self.doc, self.anchor, self.base = doc, anchor, base_heading
        self.pictures = pictures or {}
        self.lang = lang
        self.placed: list[str] = []
        self.lists: list[dict[str, Any]] = []  # {"ordered": bool, "n": int}
        self.quote = 0
        # style name -> id, looked up once (python-docx searches every style per lookup)
        self.style_ids = {s.name: s.style_id for s in doc.styles}

    # placement ------------------------------------------------------------------
    def _para(self, style: str | None = None) -> Any:
        p = self.doc.add_paragraph()
        if style is not None and style in self.style_ids:
            p._p.style = self.style_ids[style]
        self.anchor.addprevious(p._p)
        return p

    def _table(self, rows: int, cols: int) -> Any:
        t = self.doc.add_table(rows=rows, cols=cols)
        if "Table Grid" in self.style_ids:
            t._tbl.tblPr.style = self.style_ids["Table Grid"]
        self.anchor.addprevious(t._tbl)
        return t

    # inline ---------------------------------------------------------------------
    def inline(self, p: Any, children: Sequence[Any]) -> None:
        bold = italic = strike = False
        link: str | None = None
        link_text: list[str] = []
        for tok in children:
            t = tok.type
            if t == "strong_open":
                bold = True
            elif t == "strong_close":
                bold = False
            elif t == "em_open":
                italic = True
            elif t == "em_close":
                italic = False
            elif t == "s_open":
                strike = True
            elif t == "s_close":
                strike = False
            elif t == "link_open":
                link = str(tok.attrs.get("href") or "")
                link_text = []
            elif t == "link_close":
                shown = "".join(link_text)
                if link and link != shown and not link.startswith("#"):
                    self._run(p, f" ({link})", color=True)
                link = None
            elif t in ("text", "html_inline"):
                run = self._run(p, tok.content, bold=bold, italic=italic or self.quote > 0)
                if strike:
                    run.font.strike = True
                if link is not None:
                    link_text.append(tok.content)
                    run.underline = True
                    run.font.color.rgb = RGBColor(0x1F, 0x4E, 0x79)
            elif t == "code_inline":
                self._run(p, tok.content, mono=True, bold=bold)
            elif t == "softbreak":
                self._run(p, " ")
            elif t == "hardbreak":
                p.add_run().add_break()
            elif t == "image":
                alt = tok.content or "".join(c.content for c in tok.children or [])
                self._run(p, f"[{alt or 'image'}]", italic=True)

    def _run(
        self,
        p: Any,
        text: str,
        *,
        bold: bool = False,
        italic: bool = False,
        mono: bool = False,
        color: bool = False,
    ) -> Any:
        run = p.add_run(CONTROL.sub("", text))
        if bold:
            run.bold = True
        if italic:
            run.italic = True
        if mono:
            _mono(run)
        if color:
            run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        return run

    # blocks ---------------------------------------------------------------------
    def write(self, tokens: Sequence[Any]) -> None:
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            t = tok.type
            if t == "heading_open":
                level = min(self.base + int(tok.tag[1]) - 1, 4)
                p = self._para(f"Heading {level}")
                self.inline(p, tokens[i + 1].children or [])
                i += 3
                continue
            if t == "paragraph_open" and self._picture(tokens[i + 1].children or []):
                i += 3
                continue
            if t == "paragraph_open":
                p = (
                    self._list_paragraph()
                    if self.lists
                    else self._para("Quote" if self.quote else None)
                )
                self.inline(p, tokens[i + 1].children or [])
                i += 3
                continue
            if t in ("bullet_list_open", "ordered_list_open"):
                start = int(tok.attrs.get("start") or 1) if t == "ordered_list_open" else 1
                self.lists.append({"ordered": t == "ordered_list_open", "n": start - 1,
                                   "fresh": False})  # fmt: skip
            elif t in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif t == "list_item_open":
                self.lists[-1]["n"] += 1
                self.lists[-1]["fresh"] = True
            elif t == "blockquote_open":
                self.quote += 1
            elif t == "blockquote_close":
                self.quote -= 1
            elif t in ("fence", "code_block"):
                self.code(tok.content)
            elif t == "table_open":
                i = self.table(tokens, i)
                continue
            elif t == "hr":
                p = self._para()
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                p.add_run("* * *")
            elif t == "html_block":  # not produced with html off; shown as text if it is
                self._para().add_run(CONTROL.sub("", tok.content))
            i += 1

    def _picture(self, children: Sequence[Any]) -> bool:
        """Place the screenshot a paragraph consisting of one image names; False if not."""
        import dataclasses
        from pathlib import PurePosixPath
        from urllib.parse import unquote

        from .screenshots import write_screenshots

        shown = [c for c in children if not (c.type == "text" and not c.content.strip())]
        shown = [c for c in shown if c.type not in ("softbreak", "hardbreak")]
        if len(shown) != 1 or shown[0].type != "image" or not self.pictures:
            return False
        img = shown[0]
        # markdown-it percent-encodes a destination (请假单界面.png -> %E8%AF%B7...)
        name = PurePosixPath(unquote(str(img.attrs.get("src") or ""))).name
        shot = self.pictures.get(name)
        if shot is None:
            return False
        alt = CONTROL.sub("", img.content or "").strip()
        if alt:
            shot = dataclasses.replace(shot, caption=alt[:200])
        write_screenshots(self.doc, self.anchor, [shot], self.lang, start=len(self.placed) + 1)
        self.placed.append(name)
        return True

    def _list_paragraph(self) -> Any:
        depth = len(self.lists)
        top = self.lists[-1]
        if top["ordered"]:
            p = self._para()
            p.paragraph_format.left_indent = Mm(7 * depth)
            p.paragraph_format.first_line_indent = Mm(-6)
            if top["fresh"]:
                p.add_run(f"{top['n']}. ")
        else:
            style = "List Bullet" if depth == 1 else f"List Bullet {min(depth, 3)}"
            p = self._para(style if top["fresh"] else None)
            if not top["fresh"]:
                p.paragraph_format.left_indent = Mm(7 * depth)
        top["fresh"] = False
        return p

    def code(self, text: str) -> None:
        lines = CONTROL.sub("", text.replace("\t", "    ")).rstrip("\n").split("\n")
        for line in lines:
            p = self._para()
            fmt = p.paragraph_format
            fmt.space_before = fmt.space_after = Pt(0)
            fmt.left_indent = Mm(4)
            _shade(p)
            _mono(p.add_run(line or " "))

    def table(self, tokens: Sequence[Any], i: int) -> int:
        rows: list[list[tuple[Any, str]]] = []
        header_rows = 0
        in_head = False
        j = i + 1
        while tokens[j].type != "table_close":
            t = tokens[j].type
            if t == "thead_open":
                in_head = True
            elif t == "thead_close":
                in_head = False
            elif t == "tr_open":
                rows.append([])
                if in_head:
                    header_rows += 1
            elif t in ("th_open", "td_open"):
                style = str(tokens[j].attrs.get("style") or "")
                rows[-1].append((tokens[j + 1], style))
                j += 2
            j += 1
        cols = max((len(r) for r in rows), default=1)
        table = self._table(len(rows), cols)
        for r, row in enumerate(rows):
            cells = table.rows[r].cells
            for c, (inline, style) in enumerate(row):
                p = cells[c].paragraphs[0]
                self.inline(p, inline.children or [])
                if "right" in style:
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                elif "center" in style:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                for run in p.runs:
                    run.font.size = Pt(9)
                    if r < header_rows:
                        run.bold = True
        if header_rows:
            tr_pr = table.rows[0]._tr.get_or_add_trPr()
            tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {}))
        self._para()  # space after the table
        return j + 1


def _mono(run: Any) -> None:
    run.font.name = MONO
    run.font.size = Pt(8.5)
    rfonts = run._r.get_or_add_rPr().find(qn("w:rFonts"))
    if rfonts is not None:
        rfonts.set(qn("w:eastAsia"), "SimSun")


def _shade(p: Any) -> None:
    ppr = p._p.get_or_add_pPr()
    shd = ppr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto",
                                        qn("w:fill"): "F2F2F2"})  # fmt: skip
    ppr.append(shd)


def write_markdown(
    doc: Any,
    anchor: Any,
    text: str,
    base_heading: int = 2,
    pictures: dict[str, Any] | None = None,
    lang: str = "zh-CN",
) -> list[str]:
    """Write ``text`` as Word structure before the paragraph element ``anchor``; returns the
    names of the ``pictures`` placed in it (see ``MarkdownWriter``)."""
    writer = MarkdownWriter(doc, anchor, base_heading, pictures, lang)
    writer.write(md_parser().parse(text))
    return writer.placed
