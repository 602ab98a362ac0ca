"""What a page shows (tasks/signoff/visible.py), on small documents made with python-docx
and edited the way editors write them."""

from __future__ import annotations

import docx
import pytest
from lxml import etree

from changeflow.tasks.signoff.visible import Unreadable, read_visible

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _xml(fragment: str) -> etree._Element:
    return etree.fromstring(
        f'<root xmlns:w="{W}" xmlns:x="urn:x" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f"{fragment}</root>"
    )[0]


def _body(d) -> list[str]:
    return [getattr(b, "text", None) for b in read_visible(d).body]


def test_hidden_through_a_character_style_is_not_on_the_page() -> None:
    d = docx.Document()
    style = d.styles.add_style("Secret", 2)  # a character style
    style.font.hidden = True
    p = d.add_paragraph("总计 ")
    p.add_run("¥20,458.00", style="Secret")
    p.add_run("¥10,000.00")
    assert _body(d) == ["总计 ¥10,000.00"]


def test_live_fields_read_by_name_other_fields_by_their_result() -> None:
    d = docx.Document()
    p = d.add_paragraph("第 ")
    for el in ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
               '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
               '<w:r><w:fldChar w:fldCharType="separate"/></w:r>', "<w:r><w:t>7</w:t></w:r>",
               '<w:r><w:fldChar w:fldCharType="end"/></w:r>', "<w:r><w:t> 页 </w:t></w:r>",
               '<w:fldSimple w:instr=" REF total "><w:r><w:t>¥20,458.00</w:t></w:r></w:fldSimple>',
               ):  # fmt: skip
        p._p.append(_xml(el))
    assert _body(d) == ["第 {PAGE} 页 ¥20,458.00"]


def test_a_field_that_pulls_content_from_elsewhere_is_refused() -> None:
    d = docx.Document()
    p = d.add_paragraph()
    p._p.append(_xml('<w:fldSimple w:instr="INCLUDETEXT &quot;x.docx&quot;"><w:r><w:t>x</w:t>'
                     "</w:r></w:fldSimple>"))  # fmt: skip
    with pytest.raises(Unreadable, match="INCLUDETEXT"):
        read_visible(d)


def test_unknown_elements_pass_when_nothing_in_them_shows() -> None:
    d = docx.Document()
    p = d.add_paragraph("同意")
    p._p.append(_xml('<x:bookkeeping><x:rsid x:val="1"/></x:bookkeeping>'))
    assert _body(d) == ["同意"]
    p._p.append(_xml("<x:wrapper><w:r><w:t>不</w:t></w:r></x:wrapper>"))
    with pytest.raises(Unreadable, match="does not know"):
        read_visible(d)


def test_tracked_changes_as_displayed_and_strike_marked() -> None:
    d = docx.Document()
    p = d.add_paragraph()
    p._p.append(_xml('<w:del w:id="1" w:author="a"><w:r><w:delText>旧</w:delText></w:r></w:del>'))
    p._p.append(_xml('<w:ins w:id="2" w:author="a"><w:r><w:t>新</w:t></w:r></w:ins>'))
    p._p.append(_xml("<w:r><w:rPr><w:strike/></w:rPr><w:t>条款</w:t></w:r>"))
    assert _body(d) == ["新~~条款~~"]


def test_alternate_content_branches_that_disagree_are_refused() -> None:
    d = docx.Document()
    p = d.add_paragraph()
    p._p.append(_xml('<mc:AlternateContent><mc:Choice Requires="w14"><w:r><w:t>A</w:t></w:r>'
                     "</mc:Choice><mc:Fallback><w:r><w:t>B</w:t></w:r></mc:Fallback>"
                     "</mc:AlternateContent>"))  # fmt: skip
    with pytest.raises(Unreadable, match="branches"):
        read_visible(d)


def test_headers_are_read_and_empty_ones_say_nothing() -> None:
    d = docx.Document()
    d.add_paragraph("正文")
    d.sections[0].header.paragraphs[0].text = "甲方：示例单位"
    vis = read_visible(d)
    assert [(w, [b.text for b in blocks]) for w, blocks in vis.margins] == [
        ("页眉", ["甲方：示例单位"])
    ]
