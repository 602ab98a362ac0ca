"""What Word draws beyond the runs' own text: the bottom of the visible reading.

``visible`` reads text runs; Word also draws, or hides, things the run does not say:

- run properties resolved from the document defaults and the style chain (``Styles``):
  the table style (its conditional parts refused when they hide or strike), the paragraph
  style, the character style, each through ``basedOn``, the way Word resolves toggle
  properties (each style level toggles) and the way LibreOffice does (the last level
  wins); where the two disagree the text is refused, since two editors show it differently;
- list numbers (``w:numPr``, directly or through the paragraph style) as the label each
  numbered paragraph shows (``Numbering``);
- content controls bound to a custom XML part or the document properties
  (``w:dataBinding``): Word shows the bound value on open (``DataStore``);
- comments in the margin (``comments``);
- floating shapes, pictures and frames in front of the text (``covering_drawing``,
  ``covering_vml``, ``covering_frame``): what lies under them is not seen.

Anything it cannot resolve raises ``Unreadable`` (defined here, at the bottom, and
re-exported by ``visible``) with a name a client understands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from docx.oxml.ns import nsmap as _NSMAP
from lxml import etree

W = _NSMAP["w"]
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
V = "urn:schemas-microsoft-com:vml"
W10 = "urn:schemas-microsoft-com:office:word"

# Run properties that switch text off or mark it withdrawn: resolved through the styles.
TOGGLES = ("vanish", "strike", "dstrike")


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


class Unreadable(Exception):
    """The document holds something the reader cannot account for; ``what`` names it."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def first(el: Any, tag: str) -> Any:
    """``el.find(tag)`` for a plain qualified tag (the first such child, else None), at a
    third of its cost: the visible reading asks this for every paragraph and run."""
    return next(el.iterchildren(tag), None)


def unreadable(what: str) -> Exception:
    return Unreadable(what)


def flag(el: Any) -> bool | None:
    """A toggle property: None when absent, else its value (``w:val`` false/0/off -> False)."""
    if el is None:
        return None
    return (el.get(_w("val")) or "true").lower() not in ("false", "0", "off")


_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse(blob: bytes) -> Any:
    return etree.fromstring(blob, _SAFE)


# --- styles ------------------------------------------------------------------------------


class Styles:
    """The document's defaults and styles, resolved as Word and LibreOffice resolve them."""

    def __init__(self, part: Any) -> None:
        self.by_id: dict[str, Any] = {}
        self.defaults: dict[str, Any] = {}  # style type -> default style id
        self.rpr_default: Any = None
        self._resolved: dict[tuple[str | None, ...], bool] = {}
        self._numpr: dict[str | None, tuple[str | None, str | None]] = {}
        self._flags: dict[tuple[str | None, ...], tuple[bool, bool]] = {}
        try:
            root = part.styles.element
        except (KeyError, AttributeError, NotImplementedError):
            return
        dd = root.find(_w("docDefaults"))
        if dd is not None:
            self.rpr_default = dd.find(f"{_w('rPrDefault')}/{_w('rPr')}")
        for st in root.iter(_w("style")):
            sid = st.get(_w("styleId"))
            if sid is None:
                continue
            self.by_id.setdefault(sid, st)
            if st.get(_w("default")) in ("1", "true", "on"):
                self.defaults.setdefault(st.get(_w("type")) or "paragraph", sid)

    def chain(self, sid: str | None) -> list[Any]:
        """The style and those it is based on, derived first."""
        out, seen = [], set()
        while sid and sid not in seen and sid in self.by_id:
            seen.add(sid)
            st = self.by_id[sid]
            out.append(st)
            based = st.find(_w("basedOn"))
            sid = based.get(_w("val")) if based is not None else None
        return out

    def _level(self, sid: str | None, prop: str) -> bool | None:
        for st in self.chain(sid):
            rpr = st.find(_w("rPr"))
            if rpr is not None:
                v = flag(rpr.find(_w(prop)))
                if v is not None:
                    return v
        return None

    def table_style(self, sid: str | None) -> str | None:
        sid = sid or self.defaults.get("table")
        for st in self.chain(sid):
            for cond in st.iter(_w("tblStylePr")):
                rpr = cond.find(_w("rPr"))
                if rpr is None:
                    continue
                for prop in TOGGLES:
                    if flag(rpr.find(_w(prop))):
                        name = st.get(_w("styleId"))
                        raise unreadable(
                            f"a table style ({name}) that hides or strikes through some of"
                            " its cells"
                        )
        return sid

    def run_flags(self, rpr: Any, pstyle: str | None, tstyle: str | None) -> tuple[bool, bool]:
        """(hidden, struck through) of a run, each resolved by ``toggle``; a run with none of
        these properties of its own is answered from its styles once per style triple."""
        rstyle = None
        if rpr is not None:
            if any(c.tag in _TOGGLE_TAGS for c in rpr):
                return self.toggle("vanish", rpr, pstyle, tstyle), (
                    self.toggle("strike", rpr, pstyle, tstyle)
                    or self.toggle("dstrike", rpr, pstyle, tstyle)
                )
            rstyle = first(rpr, _RSTYLE)
        key = (tstyle, pstyle, rstyle.get(_VAL) if rstyle is not None else None)
        got = self._flags.get(key)
        if got is None:
            got = self._flags[key] = (
                self._through_styles("vanish", pstyle, tstyle, rstyle),
                self._through_styles("strike", pstyle, tstyle, rstyle)
                or self._through_styles("dstrike", pstyle, tstyle, rstyle),
            )
        return got

    def toggle(self, prop: str, rpr: Any, pstyle: str | None, tstyle: str | None) -> bool:
        """A run's effective ``prop``: direct formatting wins; else the defaults, then the
        table, paragraph and character styles. Word toggles at each style level, LibreOffice
        takes the last; when they disagree the text is refused."""
        rstyle = None
        if rpr is not None:
            own = flag(first(rpr, _TAGS[prop]))
            if own is not None:
                return own
            rstyle = first(rpr, _RSTYLE)
        key = (prop, tstyle, pstyle, rstyle.get(_VAL) if rstyle is not None else None)
        got = self._resolved.get(key)
        if got is None:
            got = self._resolved[key] = self._through_styles(prop, pstyle, tstyle, rstyle)
        return got

    def _through_styles(
        self, prop: str, pstyle: str | None, tstyle: str | None, rstyle: Any
    ) -> bool:
        base = bool(flag(self.rpr_default.find(_w(prop))) if self.rpr_default is not None else None)
        levels = [
            self._level(tstyle, prop),
            self._level(pstyle or self.defaults.get("paragraph"), prop),
            self._level(
                rstyle.get(_w("val")) if rstyle is not None else self.defaults.get("character"),
                prop,
            ),
        ]
        toggled, last = base, base
        for v in levels:
            if v:
                toggled = not toggled
            if v is not None:
                last = v
        if toggled != last:
            what = {"vanish": "hidden", "strike": "struck-through", "dstrike": "struck-through"}
            raise unreadable(
                f"text whose styles make it {what[prop]} in one editor and not in another"
                " (the same property set by two style levels)"
            )
        return toggled

    def para_numpr(self, ppr: Any, pstyle: str | None) -> tuple[str | None, int]:
        """(numId, ilvl) of a paragraph: its own numPr, else its style chain's."""
        num_id, ilvl = None, None
        own = first(ppr, _NUMPR) if ppr is not None else None
        if own is not None:
            num_id = _val(own.find(_w("numId")))
            ilvl = _val(own.find(_w("ilvl")))
        if num_id is None:
            style_num, style_ilvl = self._style_numpr(pstyle)
            num_id = style_num
            if ilvl is None:
                ilvl = style_ilvl
        try:
            level = int(ilvl) if ilvl is not None else 0
        except ValueError:
            level = 0
        return num_id, max(0, min(level, 8))

    def _style_numpr(self, pstyle: str | None) -> tuple[str | None, str | None]:
        """(numId, ilvl) a paragraph style gives, through its chain (cached)."""
        if pstyle in self._numpr:
            return self._numpr[pstyle]
        num_id, ilvl = None, None
        for st in self.chain(pstyle or self.defaults.get("paragraph")):
            np_ = st.find(f"{_w('pPr')}/{_w('numPr')}")
            if np_ is not None:
                num_id = _val(np_.find(_w("numId")))
                if ilvl is None:
                    ilvl = _val(np_.find(_w("ilvl")))
                if num_id is not None:
                    break
        self._numpr[pstyle] = (num_id, ilvl)
        return num_id, ilvl


_TAGS = {prop: _w(prop) for prop in TOGGLES}
_TOGGLE_TAGS = frozenset(_TAGS.values())
_FRAMEPR = _w("framePr")
_RSTYLE = _w("rStyle")
_VAL = _w("val")
_NUMPR = _w("numPr")


def _val(el: Any) -> str | None:
    return el.get(_w("val")) if el is not None else None


# --- numbering ---------------------------------------------------------------------------

_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]  # fmt: skip
_CN = "〇一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def _roman(n: int) -> str:
    out = ""
    for v, s in _ROMAN:
        while n >= v:
            out, n = out + s, n - v
    return out


def _letters(n: int) -> str:
    if n <= 0:
        return ""
    ch = chr(ord("a") + (n - 1) % 26)
    return ch * ((n - 1) // 26 + 1)


def chinese_counting(n: int) -> str:
    """一, 十, 十一, 二十, 一百零五 ... (Word's chineseCounting)."""
    if n <= 0:
        return _CN[0]
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _CN[rest] if rest < 10 else chinese_counting(rest))
        if 10 <= rest < 20:
            tail = "一" + tail
        return _CN[n // 100] + "百" + tail
    return "".join(_CN[int(d)] for d in str(n))


def format_number(n: int, fmt: str) -> str:
    if fmt in ("decimal", "decimalHalfWidth", "ordinal", "cardinalText", "ordinalText"):
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified",
               "japaneseCounting", "taiwaneseCounting", "ideographLegalTraditional"):  # fmt: skip
        return chinese_counting(n)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join(_CN[int(d)] for d in str(n))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 0 < n <= 20:
        return _CIRCLED[n - 1]
    if fmt in ("decimalEnclosedParen", "decimalEnclosedParenthesis"):
        return f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return f"{n}."
    if fmt == "ideographTraditional" and 0 < n <= 10:
        return _TIANGAN[n - 1]
    if fmt == "none":
        return ""
    raise unreadable(f"a list number format the reader does not know ({fmt})")


@dataclass
class _Level:
    start: int
    fmt: str
    text: str
    font: str
    hidden: bool
    restart: int | None  # lvlRestart: restart after this (1-based) level, 0 = never
    legal: bool


class Numbering:
    """The number (or bullet) each numbered paragraph shows, counted in reading order."""

    def __init__(self, part: Any) -> None:
        self.nums: dict[str, tuple[str, dict[int, Any], dict[int, int]]] = {}
        self.abstract: dict[str, Any] = {}
        self.counters: dict[str, list[int | None]] = {}
        try:
            root = part.numbering_part.element
        except (KeyError, AttributeError, NotImplementedError):
            return
        for ab in root.iter(_w("abstractNum")):
            self.abstract[ab.get(_w("abstractNumId"))] = ab
        for num in root.iter(_w("num")):
            aid = _val(num.find(_w("abstractNumId")))
            lvls: dict[int, Any] = {}
            starts: dict[int, int] = {}
            for ov in num.iter(_w("lvlOverride")):
                i = int(ov.get(_w("ilvl")) or 0)
                so = ov.find(_w("startOverride"))
                if so is not None:
                    starts[i] = int(so.get(_w("val")) or 0)
                lv = ov.find(_w("lvl"))
                if lv is not None:
                    lvls[i] = lv
            if aid is not None:
                self.nums[num.get(_w("numId"))] = (aid, lvls, starts)

    def _level(self, num_id: str, ilvl: int, styles: Styles) -> _Level | None:
        got = self.nums.get(num_id)
        if got is None:
            return None
        aid, lvls, starts = got
        lv = lvls.get(ilvl)
        ab = self.abstract.get(aid)
        if lv is None and ab is not None:
            link = ab.find(_w("numStyleLink"))
            if link is not None:  # the list's definition lives in a numbering style
                for st in styles.chain(link.get(_w("val"))):
                    np_ = st.find(f"{_w('pPr')}/{_w('numPr')}/{_w('numId')}")
                    if np_ is not None and np_.get(_w("val")) != num_id:
                        return self._level(np_.get(_w("val")), ilvl, styles)
                return None
            lv = next((x for x in ab.iter(_w("lvl")) if int(x.get(_w("ilvl")) or 0) == ilvl), None)
        if lv is None:
            return None
        start = starts.get(ilvl)
        if start is None:
            start = int(_val(lv.find(_w("start"))) or 0)
        rpr = lv.find(_w("rPr"))
        fonts = rpr.find(_w("rFonts")) if rpr is not None else None
        font = ((fonts.get(_w("ascii")) or fonts.get(_w("hAnsi")) or "") if fonts is not None
                else "").strip().lower()  # fmt: skip
        restart = _val(lv.find(_w("lvlRestart")))
        return _Level(
            start=start,
            fmt=_val(lv.find(_w("numFmt"))) or "decimal",
            text=_val(lv.find(_w("lvlText"))) or "",
            font=font,
            hidden=bool(flag(rpr.find(_w("vanish")))) if rpr is not None else False,
            restart=int(restart) if restart is not None else None,
            legal=bool(flag(lv.find(_w("isLgl")))),
        )

    def label(self, num_id: str | None, ilvl: int, styles: Styles, in_font: Any) -> str:
        """The label the paragraph shows ('' for none); counts the paragraph."""
        if num_id is None or num_id == "0":
            return ""
        lv = self._level(num_id, ilvl, styles)
        if lv is None:
            return ""
        counts = self.counters.setdefault(num_id, [None] * 9)
        counts[ilvl] = lv.start if counts[ilvl] is None else counts[ilvl] + 1  # type: ignore[operator]
        for deeper in range(ilvl + 1, 9):
            d = self._level(num_id, deeper, styles)
            if d is None or d.restart != 0:
                counts[deeper] = None
        if lv.hidden or (lv.fmt == "none" and "%" not in lv.text):
            return "" if lv.hidden else lv.text

        def sub(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            if not 0 <= k <= 8:
                return ""
            other = lv if k == ilvl else self._level(num_id, k, styles)
            n = counts[k]
            if n is None:
                n = other.start if other is not None else 1
            fmt = "decimal" if (lv.legal or other is None) else other.fmt
            return format_number(n, fmt)

        if lv.fmt == "bullet":
            return in_font(lv.text, lv.font)
        return re.sub(r"%([1-9])", sub, lv.text)


# --- data bound content controls ----------------------------------------------------------

# Word's built-in stores: the document's core and extended properties.
CORE_STORE = "{6C3C8BC8-F283-45AE-878A-BAB7291924A1}"
APP_STORE = "{6668398D-A668-4E3E-A5EB-62B293D839F1}"


class DataStore:
    """The custom XML parts (and property parts) a content control can be bound to."""

    def __init__(self, part: Any) -> None:
        self.part = part
        self._items: dict[str, Any] | None = None

    def items(self) -> dict[str, Any]:
        if self._items is not None:
            return self._items
        out: dict[str, Any] = {}
        for p in self.part.package.iter_parts():
            name = str(p.partname)
            if name == "/docProps/core.xml":
                out[CORE_STORE] = p.blob
            elif name == "/docProps/app.xml":
                out[APP_STORE] = p.blob
            elif re.fullmatch(r"/customXml/item\d+\.xml", name, re.IGNORECASE):
                for rel in p.rels.values():
                    if rel.reltype.endswith("/customXmlProps") and not rel.is_external:
                        props = parse(rel.target_part.blob)
                        for el in props.iter():
                            item = el.get(
                                "{http://schemas.openxmlformats.org/officeDocument/2006/"
                                "customXml}itemID"
                            )
                            if item:
                                out[item.upper()] = p.blob
        self._items = out
        return out

    def value(self, binding: Any, name: str) -> str:
        """The text a bound control shows (raises ``Unreadable`` when it cannot be found)."""
        store = (binding.get(_w("storeItemID")) or "").upper()
        xpath = binding.get(_w("xpath")) or ""
        blob = self.items().get(store)
        if blob is None:
            raise unreadable(
                f"a content control ({name}) bound to document data that is not in the file"
            )
        ns = dict(re.findall(r"xmlns:(\w+)\s*=\s*['\"]([^'\"]+)['\"]",
                             binding.get(_w("prefixMappings")) or ""))  # fmt: skip
        try:
            root = parse(blob) if isinstance(blob, bytes) else blob
            got = root.getroottree().xpath(xpath, namespaces=ns)
        except (etree.XPathError, etree.XMLSyntaxError, ValueError):
            raise unreadable(
                f"a content control ({name}) bound to document data the reader cannot find"
            ) from None
        if isinstance(got, list):
            if not got:
                raise unreadable(
                    f"a content control ({name}) bound to document data the reader cannot find"
                )
            first = got[0]
            return first if isinstance(first, str) else "".join(first.itertext())
        return str(got)


def binding_of(sdtpr: Any) -> Any:
    """The control's data binding (``w:dataBinding`` or Word 2013's ``w15:dataBinding``)."""
    if sdtpr is None:
        return None
    for child in sdtpr:
        if isinstance(child.tag, str) and child.tag.endswith("}dataBinding"):
            return child
    return None


def control_name(sdtpr: Any) -> str:
    for tag in ("alias", "tag"):
        el = sdtpr.find(_w(tag)) if sdtpr is not None else None
        if el is not None and el.get(_w("val")):
            return el.get(_w("val"))
    return "untitled"


# --- comments ----------------------------------------------------------------------------


def comment_parts(part: Any) -> list[Any]:
    """The comments part(s) of the document (the margin's comments)."""
    out = []
    for rel in part.rels.values():
        if rel.reltype.endswith("/comments") and not rel.is_external:
            out.append(parse(rel.target_part.blob))
    return out


# --- what covers the text ------------------------------------------------------------------

EMU_CM = 360000
# A signature or seal picture: this small, placed by the character or paragraph it is
# anchored to and this near it (Word's "in front of text" placement of a stamp).
SMALL = 6 * EMU_CM
NEAR = 3 * EMU_CM
_NEAR_FROM = {"character", "column", "paragraph", "line", "insideMargin", "outsideMargin"}


@dataclass
class Cover:
    """A floating object drawn in front of the text."""

    what: str  # named for the client: "a floating picture 'Picture 3'"
    picture_only: bool  # a picture (no filled shape, no text)
    small_near: bool  # small and placed near its anchor (a signature or a seal)


def covering_drawing(d: Any) -> Cover | None:
    """A DrawingML anchor in front of the text (wrap none, not behind) that is opaque."""
    anchor = d.find(f"{{{WP}}}anchor")
    if anchor is None:
        return None
    if (anchor.get("behindDoc") or "0") in ("1", "true", "on"):
        return None
    if anchor.find(f"{{{WP}}}wrapNone") is None:
        return None  # the text flows around it
    pictures = list(anchor.iter(f"{{{PIC}}}pic"))
    shapes = list(anchor.iter(f"{{{WPS}}}wsp"))
    opaque = bool(pictures) or any(_shape_filled(s) for s in shapes)
    if not opaque:
        return None
    doc_pr = anchor.find(f"{{{WP}}}docPr")
    name = (doc_pr.get("name") if doc_pr is not None else "") or ""
    kind = "picture" if pictures and not shapes else "shape"
    ext = anchor.find(f"{{{WP}}}extent")
    small = ext is not None and max(int(ext.get("cx") or 0), int(ext.get("cy") or 0)) <= SMALL
    near = all(_near(anchor.find(f"{{{WP}}}{axis}")) for axis in ("positionH", "positionV"))
    return Cover(
        f"a floating {kind} '{name}' drawn in front of the text" if name
        else f"a floating {kind} drawn in front of the text",
        picture_only=kind == "picture",
        small_near=small and near,
    )  # fmt: skip


def _near(pos: Any) -> bool:
    if pos is None or pos.get("relativeFrom") not in _NEAR_FROM:
        return False
    off = pos.find(f"{{{WP}}}posOffset")
    if off is None:
        return pos.find(f"{{{WP}}}align") is not None and pos.get("relativeFrom") in (
            "character", "column", "paragraph", "line",
        )  # fmt: skip
    try:
        return abs(int(off.text or "0")) <= NEAR
    except ValueError:
        return False


def _shape_filled(wsp: Any) -> bool:
    sppr = wsp.find(f"{{{WPS}}}spPr")
    if sppr is not None:
        for child in sppr:
            local = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            if local == "noFill":
                return False
            if local in ("solidFill", "gradFill", "blipFill", "pattFill", "grpFill"):
                return True
    style = wsp.find(f"{{{WPS}}}style")
    if style is not None:
        ref = style.find(f"{{{A}}}fillRef")
        if ref is not None and (ref.get("idx") or "0") != "0":
            return True
    return False


_VML_SHAPES = {f"{{{V}}}{t}" for t in ("shape", "rect", "roundrect", "oval", "group", "image",
                                       "polyline", "arc", "curve")}  # fmt: skip


def covering_vml(pict: Any) -> Cover | None:
    """A VML shape placed absolutely in front of the text (no wrap, z-index not negative)
    that is filled or shows a picture."""
    for el in pict.iter(*_VML_SHAPES):
        style = {
            k.strip().lower(): v.strip()
            for k, _, v in (x.partition(":") for x in (el.get("style") or "").split(";"))
        }
        if style.get("position") != "absolute":
            continue
        try:
            if int(style.get("z-index", "0")) < 0:
                continue  # behind the text
        except ValueError:
            pass
        wrap = el.find(f"{{{W10}}}wrap")
        if wrap is not None and wrap.get("type") in ("square", "tight", "through", "topAndBottom"):
            continue
        picture = el.find(f"{{{V}}}imagedata") is not None or el.tag == f"{{{V}}}image"
        filled = (el.get("filled") or "t").lower() not in ("f", "false")
        fill = el.find(f"{{{V}}}fill")
        if fill is not None and (fill.get("on") or "t").lower() in ("f", "false"):
            filled = False
        if not (picture or filled):
            continue
        name = el.get("alt") or el.get("id") or ""
        kind = "picture" if picture else "shape"
        return Cover(
            f"a floating {kind} '{name}' drawn in front of the text" if name
            else f"a floating {kind} drawn in front of the text",
            picture_only=picture and not filled,
            small_near=False,
        )  # fmt: skip
    return None


def covering_frame(ppr: Any) -> Cover | None:
    """A text frame (``w:framePr``) placed over the text instead of beside it."""
    fp = first(ppr, _FRAMEPR) if ppr is not None else None
    if fp is None:
        return None
    if (fp.get(_w("wrap")) or "auto") in ("none", "through"):
        return Cover("a text frame placed over the text", picture_only=False, small_near=False)
    return None
