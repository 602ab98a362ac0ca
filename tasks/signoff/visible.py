"""What a person sees on the page: one reading of a Word document, in reading order.

Used for the signed digest when we issue a document and for the comparison when it comes
back, so both sides read exactly the same way. It reads:

- text runs, tabs and breaks; symbol characters (``w:sym``) as the character they show
  (Wingdings, Wingdings 2 and Symbol tick boxes and digits mapped; an unknown symbol of a
  symbol font is refused);
- of markup-compatibility blocks (``mc:AlternateContent``) the branch an editor displays:
  the first choice whose requirements are known, else the fallback; when both branches
  hold text and they differ, the file is refused (a Word text box and its VML fallback copy
  are the same text, read once);
- text boxes (modern and VML), WordArt strings, tables at any depth, headers and footers,
  footnotes and endnotes at their reference;
- tracked changes as the document displays them: insertions in, deletions out; hidden text
  (``w:vanish``, directly or resolved through the document defaults and the table,
  paragraph and character styles, ``drawn.Styles``) out; deleted table rows out, rows with
  ``w:trPr/w:hidden`` in (Word draws them: the property hides only the end-of-row mark);
  struck-through text (resolved the same way) marked as such (it reads as withdrawn);
- list numbers and bullets (``w:numPr``) as the label each paragraph shows;
- content controls bound to document data (``w:dataBinding``) as Word shows them: the
  cached text when the bound value is the same, else refused by name;
- the comments in the margin (``Visible.comments``: the sign-off reading refuses them);
- floating shapes, pictures and frames drawn in front of the text, noted on their
  paragraph (``Para.covers``) for ``content`` to refuse (or allow: a signature or seal);
- fields as their results, except those an editor recomputes whenever it shows the page
  (PAGE, NUMPAGES, DATE, ...), which are read by their name; pictures by the digest of
  their image.

Anything it cannot account for (an embedded object, an altChunk, a chart, a sub-document,
an ActiveX control, a field that pulls content from elsewhere, an element it does not know
inside a paragraph) raises ``Unreadable`` with its name rather than being ignored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from docx.document import Document as DocxDocument
from docx.oxml.ns import nsmap as _NSMAP

from .drawn import (
    Cover,
    DataStore,
    Numbering,
    Styles,
    Unreadable,
    binding_of,
    comment_parts,
    control_name,
    covering_drawing,
    covering_frame,
    covering_vml,
    first,
)
from .glyphs import in_font, run_font, symbol
from .text import normalise

W = _NSMAP["w"]
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
R = _NSMAP["r"]
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
V = "urn:schemas-microsoft-com:vml"
OFFICE = "urn:schemas-microsoft-com:office:office"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
WPG = "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup"
WPC = "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas"
PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
M = "http://schemas.openxmlformats.org/officeDocument/2006/math"


@cache  # called for every tag of every run the reader looks at: build each name once
def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Namespaces a current editor understands: a ``mc:Choice`` requiring only these is shown.
KNOWN_PREFIXES = {
    "wps", "wpg", "wpc", "wpi", "w14", "w15", "w16", "w16se", "w16cid", "w16cex", "w16du",
    "w16sdtdh", "wp14", "a14", "v", "o", "m", "w", "wne", "cx", "cx1", "cx2", "aink", "am3d",
}  # fmt: skip

# Fields an editor recomputes every time it shows or prints the page: their stored result
# is not what the reader of the page sees, so they are read by name.
LIVE_FIELDS = {
    "PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "DATE", "TIME", "PRINTDATE", "SAVEDATE",
    "EDITTIME", "FILENAME", "FILESIZE",
}  # fmt: skip
# Fields whose result comes from outside the file: refused.
FOREIGN_FIELDS = {
    "INCLUDETEXT", "INCLUDEPICTURE", "LINK", "DDE", "DDEAUTO", "IMPORT", "INCLUDE", "RD",
    "AUTOTEXT", "AUTOTEXTLIST", "DATABASE", "MERGEFIELD", "NEXT", "NEXTIF", "SKIPIF",
}  # fmt: skip

# Elements inside a paragraph (or a run) that carry no visible text of their own.
_SILENT = {
    _w(t)
    for t in (
        "pPr", "rPr", "bookmarkStart", "bookmarkEnd", "proofErr", "permStart", "permEnd",
        "commentRangeStart", "commentRangeEnd", "commentReference", "lastRenderedPageBreak",
        "moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd",
        "customXmlInsRangeStart", "customXmlInsRangeEnd", "customXmlDelRangeStart",
        "customXmlDelRangeEnd", "annotationRef", "footnoteRef", "endnoteRef", "separator",
        "continuationSeparator", "dayShort", "monthShort", "yearShort", "dayLong", "monthLong",
        "yearLong", "pgNum", "ptab", "fldChar", "instrText", "delInstrText", "sectPr",
        "contentPart", "sdtPr", "sdtEndPr", "tblPr", "tblGrid", "trPr", "tcPr",
        "tblPrEx", "rPrChange", "pPrChange", "sectPrChange", "numberingChange", "customXmlPr",
    )
}  # fmt: skip
_REFUSED = {
    _w("object"): "an embedded object (OLE)",
    _w("altChunk"): "an imported chunk of another document (altChunk)",
    _w("subDoc"): "a sub-document",
    _w("control"): "an ActiveX control",
    f"{{{OFFICE}}}OLEObject": "an embedded object (OLE)",
}
# The tags the reader compares most often, named once (it looks at every child of every
# paragraph and run of a document, twice a signature).
_P, _TBL, _R, _T, _PPR, _RPR = _w("p"), _w("tbl"), _w("r"), _w("t"), _w("pPr"), _w("rPr")
_INLINE_WRAPPERS = frozenset(
    _w(t) for t in ("hyperlink", "ins", "moveTo", "smartTag", "customXml", "dir", "bdo",
                    "sdtContent", "fldSimple")
)  # fmt: skip
_ROW_WRAPPERS = (_w("sdt"), _w("customXml"), _w("sdtContent"), _w("ins"))


@dataclass
class Para:
    """A paragraph: its text as shown (text boxes and notes included where they stand)."""

    text: str
    # floating objects anchored here and drawn in front of the text (``drawn.Cover``): the
    # caller decides (a signature or seal picture in a signing cell is allowed)
    covers: list[Cover] = field(default_factory=list)


@dataclass
class Cell:
    blocks: list[Para | Table] = field(default_factory=list)


@dataclass
class Table:
    rows: list[list[Cell]] = field(default_factory=list)
    signoff: bool = False  # set by the caller that knows the sign-off labels
    fill_column: int | None = None  # a per-row column the client fills (set by the caller)
    register: bool = False  # a sign-in register: every cell right of the first is written
    seal: bool = False  # the seal block (签章栏: 甲方/乙方 × 签字/盖章/日期), set likewise


@dataclass
class Visible:
    """A document as read: body blocks, each header and footer, and the text boxes."""

    body: list[Para | Table]
    margins: list[tuple[str, list[Para | Table]]]
    boxes: list[list[Para | Table]]
    # the comments in the margin: (author, text), in the file's order
    comments: list[tuple[str, str]] = field(default_factory=list)

    def walk(self) -> Iterator[Para | Table]:
        """Every block at any depth, in reading order: the body, the margins, the text boxes
        (a table before the blocks of its cells)."""

        def blocks(items: list[Para | Table]) -> Iterator[Para | Table]:
            for b in items:
                yield b
                if isinstance(b, Table):
                    for row in b.rows:
                        for c in row:
                            yield from blocks(c.blocks)

        yield from blocks(self.body)
        for _, items in self.margins:
            yield from blocks(items)
        for box in self.boxes:
            yield from blocks(box)

    def paragraphs(self) -> list[Para]:
        """Every paragraph at any depth (table cells and text boxes included)."""
        return [b for b in self.walk() if isinstance(b, Para)]

    def tables(self) -> list[Table]:
        """Every table at any depth, in reading order (those in text boxes included)."""
        return [b for b in self.walk() if isinstance(b, Table)]


def block_text(block: Para | Table) -> str:
    if isinstance(block, Para):
        return block.text
    return " ".join(cell_text(c) for row in block.rows for c in row)


def cell_text(cell: Cell) -> str:
    return " ".join(t for t in (block_text(b) for b in cell.blocks) if t)


class _Reader:
    def __init__(self, doc: DocxDocument) -> None:
        self.doc = doc
        self.part = doc.part
        self.boxes: list[list[Para | Table]] = []
        self.styles = Styles(self.part)
        self.numbering = Numbering(self.part)
        self.store = DataStore(self.part)
        self._tstyles: list[str | None] = []  # the table style of each enclosing table
        self._covers: list[Cover] = []  # floating objects of the paragraph being read
        self._notes: dict[str, dict[str, Any]] = {}
        # open complex fields: [instruction, live?, "instr" | "result"]
        self._fields: list[list[Any]] = []

    # --- blocks -------------------------------------------------------------------------

    def blocks(self, el: Any, part: Any) -> list[Para | Table]:
        out: list[Para | Table] = []
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                continue  # comments, processing instructions
            if tag == _P:
                out.append(self.paragraph(child, part))
            elif tag == _TBL:
                out.append(self.table(child, part))
            elif tag in (_w("sdt"),):
                content = child.find(_w("sdtContent"))
                got = self.blocks(content, part) if content is not None else []
                self._bound(child, " ".join(block_text(b) for b in got))
                out.extend(got)
            elif tag in (_w("customXml"), _w("ins"), _w("moveTo"), _w("sdtContent")):
                out.extend(self.blocks(child, part))
            elif tag in (_w("del"), _w("moveFrom")):
                continue
            elif tag == f"{{{MC}}}AlternateContent":
                branch = self._branch(child, lambda b: self.blocks(b, part))
                out.extend(branch)
            elif tag in _REFUSED:
                raise Unreadable(_REFUSED[tag])
            elif tag in _SILENT:
                continue
            else:
                _unknown(child)
        return out

    def table(self, tbl: Any, part: Any) -> Table:
        t = Table()
        tblpr = first(tbl, _w("tblPr"))
        tsid = first(tblpr, _w("tblStyle")) if tblpr is not None else None
        self._tstyles.append(
            self.styles.table_style(tsid.get(_w("val")) if tsid is not None else None)
        )
        try:
            for tr in _children(tbl, _w("tr")):
                # a deleted row is out; a row with w:trPr/w:hidden is drawn (Word hides only
                # its end-of-row mark), so it is read like any other
                trpr = first(tr, _w("trPr"))
                if trpr is not None and first(trpr, _w("del")) is not None:
                    continue
                row = []
                for tc in _children(tr, _w("tc")):
                    row.append(Cell(self.blocks(tc, part)))
                t.rows.append(row)
        finally:
            self._tstyles.pop()
        return t

    # --- inline content -------------------------------------------------------------------

    def paragraph(self, p: Any, part: Any) -> Para:
        ppr = first(p, _PPR)
        pstyle = None
        if ppr is not None:
            ps = first(ppr, _w("pStyle"))
            if ps is not None:
                pstyle = ps.get(_w("val"))
        num_id, ilvl = self.styles.para_numpr(ppr, pstyle)
        label = self.numbering.label(num_id, ilvl, self.styles, in_font)
        saved, self._covers = self._covers, []
        try:
            frame = covering_frame(ppr)
            if frame is not None:
                self._covers.append(frame)
            text = _collapse("".join(self.inline(p, part, pstyle)).replace("~~~~", ""))
            covers = self._covers
        finally:
            self._covers = saved
        if label:
            text = _collapse(f"{label} {text}")
        return Para(text, covers)

    def _bound(self, sdt: Any, cached: str) -> None:
        """A control bound to document data shows that data in Word: refused by name when
        it differs from the text the file holds (what other editors and we would read)."""
        sdtpr = sdt.find(_w("sdtPr"))
        binding = binding_of(sdtpr)
        if binding is None:
            return
        name = control_name(sdtpr)
        bound = self.store.value(binding, name)
        if _plain(normalise(bound)) != _plain(normalise(cached)):
            raise Unreadable(
                f"a content control ({name}) bound to document data: Word shows"
                f" '{_collapse(bound)[:40]}' where the file's text says '{_collapse(cached)[:40]}'"
            )

    def inline(self, el: Any, part: Any, pstyle: str | None) -> list[str]:
        out: list[str] = []
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == _R:
                out.extend(self.run(child, part, pstyle))
            elif tag == _PPR:
                continue  # silent (below), and in every paragraph
            elif tag in _INLINE_WRAPPERS:
                if tag == _w("fldSimple"):
                    name = _field_name(child.get(_w("instr")) or "")
                    if name in FOREIGN_FIELDS:
                        raise Unreadable(f"a field that takes its content from elsewhere ({name})")
                    if name in LIVE_FIELDS:
                        out.append(f"{{{name}}}")
                        continue
                out.extend(self.inline(child, part, pstyle))
            elif tag == _w("sdt"):
                content = child.find(_w("sdtContent"))
                got = self.inline(content, part, pstyle) if content is not None else []
                self._bound(child, "".join(got))
                out.extend(got)
            elif tag in (_w("del"), _w("moveFrom")):
                continue
            elif tag == f"{{{MC}}}AlternateContent":
                out.extend(self._branch(child, lambda b: self.inline(b, part, pstyle)))
            elif tag.startswith(f"{{{M}}}"):
                out.append("".join(t.text or "" for t in child.iter(f"{{{M}}}t")))
            elif tag in _REFUSED:
                raise Unreadable(_REFUSED[tag])
            elif tag in _SILENT:
                continue
            else:
                _unknown(child)
        return out

    def run(self, r: Any, part: Any, pstyle: str | None) -> list[str]:
        rpr = first(r, _RPR)
        tstyle = self._tstyles[-1] if self._tstyles else None
        hidden, struck = self.styles.run_flags(rpr, pstyle, tstyle)
        font = run_font(rpr)
        out: list[str] = []
        for child in r:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == _w("fldChar"):
                out.append(self._field_char(child))
                continue
            if tag == _w("instrText"):
                if self._fields:
                    self._fields[-1][0] += child.text or ""
                continue
            if tag == _RPR:
                continue  # silent (below), and in most runs
            if self._fields and (self._fields[-1][2] == "instr" or self._fields[-1][1]):
                continue  # a field's instruction, or a live field's stored result
            if hidden:
                continue
            if tag == _T:
                out.append(in_font(child.text or "", font))
            elif tag in (_w("tab"), _w("br"), _w("cr"), _w("ptab")):
                out.append(" ")
            elif tag == _w("noBreakHyphen"):
                out.append("-")
            elif tag == _w("softHyphen"):
                continue
            elif tag == _w("sym"):
                out.append(symbol(child))
            elif tag == _w("drawing"):
                out.append(self.drawing(child, part))
            elif tag == _w("pict"):
                out.append(self.vml(child, part))
            elif tag == f"{{{MC}}}AlternateContent":
                out.extend(self._branch(child, lambda b: self.run_like(b, part, pstyle)))
            elif tag in (_w("footnoteReference"), _w("endnoteReference")):
                out.append(self.note(child, part))
            elif tag == _w("ruby"):
                out.append(
                    "".join(t.text or "" for t in child.iter(_w("t")) if not _inside(t, _w("rt")))
                )
            elif tag in (_w("delText"),):
                continue
            elif tag in _REFUSED:
                raise Unreadable(_REFUSED[tag])
            elif tag in _SILENT:
                continue
            else:
                _unknown(child)
        text = "".join(out)
        if struck and text.strip():
            return [f"~~{text}~~"]
        return [text]

    def run_like(self, el: Any, part: Any, pstyle: str | None) -> list[str]:
        """A branch of alternate content inside a run: read as the inside of a run."""
        fake = el.makeelement(_w("r"), {})
        for child in el:
            fake.append(_copy(child))
        return self.run(fake, part, pstyle)

    def _field_char(self, fc: Any) -> str:
        """Track complex fields; a live field is read as ``{NAME}`` where it ends."""
        kind = fc.get(_w("fldCharType"))
        if kind == "begin":
            self._fields.append(["", False, "instr"])
        elif kind == "separate" and self._fields:
            f = self._fields[-1]
            name = _field_name(f[0])
            if name in FOREIGN_FIELDS:
                raise Unreadable(f"a field that takes its content from elsewhere ({name})")
            f[1], f[2] = name in LIVE_FIELDS, "result"
        elif kind == "end" and self._fields:
            f = self._fields.pop()
            name = _field_name(f[0])
            if name in FOREIGN_FIELDS:
                raise Unreadable(f"a field that takes its content from elsewhere ({name})")
            if name in LIVE_FIELDS and not (self._fields and self._fields[-1][2] == "instr"):
                return f"{{{name}}}"
        return ""

    # --- pictures, shapes and text boxes ----------------------------------------------------

    def drawing(self, d: Any, part: Any) -> str:
        out: list[str] = []
        cover = covering_drawing(d)
        if cover is not None:
            self._covers.append(cover)
        for gd in d.iter(f"{{{A}}}graphicData"):
            uri = gd.get("uri", "")
            if uri in (PIC, WPS, WPG, WPC):
                continue
            if "chart" in uri:
                raise Unreadable("a chart")
            if "diagram" in uri:
                raise Unreadable("a SmartArt diagram")
            raise Unreadable(f"a drawing the reader does not know ({uri})")
        for blip in d.iter(f"{{{A}}}blip"):
            out.append(self._image(blip.get(f"{{{R}}}embed") or blip.get(f"{{{R}}}link"), part))
        for txbx in d.iter(f"{{{W}}}txbxContent"):
            if _inside(txbx, f"{{{W}}}txbxContent", stop=d):
                continue  # nested box: read through its parent
            out.append(self.box(txbx, part))
        return " ".join(x for x in out if x)

    def vml(self, pict: Any, part: Any) -> str:
        out: list[str] = []
        cover = covering_vml(pict)
        if cover is not None:
            self._covers.append(cover)
        for el in pict.iter():
            tag = el.tag
            if tag in _REFUSED:
                raise Unreadable(_REFUSED[tag])
            if tag == f"{{{V}}}imagedata":
                out.append(self._image(el.get(f"{{{R}}}id") or el.get(f"{{{R}}}pict"), part))
            elif tag == f"{{{V}}}textpath" and el.get("string"):
                out.append(el.get("string"))
            elif tag == _w("txbxContent") and not _inside(el, _w("txbxContent"), stop=pict):
                out.append(self.box(el, part))
        return " ".join(x for x in out if x)

    def box(self, txbx: Any, part: Any) -> str:
        saved, self._fields = self._fields, []
        blocks = self.blocks(txbx, part)
        self._fields = saved
        self.boxes.append(blocks)
        return " ".join(t for t in (block_text(b) for b in blocks) if t)

    def _image(self, rid: str | None, part: Any) -> str:
        if not rid:
            return "[图片]"
        try:
            blob = part.related_parts[rid].blob
        except (KeyError, AttributeError):
            raise Unreadable(f"a picture linked from outside the file ({rid})") from None
        return f"[图片 {hashlib.sha256(blob).hexdigest()[:16]}]"

    # --- footnotes and endnotes -------------------------------------------------------------

    def note(self, ref: Any, part: Any) -> str:
        kind = "footnotes" if ref.tag == _w("footnoteReference") else "endnotes"
        notes = self._notes.get(kind)
        if notes is None:
            notes = self._notes[kind] = self._load_notes(part, kind)
        el = notes.get(ref.get(_w("id")))
        if el is None:
            return ""
        saved, self._fields = self._fields, []
        text = " ".join(t for t in (block_text(b) for b in self.blocks(el, part)) if t)
        self._fields = saved
        return f"[注：{text}]"

    def _load_notes(self, part: Any, kind: str) -> dict[str, Any]:
        from docx.oxml import parse_xml

        for rel in part.rels.values():
            if rel.reltype.endswith("/" + kind) and not rel.is_external:
                root = parse_xml(rel.target_part.blob)
                tag = _w("footnote" if kind == "footnotes" else "endnote")
                return {n.get(_w("id")): n for n in root.iter(tag)}
        return {}

    # --- markup compatibility ----------------------------------------------------------------

    def _branch(self, ac: Any, read: Any) -> list[Any]:
        """The branch an editor displays; refused when the branches say different things."""
        choices = [c for c in ac if c.tag == f"{{{MC}}}Choice"]
        fallback = next((c for c in ac if c.tag == f"{{{MC}}}Fallback"), None)
        shown = None
        for c in choices:
            needs = (c.get("Requires") or "").split()
            if all(n in KNOWN_PREFIXES for n in needs):
                shown = c
                break
        if shown is None:
            shown = fallback
        if shown is None:
            return []
        boxes_before = len(self.boxes)
        got = read(shown)
        others = [b for b in (*choices, fallback) if b is not None and b is not shown]
        if others:
            import copy

            mine = _collapse(_flat(got))
            keep = self.boxes[boxes_before:]
            covers = list(self._covers)
            counters = copy.deepcopy(self.numbering.counters)
            for other in others:
                theirs = _collapse(_flat(read(other)))
                if mine and theirs and _plain(mine) != _plain(theirs):
                    raise Unreadable(
                        "alternate content whose branches show different text"
                        f" ('{mine[:40]}' / '{theirs[:40]}')"
                    )
            self.boxes[boxes_before:] = keep
            self._covers[:] = covers
            self.numbering.counters = counters
        return got

    # --- the whole document ------------------------------------------------------------------

    def read(self) -> Visible:
        body = self.doc.element.body
        blocks = self.blocks(body, self.part)
        margins: list[tuple[str, list[Para | Table]]] = []
        seen: set[str] = set()
        for sect in body.iter(_w("sectPr")):
            for ref in sect:
                if ref.tag not in (_w("headerReference"), _w("footerReference")):
                    continue
                rid = ref.get(f"{{{R}}}id")
                try:
                    hpart = self.part.related_parts[rid]
                except KeyError:
                    continue
                name = str(hpart.partname)
                if name in seen:
                    continue
                seen.add(name)
                where = "页眉" if ref.tag == _w("headerReference") else "页脚"
                margins.append((where, self.blocks(hpart.element, hpart)))
        return Visible(body=blocks, margins=margins, boxes=self.boxes, comments=self.comments())

    def comments(self) -> list[tuple[str, str]]:
        """Every comment in the margin, (author, text as read)."""
        out: list[tuple[str, str]] = []
        for root in comment_parts(self.part):
            for c in root.iter(_w("comment")):
                saved, self._fields = self._fields, []
                boxes = len(self.boxes)
                text = " ".join(t for t in (block_text(b) for b in self.blocks(c, self.part)) if t)
                self._fields = saved
                del self.boxes[boxes:]
                out.append((c.get(_w("author")) or "", text))
        return out


def read_visible(doc: DocxDocument) -> Visible:
    """The document as a person sees it (raises ``Unreadable``)."""
    return _Reader(doc).read()


# --- helpers ---------------------------------------------------------------------------------

_WS = re.compile(r"\s+")


def _collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _flat(items: list[Any]) -> str:
    parts = []
    for x in items:
        if isinstance(x, str):
            parts.append(x)
        else:
            parts.append(block_text(x))
    return " ".join(parts)


def _flag(el: Any) -> bool | None:
    """A toggle property: None when absent, else its value (``w:val`` false/0/off -> False)."""
    if el is None:
        return None
    return (el.get(_w("val")) or "true").lower() not in ("false", "0", "off")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: Any, tag: str) -> list[Any]:
    """``tag`` children, looking through row/cell-level sdt, customXml and insertions."""
    out = []
    for child in el:
        if child.tag == tag:
            out.append(child)
        elif child.tag in _ROW_WRAPPERS:
            out.extend(_children(child, tag))
        elif child.tag == f"{{{MC}}}AlternateContent":
            first = next(iter(child), None)
            if first is not None:
                out.extend(_children(first, tag))
    return out


def _inside(el: Any, tag: str, stop: Any = None) -> bool:
    anc = el.getparent()
    while anc is not None and anc is not stop:
        if anc.tag == tag:
            return True
        anc = anc.getparent()
    return False


def _copy(el: Any) -> Any:
    import copy

    return copy.deepcopy(el)


def _field_name(instr: str) -> str:
    words = instr.strip().split()
    return words[0].upper().lstrip("\\") if words else ""


# What shows on a page: an element the reader does not know holding any of these is refused.
_VISIBLE = {
    _w("t"), _w("sym"), _w("drawing"), _w("pict"), _w("object"), _w("txbxContent"),
    f"{{{A}}}blip", f"{{{V}}}imagedata", f"{{{V}}}textpath", f"{{{M}}}t", _w("altChunk"),
}  # fmt: skip


def _unknown(el: Any) -> None:
    """An element the reader does not know: harmless when nothing in it shows (a vendor's
    bookkeeping, e.g. WPS or Word extensions), refused by name when it holds text or a
    picture the reader would otherwise not see."""
    if any(d.tag in _VISIBLE for d in el.iter()):
        raise Unreadable(f"an element the reader does not know ({_local(el.tag)})")
