"""Edits of a returned .docx as Word writes them, for what Word draws beyond the text:
comments, data-bound content controls, floating shapes and pictures, text frames, list
numbering, styles and document defaults, rows with hidden row properties, and a signature
picture beside a name. Each takes the saved bytes of one of our issued documents and gives
back the edited bytes (``tests.support.hostile.returned`` has the basic ones)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from tests.support.hostile.returned import (
    build,
    paragraph_with,
    parts_of,
    run_with,
    t,
    table_with,
    xml_edit,
)

Edit = Callable[[bytes], bytes]
RELS = "word/_rels/document.xml.rels"
CT = "[Content_Types].xml"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92"
    b"\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
PIC_NS = "http://schemas.openxmlformats.org/drawingml/2006/picture"


def _add_rel(parts: dict[str, bytes], rid: str, reltype: str, target: str) -> None:
    rels = parts[RELS].decode()
    rel = (
        f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/{reltype}" Target="{target}"/>'
    )
    parts[RELS] = rels.replace("</Relationships>", rel + "</Relationships>").encode()


def _add_override(parts: dict[str, bytes], name: str, ctype: str) -> None:
    ct = parts[CT].decode()
    parts[CT] = ct.replace(
        "</Types>", f'<Override PartName="{name}" ContentType="{ctype}"/></Types>'
    ).encode()


# --- comments --------------------------------------------------------------------------------


def comment_on(anchor: str, text: str, author: str = "王芳") -> Edit:
    """A comment in the margin on the run showing ``anchor`` (Word's markup and part)."""

    def edit(data: bytes) -> bytes:
        parts = parts_of(data)
        xml = parts["word/document.xml"].decode()
        m = run_with(anchor).search(xml)
        assert m, anchor
        ref = (
            '<w:commentRangeEnd w:id="0"/><w:r><w:rPr><w:rStyle w:val="CommentReference"/>'
            '</w:rPr><w:commentReference w:id="0"/></w:r>'
        )
        xml = (
            xml[: m.start()] + '<w:commentRangeStart w:id="0"/>' + m.group(0) + ref + xml[m.end() :]
        )
        parts["word/document.xml"] = xml.encode()
        parts["word/comments.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:comments xmlns:w="{W_NS}"><w:comment w:id="0" w:author="{author}"'
            ' w:date="2026-12-06T10:00:00Z" w:initials="WF"><w:p><w:pPr><w:pStyle'
            ' w:val="CommentText"/></w:pPr><w:r><w:rPr><w:rStyle w:val="CommentReference"/>'
            f"</w:rPr><w:annotationRef/></w:r>{t(text)}</w:p></w:comment></w:comments>"
        ).encode()
        _add_rel(parts, "rIdCm1", "comments", "comments.xml")
        _add_override(
            parts,
            "/word/comments.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml",
        )
        return build(parts)

    return edit


# --- a content control bound to a custom XML part --------------------------------------------

STORE = "{1A2B3C4D-0000-4000-8000-00000000CF01}"


def bind(run_text: str, bound: str, alias: str = "金额") -> Edit:
    """The run showing ``run_text`` wrapped in a plain-text content control bound to a
    custom XML part whose value is ``bound`` (what Word shows on open)."""

    def edit(data: bytes) -> bytes:
        parts = parts_of(data)
        xml = parts["word/document.xml"].decode()
        m = run_with(run_text).search(xml)
        assert m, run_text
        sdt = (
            f'<w:sdt><w:sdtPr><w:alias w:val="{alias}"/><w:tag w:val="cf"/><w:id w:val="7"/>'
            "<w:dataBinding w:prefixMappings=\"xmlns:ns0='urn:cf-test' \""
            f' w:xpath="/ns0:root[1]/ns0:value[1]" w:storeItemID="{STORE}"/><w:text/>'
            f"</w:sdtPr><w:sdtContent>{m.group(0)}</w:sdtContent></w:sdt>"
        )
        parts["word/document.xml"] = (xml[: m.start()] + sdt + xml[m.end() :]).encode()
        n = 1 + max(
            [int(x) for x in re.findall(r"customXml/item(\d+)\.xml", " ".join(parts))] or [0]
        )
        parts[f"customXml/item{n}.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
            f'<ns0:root xmlns:ns0="urn:cf-test"><ns0:value>{bound}</ns0:value></ns0:root>'
        ).encode()
        parts[f"customXml/itemProps{n}.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
            f'<ds:datastoreItem ds:itemID="{STORE}" xmlns:ds="http://schemas.openxmlformats.org/'
            'officeDocument/2006/customXml"><ds:schemaRefs/></ds:datastoreItem>'
        ).encode()
        parts[f"customXml/_rels/item{n}.xml.rels"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http:'
            '//schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1"'
            ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'customXmlProps" Target="itemProps{n}.xml"/></Relationships>'
        ).encode()
        _add_rel(parts, "rIdCx9", "customXml", f"../customXml/item{n}.xml")
        _add_override(
            parts,
            f"/customXml/itemProps{n}.xml",
            "application/vnd.openxmlformats-officedocument.customXmlProperties+xml",
        )
        return build(parts)

    return edit


# --- floating shapes and pictures ------------------------------------------------------------


def anchor(
    graphic: str, cx: int, cy: int, x: int = 0, y: int = 0, wrap: str = "<wp:wrapNone/>",
    rel_h: str = "column", rel_v: str = "paragraph", behind: str = "0", name: str = "矩形 1",
) -> str:  # fmt: skip
    return (
        '<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0"'
        f' relativeHeight="251659264" behindDoc="{behind}" locked="0" layoutInCell="1"'
        ' allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="{rel_h}"><wp:posOffset>{x}</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="{rel_v}"><wp:posOffset>{y}</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>{wrap}'
        f'<wp:docPr id="91" name="{name}"/><wp:cNvGraphicFramePr/>{graphic}</wp:anchor>'
    )


def white_rectangle(cx: int = 1440000, cy: int = 360000) -> str:
    """A white filled rectangle as Word 2010+ writes it: the shape, and its VML fallback."""
    graphic = (
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f'<wps:wsp><wps:cNvSpPr/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}"'
        f' cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill>'
        '<a:schemeClr val="bg1"/></a:solidFill><a:ln><a:noFill/></a:ln></wps:spPr>'
        "<wps:bodyPr/></wps:wsp></a:graphicData></a:graphic>"
    )
    drawing = f"<w:drawing>{anchor(graphic, cx, cy, x=-36000)}</w:drawing>"
    pict = (
        '<w:pict><v:rect id="矩形 1" o:spid="_x0000_s1026" style="position:absolute;'
        "margin-left:-2.85pt;margin-top:0;width:113.4pt;height:28.35pt;z-index:251659264;"
        'visibility:visible" fillcolor="white" stroked="f"/></w:pict>'
    )
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps">'
        f"{drawing}</mc:Choice><mc:Fallback>{pict}</mc:Fallback></mc:AlternateContent></w:r>"
    )


def cover_run(text: str, shape: str) -> Edit:
    """``shape`` (a run) placed right after the run showing ``text``."""

    def fn(xml: str) -> str:
        m = run_with(text).search(xml)
        assert m, text
        return xml[: m.end()] + shape + xml[m.end() :]

    return xml_edit(fn)


def frame_over(needle: str) -> Edit:
    """The paragraph holding ``needle`` made a text frame placed over the text, shaded."""

    def fn(p: str) -> str:
        frame = (
            '<w:framePr w:w="3000" w:h="600" w:hRule="exact" w:wrap="none" w:vAnchor="text"'
            ' w:hAnchor="text" w:x="0" w:y="-600"/><w:shd w:val="clear" w:color="auto"'
            ' w:fill="FFFFFF"/>'
        )
        if "<w:pPr>" in p:
            return p.replace("<w:pPr>", "<w:pPr>" + frame, 1)
        return re.sub(r"^<w:p( [^>]*)?>", lambda m: m.group(0) + f"<w:pPr>{frame}</w:pPr>", p)

    def go(xml: str) -> str:
        m = paragraph_with(xml, needle)
        return xml[: m.start()] + fn(m.group(0)) + xml[m.end() :]

    return xml_edit(go)


def picture_in_cell(data: bytes, label: str, floating: bool = False, cm: float = 2.0) -> bytes:
    """A signature picture added to the right-hand cell of the row labelled ``label`` (as
    Word inserts one: inline; with ``floating``, 'in front of text' beside the name)."""
    import docx
    from docx.shared import Cm

    d = docx.Document(io.BytesIO(data))
    for table in d.tables:
        for row in table.rows:
            if row.cells[0].text.strip() == label and len(row.cells) >= 2:
                run = row.cells[1].paragraphs[-1].add_run()
                run.add_picture(io.BytesIO(PNG), width=Cm(cm), height=Cm(cm / 2))
                break
        else:
            continue
        break
    else:
        raise AssertionError(f"no row {label!r}")
    buf = io.BytesIO()
    d.save(buf)
    out = buf.getvalue()
    if not floating:
        return out

    def float_it(xml: str) -> str:
        m = re.search(r"<wp:inline[^>]*>(.*?)</wp:inline>", xml, re.S)
        assert m
        ext = re.search(r'<wp:extent cx="(\d+)" cy="(\d+)"/>', m.group(1))
        graphic = re.search(r"<a:graphic[ >].*</a:graphic>", m.group(1), re.S)
        assert ext and graphic
        a = anchor(graphic.group(0), int(ext.group(1)), int(ext.group(2)), x=180000,
                   y=-90000, rel_h="character", rel_v="line", name="签名")  # fmt: skip
        a = a.replace("<wp:anchor ", f'<wp:anchor xmlns:a="{A_NS}" xmlns:pic="{PIC_NS}" ', 1)
        return xml[: m.start()] + a + xml[m.end() :]

    return xml_edit(float_it)(out)


# a paragraph style based on a hidden one: what it is applied to is not on the page
QUIET_STYLES = (
    '<w:style w:type="paragraph" w:customStyle="1" w:styleId="Secret"><w:name w:val="Secret"/>'
    '<w:basedOn w:val="Normal"/><w:rPr><w:vanish/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:customStyle="1" w:styleId="Quiet"><w:name w:val="Quiet"/>'
    '<w:basedOn w:val="Secret"/></w:style>'
)


# --- numbering, styles, rows -----------------------------------------------------------------


def numbered(needle: str, num_id: int = 9) -> Edit:
    """The paragraph holding ``needle`` made a numbered list item (``w:numPr``)."""

    def fn(p: str) -> str:
        num = f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
        if "<w:pPr>" in p:
            return p.replace("<w:pPr>", "<w:pPr>" + num, 1)
        return re.sub(r"^<w:p( [^>]*)?>", lambda m: m.group(0) + f"<w:pPr>{num}</w:pPr>", p)

    def go(xml: str) -> str:
        m = paragraph_with(xml, needle)
        return xml[: m.start()] + fn(m.group(0)) + xml[m.end() :]

    return xml_edit(go)


def bullets_numbered(data: bytes) -> bytes:
    """The List Bullet list redefined in numbering.xml as 1. 2. 3. (the labels change)."""

    def fn(xml: str) -> str:
        aid = re.search(r'<w:num w:numId="1"[^>]*><w:abstractNumId w:val="(\d+)"/>', xml)
        assert aid
        m = re.search(
            rf'<w:abstractNum [^>]*w:abstractNumId="{aid.group(1)}".*?</w:abstractNum>', xml, re.S
        )
        assert m
        new = re.sub(
            r'<w:numFmt w:val="bullet"/>', '<w:numFmt w:val="decimal"/>', m.group(0), count=1
        )
        new = re.sub(r'<w:lvlText w:val="[^"]*"/>', '<w:lvlText w:val="%1."/>', new, count=1)
        return xml[: m.start()] + new + xml[m.end() :]

    return xml_edit(fn, "word/numbering.xml")(data)


def styled(needle: str, style_id: str, style_xml: str) -> Edit:
    """A style added to styles.xml and the paragraph holding ``needle`` set to it."""

    def edit(data: bytes) -> bytes:
        parts = parts_of(data)
        styles = parts["word/styles.xml"].decode()
        parts["word/styles.xml"] = styles.replace("</w:styles>", style_xml + "</w:styles>").encode()
        xml = parts["word/document.xml"].decode()
        m = paragraph_with(xml, needle)
        p = m.group(0)
        if "<w:pStyle " in p:
            p = re.sub(r'<w:pStyle w:val="[^"]*"/>', f'<w:pStyle w:val="{style_id}"/>', p, count=1)
        elif "<w:pPr>" in p:
            p = p.replace("<w:pPr>", f'<w:pPr><w:pStyle w:val="{style_id}"/>', 1)
        else:
            ppr = f'<w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>'
            p = re.sub(r"^<w:p( [^>]*)?>", lambda x: x.group(0) + ppr, p)
        parts["word/document.xml"] = (xml[: m.start()] + p + xml[m.end() :]).encode()
        return build(parts)

    return edit


def styles_edit(fn: Callable[[str], str]) -> Edit:
    return xml_edit(fn, "word/styles.xml")


def doc_defaults(rpr: str) -> Edit:
    """Run properties added to the document defaults (``w:docDefaults/w:rPrDefault``)."""

    def fn(xml: str) -> str:
        if "<w:rPrDefault><w:rPr>" in xml:
            return xml.replace("<w:rPrDefault><w:rPr>", "<w:rPrDefault><w:rPr>" + rpr, 1)
        return xml.replace("<w:docDefaults>", f"<w:docDefaults><w:rPrDefault><w:rPr>{rpr}"
                           "</w:rPr></w:rPrDefault>", 1)  # fmt: skip

    return styles_edit(fn)


def hidden_row_after(needle: str, old: str, new: str) -> Edit:
    """A copy of the table row holding ``needle`` added after it with ``w:trPr/w:hidden``
    and ``old`` changed to ``new`` (Word still draws it)."""

    def fn(xml: str) -> str:
        tbl = table_with(xml, needle)
        for m in re.finditer(r"<w:tr(?: [^>]*)?>(?:(?!</w:tr>).)*</w:tr>", tbl.group(0)):
            row = m.group(0)
            if needle in row:
                copy = row.replace(old, new)
                if "<w:trPr>" in copy:
                    copy = copy.replace("<w:trPr>", "<w:trPr><w:hidden/>", 1)
                else:
                    copy = re.sub(r"^(<w:tr(?: [^>]*)?>)", r"\1<w:trPr><w:hidden/></w:trPr>", copy)
                end = tbl.start() + m.end()
                return xml[:end] + copy + xml[end:]
        raise AssertionError(needle)

    return xml_edit(fn)
