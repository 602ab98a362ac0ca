"""The content check per kind: which parts a document of a kind must hold, each non-empty.

``check_kind(path, kind, lang)`` reads the document back with python-docx (body paragraphs
and tables in order) and returns one finding per required part that is missing or empty.
A document that says it is a draft (草稿 / DRAFT at the top) must list what is missing; a
document that does not must hold every part. Each kind's outline is a list of ``Part``s:
a heading (matched at the start of a heading paragraph) whose section, up to the next
heading of the same or a higher level, holds text or a table with a filled row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

DRAFT_MARK = ("草稿：", "DRAFT:")
TODO = ("待补充", "To be completed")  # a section the notes left out (tasks.delivery_docs.outline)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Part:
    name: str
    zh: str
    en: str
    level: int = 1
    cells: tuple[tuple[str, str], ...] = ()  # texts a table in the section must hold
    head: tuple[tuple[str, str], ...] = ()  # header cells one table in the section must have


OUTLINES: dict[str, list[Part]] = {
    # GB/T 8567-2006 software test report (STR)
    "testreport": [
        Part("introduction", "1　引言", "1 Introduction"),
        Part("identification", "1.1　标识", "1.1 Identification", 2),
        Part("system-overview", "1.2　系统概述", "1.2 System overview", 2),
        Part("document-overview", "1.3　文档概述", "1.3 Document overview", 2),
        Part("references", "2　引用文件", "2 Referenced documents"),
        Part("results-overview", "3　测试结果概述", "3 Overview of the test results"),
        Part("assessment", "3.1　对被测软件的总体评估", "3.1 Overall assessment", 2),
        Part("environment-impact", "3.2　测试环境的影响", "3.2 Impact of the test environment", 2),
        Part("open-defects", "3.3　遗留缺陷与限制", "3.3 Open defects and limitations", 2),
        Part("advice", "3.4　改进建议", "3.4 Recommended improvements", 2),
        Part("details", "4　详细的测试结果", "4 Detailed test results"),
        Part("item", "4.1 需求1", "4.1 Requirement 1", 2,
             (("结果小结", "Summary of results"), ("预期结果", "Expected result"))),
        Part("defect-statistics", "4.", "4.", 2, (("发现缺陷", "Defects found"),)),
        Part("test-record", "5　测试记录", "5 Test record"),
        Part("notes", "6　注解", "6 Notes"),
        Part("sign-off", "签署", "Sign-off", 1, (("测试人员", "Tester"), ("审核", "Reviewed by"))),
    ],
    # an install/upgrade record (the contract's rule for installs and upgrades)
    "golive": [
        Part("environment-check", "一、上线前环境检查", "1. Environment check"),
        Part("backup", "二、生产系统与数据备份确认", "2. Production backup confirmed", 1,
             (("备份存放位置", "Where it is kept"),)),
        Part("database-changes", "三、数据库变更", "3. Database changes"),
        Part("steps", "四、实施步骤", "4. Steps performed"),
        Part("access-test", "五、上线后访问测试", "5. Access test after the release"),
        Part("release-notes", "六、发布说明", "6. Release notes"),
        Part("rollback", "八、回退条件与回退步骤", "8. Rollback trigger and steps", 1,
             (("回退条件", "When to roll back"),)),
        Part("confirmation", "九、上线确认", "9. Confirmation", 1,
             (("甲方", "Client"), ("乙方", "Contractor"))),
    ],
    # 验收单: what a 验收报告 usually holds (GB/T 28035; common practice)
    "acceptance": [
        Part("basis", "验收依据", "Basis of acceptance", 2, (("任务书", "task book"),
             ("实施计划", "plan"), ("服务合同", "contract"))),
        Part("members", "验收组成员", "Acceptance members", 2),
        Part("requirements", "一、需求与测试结果", "1. Requirements", 1,
             (("验收结论", "Acceptance"),)),
        Part("deliverables", "二、交付物清单", "2. Deliverables"),
        Part("open-items", "遗留问题及约定完成日期", "Open items and agreed dates", 2),
        Part("handover", "移交清单", "Handover", 2, (("源代码", "Source code"),
             ("培训", "Training"))),
        Part("maintenance", "维护期", "Maintenance", 2),
        Part("settlement", "费用结算", "Settlement", 2),
        Part("sign-off", "四、甲方验收", "4. Client's acceptance", 1,
             (("甲方", "Client"), ("乙方", "Contractor"))),
    ],
    # 故障处理记录: the contract's 故障评估和测试报告、解决方案和排错步骤, and what a fault record
    # normally holds besides (root cause, prevention, the client's confirmation, signatures)
    "fault-record": [
        Part("response-times", "一、响应时间执行情况", "1. Response times"),
        Part("assessment", "故障评估", "Assessment", 2),
        Part("root-cause", "根本原因", "Root cause", 2),
        Part("test-report", "测试报告", "Test report", 2),
        Part("solution", "三、解决方案", "3. Solution"),
        Part("steps", "四、排错步骤", "4. Troubleshooting steps"),
        Part("prevention", "五、预防措施", "5. Measures against recurrence"),
        Part("confirmation", "六、甲方确认", "6. Client's confirmation", 1,
             (("甲方确认人", "Confirmed by"), ("处理工程师", "Engineer"))),
    ],
    # GB/T 8567-2006 软件设计说明 (SDD) with 数据库设计说明 (DBDD) essentials
    "techdoc": [
        Part("revisions", "修订记录", "Revision record", 0, (("修订说明", "Change"),)),
        Part("sign-off", "编制、审核与批准", "Prepared, reviewed and approved", 0,
             (("编制", "Prepared by"), ("审核", "Reviewed by"), ("批准", "Approved by"))),
        Part("contents", "目　录", "Contents", 0),
        Part("introduction", "一、引言", "1. Introduction"),
        Part("identification", "标识", "Identification", 2),
        Part("references", "引用文件", "Referenced documents", 2),
        Part("environment", "二、运行环境", "2. Operating environment"),
        Part("overall-design", "三、总体设计", "3. Overall design"),
        Part("interfaces", "四、接口设计", "4. Interface design"),
        Part("database", "五、数据库设计", "5. Database design", 1, (("迁移", "igration"),),
             (("字段", "Field"), ("类型", "Type"))),
        Part("security", "六、安全与权限设计", "6. Security and permissions"),
        Part("performance", "七、性能设计", "7. Performance"),
        Part("deployment", "八、部署与运维", "8. Deployment and operation"),
        Part("errors", "九、出错处理", "9. Error handling"),
        Part("rollback", "十、回退方案", "10. Rollback"),
        Part("traceability", "十一、需求的可追踪性", "11. Requirements traceability"),
    ],
    # GB/T 8567-2006 用户手册 (SUM)
    "manual": [
        Part("revisions", "修订记录", "Revision record", 0, (("修订说明", "Change"),)),
        Part("sign-off", "编制、审核与批准", "Prepared, reviewed and approved", 0,
             (("编制", "Prepared by"), ("审核", "Reviewed by"), ("批准", "Approved by"))),
        Part("contents", "目　录", "Contents", 0),
        Part("scope", "一、范围", "1. Scope"),
        Part("identification", "标识", "Identification", 2),
        Part("references", "引用文件", "Referenced documents", 2),
        Part("summary", "二、软件综述", "2. Software summary"),
        Part("first-use", "三、首次使用", "3. First use"),
        Part("recovery", "出错与恢复", "Errors and recovery"),
        Part("faq", "常见问题", "Questions and answers"),
        Part("quick-reference", "快速参考", "Quick reference"),
        Part("support", "技术支持", "Support"),
    ],
}  # fmt: skip
# Kinds the demo does not make yet (the maintenance plan's documents): their outlines, checked
# by tests/tasks/maintplan/test_pages.py (OUTLINES above is what the demo's documents hold).
PLAN_OUTLINES: dict[str, list[Part]] = {
    # 日常维护服务计划: the systems, the check catalogue with frequencies, the client's
    # confirmation at the start of the contract year
    "maintplan": [
        Part("systems", "一、维护对象", "1. The systems maintained", 1,
             (("甲方负责人", "Owner at the client"),)),
        Part("checks", "二、巡检项目和频次", "2. Checks and how often", 1,
             (("频次", "How often"), ("正常标准", "Normal when"))),
        Part("rules", "三、执行说明", "3. How the plan is carried out"),
        Part("confirmation", "四、甲方确认", "4. The client's confirmation", 1,
             (("确认结果", "Result"), ("签字人", "Signed by"))),
    ],
    # 维护文档和应急措施: the contract's maintenance documents and emergency measures
    "handbook": [
        Part("revisions", "修订记录", "Revision record", 1, (("修订内容", "Change"),)),
        Part("systems", "一、系统与配置", "1. Systems and configuration", 1,
             (("配置", "Configuration"),)),
        Part("contacts", "二、联系人与升级", "2. Contacts and escalation", 1,
             (("甲方", "Client"), ("乙方", "Contractor"))),
        Part("routine", "三、日常维护规程", "3. Routine procedures"),
        Part("backup", "四、备份与恢复", "4. Backup and restore"),
        Part("emergency", "五、应急措施", "5. Emergency measures"),
        Part("server-crash", "（一）服务器崩溃", "5.1 Server crash", 2),
        Part("database-damage", "（二）数据库损坏", "5.2 Database damage", 2),
        Part("mail-fault", "（三）邮件服务器故障", "5.3 Mail server fault", 2),
    ],
    # 运行日志 of a month: the day entries and the checks done on the visits
    "runlog": [
        Part("summary", "一、本月概况", "1. The month in brief"),
        Part("days", "二、每日运行记录", "2. Day by day"),
        Part("visits", "三、上门巡检结果", "3. Checks on the visits"),
    ],
}  # fmt: skip


@dataclass
class Block:
    heading: int  # 0: not a heading
    text: str
    table: Table | None = None
    picture: bool = False  # a paragraph holding a picture (a screenshot)


def _blocks(path: Path) -> list[Block]:
    d = docx.Document(str(path))
    out = []
    for el in d.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = Paragraph(el, d)
            style = p.style.name if p.style is not None else ""
            level = int(style.rsplit(" ", 1)[-1]) if style.startswith("Heading ") else 0
            pic = bool(el.findall(".//" + _W + "drawing"))
            out.append(Block(level, p.text.strip(), picture=pic))
        elif tag == "tbl":
            t = Table(el, d)
            text = "\n".join(c.text for row in t.rows for c in row.cells)
            out.append(Block(0, text.strip(), t))
    return out


def is_draft(path: Path) -> bool:
    first = [b for b in _blocks(path) if b.text][:3]
    return any(b.text.startswith(DRAFT_MARK) for b in first)


EMPTY = ("", "-", "—", "（无）", "(none)")


def _filled_rows(t: Table) -> int:
    """Rows under the header with a value (a one-row or one-column table: its cells);
    a dash or （无） is no value."""
    rows = t.rows[1:] if len(t.rows) > 1 else t.rows
    return sum(
        1 for row in rows if any(c.text.strip() not in EMPTY for c in (row.cells[1:] or row.cells))
    )


def check_kind(path: Path, kind: str, lang: str) -> list[str]:
    """One line per required part missing or empty (and a draft that lists nothing)."""
    blocks = _blocks(Path(path))
    zh = lang == "zh-CN"
    found = []
    if is_draft(path):
        i = next(i for i, b in enumerate(blocks) if b.text.startswith(DRAFT_MARK))
        if not any(b.text for b in blocks[i + 1 : i + 2]):
            found.append("draft: says it is a draft but lists nothing missing")
    outline = {**OUTLINES, **PLAN_OUTLINES}[kind]
    labels = {p.zh if zh else p.en for p in outline if p.level == 0}
    for part in outline:
        head = part.zh if zh else part.en
        if part.level == 0:  # a front-matter label (修订记录, 编制、审核与批准, 目录): a paragraph
            at = [i for i, b in enumerate(blocks) if not b.heading and b.table is None
                  and b.text == head]  # fmt: skip
        else:
            at = [i for i, b in enumerate(blocks) if b.heading and b.heading == part.level
                  and head in (b.text[: len(head)], _unnumbered(b.text)[: len(head)])]  # fmt: skip
        if part.name == "defect-statistics":
            at = [i for i in at if ("缺陷统计" if zh else "Defect statistics") in blocks[i].text]
        if not at:
            found.append(f"{part.name}: missing (no heading '{head}')")
            continue
        i = at[0]
        section = []
        for b in blocks[i + 1 :]:
            if b.heading and (part.level == 0 or b.heading <= part.level):
                break
            if part.level == 0 and b.text in labels:
                break
            section.append(b)
        if not any(b.text and (b.table is None or _filled_rows(b.table)) and b.text not in TODO
                   for b in section):  # fmt: skip
            found.append(f"{part.name}: empty")
            continue
        own = [b for b in section if not b.heading]
        if any(b.text in TODO for b in own[:1]):  # its own text says 待补充 (subsections aside)
            found.append(f"{part.name}: says {own[0].text}")
            continue
        text = "\n".join(b.text for b in section)
        if part.head and not any(
            b.table is not None and _filled_rows(b.table)
            and all((h[0] if zh else h[1]) in [c.text.strip() for c in b.table.rows[0].cells]
                    for h in part.head)
            for b in section
        ):  # fmt: skip
            found.append(f"{part.name}: no table with " + ", ".join(h[0] if zh else h[1]
                                                                      for h in part.head))
        for pair in part.cells:
            want = pair[0] if zh else pair[1]
            if want not in text:
                found.append(f"{part.name}: no '{want}'")
    if kind == "manual":
        found += _role_screens(blocks, zh)
    return found


def _unnumbered(title: str) -> str:
    """A chapter's title without its number (八、出错与恢复 -> 出错与恢复; a part named without a
    number matches wherever the chapters before put it)."""
    import re

    return re.sub(r"^(?:[一二三四五六七八九十]+、|\d+\.\s)", "", title)


def _role_screens(blocks: list[Block], zh: bool) -> list[str]:
    """GB/T 8567's 使用软件指南 in the manual: a chapter per role (the chapters between 首次使用
    and 出错与恢复), each with its steps and at least one screenshot."""
    first, after = ("首次使用", "出错与恢复") if zh else ("First use", "Errors and recovery")
    heads = [i for i, b in enumerate(blocks) if b.heading == 1]
    try:
        start = next(i for i in heads if first in blocks[i].text)
        stop = next(i for i in heads if after in blocks[i].text)
    except StopIteration:
        return []  # reported above as a missing part
    roles = [i for i in heads if start < i < stop]
    if not roles:
        return ["roles: no chapter per role between first use and errors and recovery"]
    out = []
    for i in roles:
        end = next((j for j in heads if j > i), len(blocks))
        body = blocks[i + 1 : end]
        if not any(b.text and b.text not in TODO for b in body):
            out.append(f"role '{blocks[i].text}': empty")
        elif not any(b.picture for b in body):
            out.append(f"role '{blocks[i].text}': no screenshot")
    return out


def case_rows_complete(path: Path, lang: str) -> list[str]:
    """Every case row of a test report's case tables says its steps and expected result."""
    zh = lang == "zh-CN"
    steps, expected = ("测试步骤", "预期结果") if zh else ("Steps", "Expected result")
    gaps = ("（未写", "(no ")
    out = []
    for b in _blocks(Path(path)):
        if b.table is None:
            continue
        head = [c.text.strip() for c in b.table.rows[0].cells]
        if steps not in head or expected not in head:
            continue
        si, ei = head.index(steps), head.index(expected)
        for row in b.table.rows[1:]:
            cells = [c.text.strip() for c in row.cells]
            for j in (si, ei):
                if not cells[j] or cells[j].startswith(gaps):
                    out.append(f"case {cells[0]}: no {head[j]}")
    return out


def without_section(path: Path, heading: str, *, keep_heading: bool = False) -> bytes:
    """The document with the section under a heading (starting with ``heading``) emptied,
    or removed with its heading: what each required-part rule must find."""
    import io

    d = docx.Document(str(path))
    body = d.element.body
    kids = list(body.iterchildren())
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    start, mine, end = None, "", len(kids) - 1  # the last child is the section properties
    for i, el in enumerate(kids):
        style = el.find(f".//{w}pStyle") if el.tag == f"{w}p" else None
        level = style.get(f"{w}val") if style is not None else ""
        text = "".join(el.itertext()).strip()
        if start is None:
            if level.startswith("Heading") and text.startswith(heading):
                start, mine = i, level
        elif level.startswith("Heading") and level <= mine:
            end = i
            break
    if start is None:
        raise ValueError(f"no heading {heading!r}")
    for el in kids[start + (1 if keep_heading else 0) : end]:
        body.remove(el)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
