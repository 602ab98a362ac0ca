"""What Word draws beyond the text, on the plan we issue: data-bound content controls, text
hidden or struck through by styles and document defaults, list numbers, shapes, pictures and
frames in front of the text, rows hidden by their row properties, comments in the margin,
and a signature picture beside the approver's name.

Each case starts from plan v1 of the sample request as issued, filled in by python-docx,
then edited in its XML as Word writes it, and goes through ``changeflow approve``: refused
(exit 2, one line naming the file, the field and the thing, nothing written, the request
still planned) or recorded as the document shows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.helpers import all_counts, states
from tests.support.hostile.returned import EXCLUSION, TOTAL, Returned
from tests.tasks.signoff import word

QUIET_STYLES = word.QUIET_STYLES


def _normal_shows(xml: str) -> str:
    """The Normal paragraph style says 'not hidden' (LibreOffice shows the text; Word, which
    toggles from the defaults, still hides it)."""
    import re

    m = re.search(r'<w:style [^>]*w:styleId="Normal"[^>]*>.*?</w:style>', xml, re.S)
    assert m
    st = m.group(0)
    if "<w:rPr>" in st:
        new = st.replace("<w:rPr>", '<w:rPr><w:vanish w:val="0"/>', 1)
    else:
        new = st.replace("</w:style>", '<w:rPr><w:vanish w:val="0"/></w:rPr></w:style>')
    return xml[: m.start()] + new + xml[m.end() :]


def _table_style_hides_first_row(xml: str) -> str:
    import re

    m = re.search(r'<w:style [^>]*w:styleId="TableGrid"[^>]*>.*?</w:style>', xml, re.S)
    assert m
    cond = '<w:tblStylePr w:type="firstRow"><w:rPr><w:vanish/></w:rPr></w:tblStylePr>'
    new = m.group(0).replace("</w:style>", cond + "</w:style>")
    return xml[: m.start()] + new + xml[m.end() :]


def _both(*edits):
    def go(data: bytes) -> bytes:
        for e in edits:
            data = e(data)
        return data

    return go


CASES: list[Returned] = [
    # --- content controls bound to document data ---
    Returned("plan", "decision cell bound to custom XML that says 不同意",
             word.bind("同意", "不同意", alias="决定"), field="content", words="不同意"),
    Returned("plan", "total bound to custom XML with another amount",
             word.bind(TOTAL, "¥10,000.00"), field="content", words="¥10,000.00"),
    Returned("plan", "total bound to custom XML with the same amount",
             word.bind(TOTAL, TOTAL), expect="recorded", value="approve"),
    # --- styles, defaults, numbering ---
    Returned("plan", "clause hidden by a paragraph style based on a hidden style",
             word.styled(EXCLUSION, "Quiet", QUIET_STYLES), field="content", words=EXCLUSION),
    Returned("plan", "document defaults strike every run through (the labels too)",
             word.doc_defaults("<w:strike/>"), field="sign-off", words="no sign-off table"),
    Returned("plan", "defaults hide, the Normal style shows: editors disagree",
             _both(word.doc_defaults("<w:vanish/>"), word.styles_edit(_normal_shows)),
             field="content", words="one editor and not in another"),
    Returned("plan", "a table style hiding its first row",
             word.styles_edit(_table_style_hides_first_row), field="content",
             words="table style (TableGrid)"),
    Returned("plan", "clause made a numbered list item", word.numbered(EXCLUSION),
             field="content", words="1. "),
    Returned("plan", "the bullet list renumbered in numbering.xml", word.bullets_numbered,
             field="content", words="1. "),
    # --- rows ---
    Returned("plan", "a row with w:trPr/w:hidden carrying another total",
             word.hidden_row_after("总计（含税）", TOTAL, "¥10,000.00"), field="content",
             words="¥10,000.00"),
    # --- what covers the text ---
    Returned("plan", "a white rectangle in front of the total",
             word.cover_run(TOTAL, word.white_rectangle()), field="content",
             words="floating shape '矩形 1'"),
    Returned("plan", "a shaded text frame placed over the text", word.frame_over(EXCLUSION),
             field="content", words="text frame"),
    Returned("plan", "a large picture floating over the sign-off table",
             lambda d: word.picture_in_cell(d, "审批人", floating=True, cm=12),
             field="content", words="floating picture"),
    # --- comments ---
    Returned("plan", "a comment in the margin on the total",
             word.comment_on(TOTAL, "金额需调整为10000元"), field="comments",
             words="「金额需调整为10000元」（王芳）"),
    # --- a signature picture beside the name ---
    Returned("plan", "signature picture beside the approver's name",
             lambda d: word.picture_in_cell(d, "审批人"), expect="recorded", value="approve"),
    Returned("plan", "signature picture in front of text beside the name",
             lambda d: word.picture_in_cell(d, "审批人", floating=True), expect="recorded",
             value="approve"),
    Returned("plan", "signature picture and no name",
             lambda d: word.picture_in_cell(d, "审批人"), field="approver", words="no name",
             signoff={"approver": ""}),
]  # fmt: skip


@pytest.mark.parametrize("case", [pytest.param(c, id=c.klass) for c in CASES])
def test_returned_plan(case: Returned, submitted: str, cli, tmp_path: Path) -> None:
    from tests.support.approval import fill, make_plan

    path = tmp_path / "回签.docx"
    path.write_bytes(case.edit(fill(make_plan(submitted), **(case.signoff or {}))))
    before = all_counts()
    code, out, err = cli("approve", str(path), "--json")
    if case.expect == "refused":
        line = err.strip()
        assert code == 2 and "\n" not in line and "Traceback" not in line, (code, err)
        assert path.name in line and f": {case.field}: " in line, line
        assert case.words in line, line
        assert all_counts() == before and states()[submitted] == "planned"
    else:
        assert code == 0, err
        got = json.loads(out)
        assert got["decision"] == case.value and got["approver"] == "王芳", got
        assert states()[submitted] == "approved"


def test_the_issued_plan_reads_its_bullets(submitted: str) -> None:
    """List Bullet paragraphs are read with the bullet they show (part of what we sign)."""
    from changeflow.tasks.signoff import verify_stored
    from tests.support.approval import make_plan

    lines = verify_stored(make_plan(submitted).read_bytes(), "plan.docx", "plan")
    assert any(line.startswith("¶ • ") for line in lines), lines


def test_a_row_hidden_by_row_properties_is_read(submitted: str) -> None:
    """Word draws a row whose w:trPr says w:hidden (only its end mark is hidden): the
    reader reads it, so its text counts as what the page shows."""
    import io

    import docx

    from changeflow.tasks.signoff import read_visible
    from tests.support.approval import fill, make_plan

    data = word.hidden_row_after("总计（含税）", TOTAL, "¥10,000.00")(fill(make_plan(submitted)))
    vis = read_visible(docx.Document(io.BytesIO(data)))
    texts = [
        " ".join(p.text for c in row for p in c.blocks) for t in vis.tables() for row in t.rows
    ]
    assert any("¥10,000.00" in x for x in texts)
