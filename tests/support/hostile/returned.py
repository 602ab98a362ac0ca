"""Returned documents, edited the way Word, WPS and LibreOffice write .docx: a generator per
class of the verification's attack surface, built from the project's own genuine documents.

Each case starts from a genuine document we issued (plan v1 of the sample request, the
acceptance certificate, a dispatch order, a monthly SLA statement), filled in as the client
would, and then edits the saved XML. A case says what must happen:

- ``refused``: nothing recorded, one line naming ``field`` and containing ``words``;
- ``recorded``: the decision ``value`` is recorded (a genuine filling in another layout).

The sign-off is filled with ``{DECISION}`` etc. placeholders first, so a generator can put
symbol characters, text boxes or alternate content exactly where a client's editor would.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOC = "word/document.xml"

Edit = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Returned:
    kind: str  # plan | acceptance | dispatch | sla-report
    klass: str
    edit: Edit
    expect: str = "refused"  # or "recorded"
    field: str = ""
    words: str = ""
    value: Any = None  # the decision recorded: "approve" / "reject" / True / False
    # what the client types in the sign-off cells before the edit (placeholders allowed)
    signoff: dict[str, str] | None = None


# --- editing a saved .docx ------------------------------------------------------------------


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def build(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
    return buf.getvalue()


def xml_edit(fn: Callable[[str], str], part: str = DOC) -> Edit:
    def edit(data: bytes) -> bytes:
        parts = parts_of(data)
        xml = parts[part].decode("utf-8")
        new = fn(xml)
        assert new != xml, f"the edit changed nothing in {part}"
        parts[part] = new.encode("utf-8")
        return build(parts)

    return edit


def run_with(text: str) -> re.Pattern[str]:
    """The run whose only text is ``text``."""
    return re.compile(r"<w:r>(?:<w:rPr>(?:(?!</w:rPr>).)*</w:rPr>)?<w:t(?: [^>]*)?>"
                      + re.escape(text) + r"</w:t></w:r>")  # fmt: skip


def replace_run(text: str, new: str | Callable[[str], str]) -> Edit:
    """Replace the run showing ``text`` by ``new`` (XML, or a function of the old run)."""

    def fn(xml: str) -> str:
        m = run_with(text).search(xml)
        assert m, f"no run shows {text!r}"
        rep = new(m.group(0)) if callable(new) else new
        return xml[: m.start()] + rep + xml[m.end() :]

    return xml_edit(fn)


def hide(run_xml: str) -> str:
    """The run with w:vanish (hidden text)."""
    if "<w:rPr>" in run_xml:
        return run_xml.replace("<w:rPr>", "<w:rPr><w:vanish/>", 1)
    return run_xml.replace("<w:r>", "<w:r><w:rPr><w:vanish/></w:rPr>", 1)


def t(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def sym(font: str, code: int) -> str:
    return f'<w:r><w:sym w:font="{font}" w:char="{code:04X}"/></w:r>'


def symbols(text: str, font: str = "Symbol") -> str:
    """``text`` drawn one character at a time with symbol characters (F0xx)."""
    return "".join(sym(font, 0xF000 + ord(c)) for c in text)


def paragraph_with(xml: str, needle: str) -> re.Match[str]:
    for m in re.finditer(r"<w:p(?: [^>]*)?>(?:(?!</w:p>).)*</w:p>", xml):
        if needle in m.group(0):
            return m
    raise AssertionError(f"no paragraph holds {needle!r}")


def table_with(xml: str, needle: str) -> re.Match[str]:
    """The innermost table holding ``needle`` (our documents nest no tables)."""
    for m in re.finditer(r"<w:tbl>(?:(?!</w:tbl>).)*</w:tbl>", xml):
        if needle in m.group(0):
            return m
    raise AssertionError(f"no table holds {needle!r}")


def simple_table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        "<w:tr>" + "".join(f"<w:tc><w:p>{t(c) if c else ''}</w:p></w:tc>" for c in r) + "</w:tr>"
        for r in rows
    )
    return f"<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>{cells}</w:tbl>"


def after_table(needle: str, new: str) -> Edit:
    def fn(xml: str) -> str:
        m = table_with(xml, needle)
        return xml[: m.end()] + new + xml[m.end() :]

    return xml_edit(fn)


def edit_paragraph(needle: str, fn: Callable[[str], str]) -> Edit:
    def go(xml: str) -> str:
        m = paragraph_with(xml, needle)
        return xml[: m.start()] + fn(m.group(0)) + xml[m.end() :]

    return xml_edit(go)


def hide_table(needle: str) -> Callable[[str], str]:
    def fn(xml: str) -> str:
        m = table_with(xml, needle)
        tbl = re.sub(r"<w:r>(<w:rPr>)?", lambda r: "<w:r><w:rPr><w:vanish/>"
                     + ("" if r.group(1) else "</w:rPr>"), m.group(0))  # fmt: skip
        return xml[: m.start()] + tbl + xml[m.end() :]

    return fn


def hide_and_replace_table(needle: str, new: str) -> Callable[[str], str]:
    """The table holding ``needle`` hidden (every run w:vanish), ``new`` right after it."""

    def fn(xml: str) -> str:
        m = table_with(xml, needle)
        return xml[: m.start()] + hide_table(needle)(m.group(0)) + new + xml[m.end() :]

    return fn


def duplicate_signoff_table(first: dict[str, str], label: str) -> Edit:
    """A second copy of the sign-off table before the filled one, filled with ``first``."""

    def fn(xml: str) -> str:
        m = table_with(xml, label)
        copy = m.group(0)
        for old, new in first.items():
            copy = copy.replace(old, new)
        return xml[: m.start()] + copy + xml[m.start() :]

    return xml_edit(fn)


def duplicate_row(label: str, old: str, new: str) -> Edit:
    """The sign-off row labelled ``label`` twice: the copy (first) says ``new``."""

    def fn(xml: str) -> str:
        for m in re.finditer(r"<w:tr>(?:(?!</w:tr>).)*</w:tr>", xml):
            if label in m.group(0) and old in m.group(0):
                copy = m.group(0).replace(old, new)
                return xml[: m.start()] + copy + xml[m.start() :]
        raise AssertionError(label)

    return xml_edit(fn)


def alternate(choice: str, fallback: str, requires: str) -> str:
    ns = ' xmlns:cfx="urn:example:unknown"' if requires == "cfx" else ""
    return (
        f'<mc:AlternateContent{ns}><mc:Choice Requires="{requires}">{choice}</mc:Choice>'
        f"<mc:Fallback>{fallback}</mc:Fallback></mc:AlternateContent>"
    )


def text_box(text: str) -> str:
    """A decision typed in a Word text box: the modern shape and its VML fallback copy."""
    inner = f"<w:txbxContent><w:p>{t(text)}</w:p></w:txbxContent>"
    drawing = (
        '<w:drawing><wp:inline><wp:extent cx="914400" cy="228600"/><wp:docPr id="90" name="框"/>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f"<wps:wsp><wps:spPr/><wps:txbx>{inner}</wps:txbx><wps:bodyPr/></wps:wsp>"
        "</a:graphicData></a:graphic></wp:inline></w:drawing>"
    )
    pict = f'<w:pict><v:shape style="width:72pt;height:18pt"><v:textbox>{inner}</v:textbox></v:shape></w:pict>'  # noqa: E501
    return f"<w:r>{alternate(drawing, pict, 'wps')}</w:r>"


def fill_placeholder(name: str, xml_runs: str) -> Edit:
    """Replace the run of a ``{NAME}`` placeholder typed in a sign-off cell."""
    return replace_run("{" + name + "}", xml_runs)


def with_picture(data: bytes) -> bytes:
    """A picture pasted under the totals (python-docx adds it as Word does)."""
    import docx

    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
        b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92"
        b"\xef\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    d = docx.Document(io.BytesIO(data))
    d.paragraphs[-1].add_run().add_picture(io.BytesIO(png))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# --- the classes ---------------------------------------------------------------------------

TOTAL = "¥20,458.00"
EXCLUSION = "第三方软件"
ALT_CHUNK = (
    '<w:altChunk xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    ' r:id="rIdChunk"/>'
)
OBJECT = '<w:r><w:object><v:shape style="width:10pt;height:10pt"/></w:object></w:r>'
D = {"decision": "{DECISION}"}  # the plan's decision cell, to be drawn by the edit

PLAN: list[Returned] = [
    # --- an altered amount is never approved ---
    Returned("plan", "amount drawn with symbol characters", replace_run(
        TOTAL, lambda r: hide(r) + t("¥") + symbols("10,000.00")),
        field="content", words="10,000.00"),
    Returned("plan", "amount in the fallback branch of alternate content", replace_run(
        TOTAL, lambda r: alternate(r, t("¥10,000.00"), "cfx")),
        field="content", words="¥10,000.00"),
    Returned("plan", "amount in a known choice, original in the fallback", replace_run(
        TOTAL, lambda r: alternate(t("¥10,000.00"), r, "w14")),
        field="content", words="¥10,000.00"),
    Returned("plan", "totals hidden, a new table carrying the sign-off labels",
             xml_edit(hide_and_replace_table("总计（含税）", simple_table(
                 [("总计（含税）", "¥10,000.00"), ("审批人", ""), ("日期", "")]))),
             field="sign-off", words="two decisions"),
    Returned("plan", "a new table with a discounted price", after_table(
        "总计（含税）", simple_table([("优惠后总价", "¥10,000.00")])),
        field="content", words="优惠后总价"),
    Returned("plan", "exclusion clause deleted",
             edit_paragraph(EXCLUSION, lambda p: ""), field="content", words=EXCLUSION),
    Returned("plan", "exclusion clause hidden",
             edit_paragraph(EXCLUSION, lambda p: re.sub(r"<w:r>", "<w:r><w:rPr><w:vanish/></w:rPr>", p)),  # noqa: E501
             field="content", words=EXCLUSION),
    Returned("plan", "exclusion clause struck through",
             edit_paragraph(EXCLUSION, lambda p: re.sub(r"<w:r>", "<w:r><w:rPr><w:strike/></w:rPr>", p)),  # noqa: E501
             field="content", words=EXCLUSION),
    Returned("plan", "exclusion clause deleted as a tracked change",
             edit_paragraph(EXCLUSION, lambda p: re.sub(
                 r"(<w:r>(?:(?!</w:r>).)*</w:r>)",
                 lambda r: '<w:del w:id="1" w:author="甲方" w:date="2026-12-01T00:00:00Z">'
                 + r.group(1).replace("<w:t", "<w:delText").replace("</w:t>", "</w:delText>")
                 + "</w:del>", p)),
             field="content", words=EXCLUSION),
    Returned("plan", "a clause added as a tracked insertion", edit_paragraph(
        EXCLUSION, lambda p: p.replace("</w:p>", '<w:ins w:id="2" w:author="甲方" w:date='
                                       '"2026-12-01T00:00:00Z">' + t("含税价以 ¥10,000.00 为准")
                                       + "</w:ins></w:p>", 1)),
        field="content", words="10,000.00"),
    Returned("plan", "a picture pasted into the document", with_picture,
             field="content", words="图片"),
    Returned("plan", "an imported chunk (altChunk)",
             xml_edit(lambda x: x.replace("<w:sectPr", ALT_CHUNK + "<w:sectPr", 1)),
             field="content", words="altChunk"),
    Returned("plan", "an embedded object", replace_run(TOTAL, lambda r: r + OBJECT),
             field="content", words="embedded object"),
    Returned("plan", "a symbol character the reader cannot map", replace_run(
        TOTAL, lambda r: r + sym("Wingdings", 0xF041)), field="content", words="cannot map"),
    # --- exactly one decision ---
    Returned("plan", "two sign-off tables, 不同意 then 同意",
             duplicate_signoff_table({">同意</w:t>": ">不同意</w:t>"}, "审批人"),
             field="sign-off", words="two decisions", signoff={"decision": "同意"}),
    Returned("plan", "two decision rows", duplicate_row("决定", ">同意</w:t>", ">不同意</w:t>"),
             field="decision", words="two decisions", signoff={"decision": "同意"}),
    Returned("plan", "both boxes ticked", fill_placeholder("DECISION", t("同意☑ 不同意☑")),
             field="decision", words="more than one", signoff=D),
    Returned("plan", "no box ticked", fill_placeholder("DECISION", t("同意☐ 不同意☐")),
             field="decision", words="no box", signoff=D),
    Returned("plan", "a tick between two options", fill_placeholder(
        "DECISION", t("同意 ☑ 不同意")), field="decision", words="not a clear", signoff=D),
    Returned("plan", "a cross instead of a tick", fill_placeholder(
        "DECISION", t("同意✗ 不同意☐")), field="decision", words="not a clear", signoff=D),
    # --- genuine fillings in every layout, read right ---
    Returned("plan", "box after the word (同意☑ 不同意☐)", fill_placeholder(
        "DECISION", t("同意☑ 不同意☐")), "recorded", value="approve", signoff=D),
    Returned("plan", "box before the word (☑同意 ☐不同意)", fill_placeholder(
        "DECISION", t("☑同意 ☐不同意")), "recorded", value="approve", signoff=D),
    Returned("plan", "box after, 不同意 ticked", fill_placeholder(
        "DECISION", t("同意☐ 不同意☑")), "recorded", value="reject", signoff=D),
    Returned("plan", "Wingdings boxes after the word", fill_placeholder(
        "DECISION", t("同意") + sym("Wingdings", 0xF0FE) + t(" 不同意") + sym("Wingdings", 0xF0A8)),
        "recorded", value="approve", signoff=D),
    Returned("plan", "Wingdings 2 boxes before the word", fill_placeholder(
        "DECISION", sym("Wingdings 2", 0xF0A3) + t("同意 ") + sym("Wingdings 2", 0xF052)
        + t("不同意")), "recorded", value="reject", signoff=D),
    Returned("plan", "不 drawn as a symbol character", fill_placeholder(
        "DECISION", sym("SimSun", 0x4E0D) + t("同意")), "recorded", value="reject", signoff=D),
    Returned("plan", "decision in a text box (shape and VML copy)", fill_placeholder(
        "DECISION", text_box("同意")), "recorded", value="approve", signoff=D),
    Returned("plan", "decision split over runs with a bookmark", fill_placeholder(
        "DECISION", '<w:bookmarkStart w:id="7" w:name="_GoBack"/>' + t("同") + t("意")
        + '<w:bookmarkEnd w:id="7"/>'), "recorded", value="approve", signoff=D),
]  # fmt: skip

ACCEPTANCE: list[Returned] = [
    Returned("acceptance", "box after the word (通过☑ 不通过☐)", fill_placeholder(
        "DECISION", t("通过☑ 不通过☐")), "recorded", value="approve", signoff=D),
    Returned("acceptance", "box after, 不通过 ticked, back to development", fill_placeholder(
        "DECISION", t("通过☐ 不通过☑")), "recorded", value="reject",
        signoff={**D, "return_to": "开发"}),
    Returned("acceptance", "release changed to another version", xml_edit(
        lambda x: re.sub(r"已部署至甲方生产环境(.*?)第1版", r"已部署至甲方生产环境\1第2版", x,
                         count=1, flags=re.S)), field="content", words="第2版"),
    Returned("acceptance", "two decision rows",
             duplicate_row("验收结论", ">通过</w:t>", ">不通过</w:t>"),
             field="decision", words="two decisions", signoff={"decision": "通过"}),
    Returned("acceptance", "both boxes ticked", fill_placeholder(
        "DECISION", t("通过☑ 不通过☑")), field="decision", words="more than one", signoff=D),
    # the per-row 验收结论: only its cells are the client's, and they must agree with 通过
    Returned("acceptance", "accepted while a requirement row is ticked 不通过", lambda b: b,
             field="需求2 验收结论", words="不通过",
             signoff={"rows": {1: "通过", 2: "不通过", 3: "通过"}}),
    Returned("acceptance", "accepted with a requirement row left unticked", lambda b: b,
             field="需求3 验收结论", words="not ticked", signoff={"rows": {1: "通过", 2: "通过"}}),
    Returned("acceptance", "a ticked row's requirement text changed", xml_edit(
        lambda x: x.replace("审批通过后同步考勤系统的年假余额", "审批通过后同步考勤系统的年假余额"
                            "（可延后）", 1)), field="content", words="可延后"),
    Returned("acceptance", "a row's test result changed beside its box", xml_edit(
        lambda x: re.sub(r"(新增请假统计报表.*?)>通过</w:t>", r"\1>不通过</w:t>", x, count=1,
                         flags=re.S)), field="content", words="不通过"),
]  # fmt: skip

DISPATCH: list[Returned] = [
    Returned("dispatch", "是☑ 否☐ (box after the word)", fill_placeholder(
        "ACCEPTED", t("是☑ 否☐")), "recorded", value=True, signoff={"accepted": "{ACCEPTED}"}),
    Returned("dispatch", "是☐ 否☑ (box after the word)", fill_placeholder(
        "ACCEPTED", t("是☐ 否☑")), "recorded", value=False, signoff={"accepted": "{ACCEPTED}"}),
    Returned("dispatch", "Wingdings box before 是", fill_placeholder(
        "ACCEPTED", sym("Wingdings", 0xF0FE) + t("是 ") + sym("Wingdings", 0xF0A8) + t("否")),
        "recorded", value=True, signoff={"accepted": "{ACCEPTED}"}),
    Returned("dispatch", "both boxes ticked", fill_placeholder(
        "ACCEPTED", t("是☑ 否☑")), field="accepted", words="more than one",
        signoff={"accepted": "{ACCEPTED}"}),
    Returned("dispatch", "engineer's name changed", xml_edit(
        lambda x: x.replace("张伟", "李明", 1)), field="content", words="李明"),
    Returned("dispatch", "two sign-off tables", duplicate_signoff_table(
        {}, "满意度"), field="sign-off", words="two decisions"),
]  # fmt: skip

R = {"result": "{RESULT}"}  # the statement's result cell, drawn by the edit

STATEMENT: list[Returned] = [
    Returned("sla-report", "☑无异议 ☐有异议 (box before the word)", fill_placeholder(
        "RESULT", t("☑无异议 ☐有异议")), "recorded", value=True, signoff=R),
    Returned("sla-report", "无异议☐ 有异议☑ with the dispute in the remarks", fill_placeholder(
        "RESULT", t("无异议☐ 有异议☑")), "recorded", value=False,
        signoff={**R, "remarks": "CR 故障到场时间应为 09-28 16:00"}),
    Returned("sla-report", "both boxes ticked", fill_placeholder(
        "RESULT", t("☑无异议 ☑有异议")), field="result", words="more than one", signoff=R),
    Returned("sla-report", "a breached clock turned into met", xml_edit(
        lambda x: x.replace(">超时<", ">达标<", 1)), field="content", words="达标"),
    Returned("sla-report", "the month's service days lowered", xml_edit(
        lambda x: x.replace(">2.00<", ">1.00<", 1)), field="content", words="1.00"),
    Returned("sla-report", "a breach cause rewritten", xml_edit(
        lambda x: x.replace("夜间无人值守", "甲方原因", 1)), field="content", words="甲方原因"),
    Returned("sla-report", "the breaches table hidden", xml_edit(
        hide_table("超出（分钟）")), field="content", words="removed"),
    Returned("sla-report", "two confirmation tables", duplicate_signoff_table(
        {}, "对账结果"), field="sign-off", words="two decisions"),
    Returned("sla-report", "disputed without a word", fill_placeholder(
        "RESULT", t("有异议")), field="remarks", words="blank", signoff=R),
]  # fmt: skip

CASES = PLAN + ACCEPTANCE + DISPATCH + STATEMENT
