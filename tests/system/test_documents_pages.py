"""Every page a client opens (tests/support/doccheck/pages.py): the demo's documents of every
kind in both languages and a weekly report of a busy week (five requests, two faults and a
visit), rendered through LibreOffice in one batch and read page by page; and each rule of the
check finds its fault when one is put back, on hand-made documents.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from changeflow.docs_templates import fit
from tests.support.doccheck.pages import TECH_APPENDIX, Finding, check_pages, to_pdf

# the documents of the maintenance half the demo makes (checked in Chinese, as made, and
# rendered again in English)
MAINTENANCE_KINDS = {"maintplan", "handbook", "runlog", "signin", "permlog", "upgrade",
                     "upgrade-record", "oa-manual"}  # fmt: skip
# the client's own files (returned copies, the task book they fill in) are not ours to word
NOT_OURS = ("回签", "returned", "taskbook")


def _names(found: dict[str, list[Finding]]) -> str:
    return "\n".join(f"{name}: {f}" for name, fs in found.items() for f in fs)


def _english_maintenance(folder: Path) -> dict[str, Path]:
    """The maintenance half's documents rendered again in English from the demo's records
    (the demo makes them in Chinese): each kind of ``MAINTENANCE_KINDS``."""
    from changeflow.cli.demo.days import FIRST
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path, store_root
    from changeflow.tasks.maintplan.documents import plan_document
    from changeflow.tasks.maintplan.handbook import issue_handbook, runlog_document
    from changeflow.tasks.oamanual.versions import _contract, latest_version, render_version
    from changeflow.tasks.servicereq.record import make_permlog
    from changeflow.tasks.training.sessions import find_session, list_trainings
    from changeflow.tasks.training.sheet import issue_sheet
    from changeflow.tasks.upgrades.plans import find_change, issue_plan, list_upgrades
    from changeflow.tasks.upgrades.record import OUTCOMES, _render_record

    month, lang = f"{FIRST:%Y-%m}", "en"
    made: dict[str, Path] = {
        "maintplan": store_root() / plan_document(lang=lang)["path"],
        "handbook": store_root() / issue_handbook(lang=lang)["path"],
        "runlog": store_root() / runlog_document(month, lang=lang)["path"],
        "permlog": store_root() / make_permlog(month=month, lang=lang)["path"],
    }
    with transaction() as s:
        row = find_session(s, list_trainings()[-1]["number"])
        made["signin"] = document_path(issue_sheet(s, row, lang))
        change = find_change(s, list_upgrades()[-1]["number"])
        made["upgrade"] = document_path(issue_plan(s, change, lang))
        outcome = change.state if change.state in OUTCOMES else "done"
        made["upgrade-record"] = document_path(_render_record(s, change, outcome, lang))
        c = _contract(s, None)
        made["oa-manual"] = document_path(render_version(s, c, latest_version(s, c), lang))
    out = {}
    for kind, path in made.items():
        out[kind] = folder / f"{kind}-en.docx"
        out[kind].write_bytes(Path(path).read_bytes())
    return out


def _busy_week(folder: Path) -> dict[str, Path]:
    """The demo's week made busy: its request, faults and dispatch visit, copies of the main
    request under four more keys (five requests in all), and a copy of the crash under a
    second key if the week has one fault only (two faults), each on the days the original is."""
    from sqlalchemy import select

    from changeflow.cli.demo.days import nov
    from changeflow.db.models import Client
    from changeflow.db.session import transaction
    from changeflow.tasks.weekly.document import render_report
    from changeflow.tasks.weekly.facts import build_week
    from changeflow.tasks.weekly.week import week_of

    with transaction() as s:
        client = s.scalar(select(Client).where(Client.code == "DEMO"))
        # the replayed month's week of development, the crash and a visit
        data = build_week(s, client, week_of(nov(13, "15:00").date()))
    main = data["requests"][0]
    extra_requests = ((5, "考勤月报导出"), (6, "移动端审批待办提醒"), (7, "会议室预约冲突检查"),
                      (8, "公文流转加签功能"))  # fmt: skip
    for n, title in extra_requests:
        key = f"CR-2026-{n:04d}"
        extra = copy.deepcopy(main) | {"key": key, "title": title}
        data["requests"].append(extra)
        for day in data["days"]:
            for r in list(day["requests"]):
                if r["key"] == main["key"]:
                    day["requests"].append(copy.deepcopy(r) | {"key": key})
    faults = data["service"]["faults"]
    crash = faults[0]
    if len(faults) < 2:  # the demo's week has the crash and the probe's outage: two already
        second = {"key": "GZ-2026-0009", "title": "考勤数据同步中断，当日打卡记录缺失"}
        faults.append(copy.deepcopy(crash) | second)
        for day in data["days"]:
            for r in list(day["requests"]):
                if r["key"] == crash["key"]:
                    day["requests"].append(copy.deepcopy(r) | {"key": second["key"]})
    assert len(data["requests"]) == 5 and len(faults) == 2 and data["service"]["visits"]
    out = {}
    for lang in ("zh-CN", "en"):
        path = folder / f"busy-week-{lang}.docx"
        path.write_bytes(render_report(data, version=1, lang=lang))
        out[f"weekly-busy-{lang}"] = path
    return out


@pytest.mark.prefect
@pytest.mark.slow
def test_every_page_of_every_document(demo_run, cf_home, tmp_path, monkeypatch) -> None:
    from tests.support.demo import demo_copy
    from tests.support.doccheck.content import contract_names
    from tests.system.test_documents_content import DEMO_KINDS, _english_copies

    run = demo_copy(demo_run, tmp_path / "demo-out", monkeypatch)  # the session's one demo
    docs = {
        f"zh-CN/{Path(d['path']).name}": Path(d["path"])
        for d in run.documents
        if str(d["path"]).endswith(".docx") and d["kind"] in DEMO_KINDS | MAINTENANCE_KINDS
    }
    made = {d["kind"] for d in run.documents}
    assert made >= MAINTENANCE_KINDS, MAINTENANCE_KINDS - made
    (tmp_path / "en").mkdir()
    english = _english_copies(run.keys["main"], tmp_path / "en")
    docs |= {f"en/{p.name}": p for p in english.values()}
    upkeep = _english_maintenance(tmp_path / "en")
    assert set(upkeep) == MAINTENANCE_KINDS
    docs |= {f"en/{p.name}": p for p in upkeep.values()}
    docs |= {f"busy/{k}": p for k, p in _busy_week(tmp_path).items()}
    # unique names for one soffice batch
    batch = tmp_path / "batch"
    batch.mkdir()
    copies = {}
    for i, (name, path) in enumerate(sorted(docs.items())):
        target = batch / f"{i:02d}.docx"
        target.write_bytes(path.read_bytes())
        copies[name] = target
    pdfs = to_pdf(copies.values(), tmp_path / "pdf")
    from changeflow.cli.demo.common import examples_dir
    from changeflow.cli.demo.sample import design_notes
    from changeflow.cli.demo.upkeep import PERMISSIONS

    allow = contract_names()
    plan_text = (examples_dir() / "maintplan.yaml").read_text(encoding="utf-8")
    found = {}
    for name, path in copies.items():
        lang = "en" if name.startswith("en/") or name.endswith("-en") else "zh-CN"
        technical = "技术文档" in name or "techdoc" in name
        # the install record quotes the database changes of the design notes (the client's
        # own tables and fields, by the names its system uses)
        names = [*allow, design_notes()] if "上线记录" in name or "golive" in name else allow
        # the maintenance plan's systems, addresses and configuration are the client's own
        # (examples/maintplan.yaml), as are the account names of the permission record
        if any(k in name for k in ("日常维护服务计划", "维护文档和应急措施", "运行日志")):
            names = [*allow, plan_text]
        if "账号权限变更记录" in name:
            names = [*allow, *(account for account, _, _ in PERMISSIONS)]
        found[name] = check_pages(path, pdfs[path], lang, names, technical)
    assert set(english) >= DEMO_KINDS
    assert not any(found.values()), _names(found)


# --- each rule finds its fault ------------------------------------------------------------------


def _table(d: Any, rows: list[list[str]], mm: list[float], header: bool = True) -> Any:
    t = d.add_table(rows=len(rows), cols=len(rows[0]))
    t.style = "Table Grid"
    for row, texts in zip(t.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    if header:
        trpr = t.rows[0]._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:tblHeader"))
    fit.set_grid(t._tbl, mm)
    return t


def _keep_rows(t: Any) -> None:
    for row in t.rows[:-1]:
        for p in row._tr.iter(qn("w:p")):
            p.get_or_add_pPr().insert(0, OxmlElement("w:keepNext"))


def _save(d: Any, path: Path) -> Path:
    for s in d.sections:
        from docx.shared import Mm

        s.page_width, s.page_height = Mm(210), Mm(297)
        s.top_margin = s.bottom_margin = Mm(25.4)
        s.left_margin = s.right_margin = Mm(31.7)
    d.save(str(path))
    return path


def _faults(folder: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    # a date and a key in columns too narrow for them (and a good table beside them)
    d = docx.Document()
    _table(d, [["日期", "编号", "说明"], ["2026年12月11日", "CR-2026-0001", "正常"]], [14, 14, 118])
    t = _table(d, [["日期", "说明"], ["2026年12月11日", "正常"]], [10, 10])
    fit.fit_table(t._tbl, 146.6)
    out["narrow"] = _save(d, folder / "narrow.docx")
    # a table kept whole that does not fit under a short paragraph: page 1 nearly empty
    d = docx.Document()
    for _ in range(6):
        d.add_paragraph("上面的正文" * 20)
    t = _table(d, [["序号", "内容"]] + [[str(i), "一行内容"] for i in range(1, 40)], [20, 126.6])
    _keep_rows(t)
    out["pushed"] = _save(d, folder / "pushed.docx")
    # tables of growing length under a page of text: some leave one or two rows alone
    for n in range(30, 48):
        d = docx.Document()
        for _ in range(3):
            d.add_paragraph("正文" * 40)
        _table(d, [["行", "内容"]] + [[f"第{i}行", "内容"] for i in range(1, n + 1)], [30, 116.6])
        out[f"rows-{n}"] = _save(d, folder / f"rows-{n}.docx")
    # a closing sign-off (heading, a line, a table to write in) under text that nearly fills
    # a page: alone on the last one; the same kept with what is before it (keep_signoff);
    # a numbered list under the same text: its last items alone on the next page
    from changeflow.tasks.wordkit import keep_lists, keep_signoff

    for n in range(18, 30):
        for kept in (False, True):
            d = docx.Document()
            for i in range(n):
                d.add_paragraph(f"第{i}段正文")
            d.add_heading("七、甲方确认", 1)
            d.add_paragraph("请甲方核对上述记录后签字。").paragraph_format.keep_with_next = True
            _keep_rows(_table(d, [["核对人", ""], ["意见", ""], ["签字人", ""], ["日期", ""]],
                              [30, 116.6], header=False))  # the house keeps a sign-off whole
            if kept:
                keep_signoff(d)
            out[f"signoff-{n}-{int(kept)}"] = _save(d, folder / f"signoff-{n}-{int(kept)}.docx")
            d = docx.Document()
            for i in range(n + 3):
                d.add_paragraph(f"第{i}段正文")
            d.add_heading("回退步骤", 1)
            for i in range(1, 5):
                d.add_paragraph(f"第{i}步：回退操作说明", style="List Number")
            if kept:
                keep_lists(d)
            out[f"list-{n}-{int(kept)}"] = _save(d, folder / f"list-{n}-{int(kept)}.docx")
    # engineering words in a zh-CN document, the same in a code block and in the appendix
    d = docx.Document()
    d.add_paragraph("被测提交 613a8588e974，用例 checks::check_long_leave，程序 run_checks.py。")
    d.add_paragraph("日期 2026-12-06，草稿 DRAFT，标题 SLA。")
    code = d.add_paragraph().add_run("check_long_leave 613a8588e974 run_checks.py")
    code.font.name = "Consolas"
    d.add_paragraph(TECH_APPENDIX[0])
    d.add_paragraph("提交 8daf2068bb 标签 release/CR-2026-0001-v1")
    out["words"] = _save(d, folder / "words.docx")
    return out


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("faults")
    docs = _faults(folder)
    pdfs = to_pdf(docs.values(), folder / "pdf")
    return {k: (p, pdfs[p]) for k, p in docs.items()}


def _rules(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.found) for f in found]


def test_a_broken_token_and_a_narrow_column_are_found(faults) -> None:
    found = _rules(check_pages(*faults["narrow"], "zh-CN"))
    broken = {x for r, x in found if r == "broken-token"}
    assert "2026年12月11日" in broken and "CR-2026-0001" in broken, found
    narrow = [x for r, x in found if r == "narrow-column"]
    assert len(narrow) == 2, found  # the two narrow columns of the first table only


def test_a_page_left_mostly_empty_is_found(faults) -> None:
    found = _rules(check_pages(*faults["pushed"], "zh-CN"))
    assert [r for r, _ in found] == ["pushed-over"], found


def test_rows_stranded_on_the_next_page_are_found(faults) -> None:
    """Ground truth from the PDF itself: how many of the table's rows (第N行) the last page
    holds; the check flags exactly the documents where that is one or two."""
    from tests.support.doccheck.pages import page_texts

    flagged, truth = set(), set()
    for name, (path, pdf) in faults.items():
        if not name.startswith("rows-"):
            continue
        pages = page_texts(pdf)
        alone = sum(1 for line in pages[-1].splitlines() if "第" in line and "行" in line)
        if len(pages) > 1 and 1 <= alone <= 2:
            truth.add(name)
        if any(f.rule == "stranded-rows" for f in check_pages(path, pdf, "zh-CN")):
            flagged.add(name)
    assert truth, "no length left a row alone: the fixture lost its point"
    assert flagged == truth


def test_a_signoff_alone_on_the_last_page_is_found_and_kept_with_what_is_before(faults) -> None:
    """Ground truth from the PDF: the last page begins with the sign-off heading. The check
    flags exactly those; with ``keep_signoff`` no length leaves it alone."""
    from tests.support.doccheck.pages import page_texts, signoff_alone

    flagged, truth = set(), set()
    for name, (path, pdf) in faults.items():
        if not name.startswith("signoff-"):
            continue
        pages = page_texts(pdf)
        if len(pages) > 1 and pages[-1].split()[0] == "七、甲方确认":
            truth.add(name)
        if signoff_alone(docx.Document(str(path)), pages):
            flagged.add(name)
    assert truth, "no length left the sign-off alone: the fixture lost its point"
    assert flagged == truth
    assert not any(n.endswith("-1") for n in truth), truth  # keep_signoff: never alone


def test_list_items_stranded_on_the_next_page_are_found_and_kept(faults) -> None:
    from tests.support.doccheck.pages import page_texts, stranded_list

    flagged, truth = set(), set()
    for name, (path, pdf) in faults.items():
        if not name.startswith("list-"):
            continue
        pages = page_texts(pdf)
        if len(pages) > 1 and any(
            s in "".join(next(x for x in pages[-1].splitlines() if x.strip()).split())
            for s in ("第3步", "第4步")
        ):
            truth.add(name)
        if stranded_list(docx.Document(str(path)), pages):
            flagged.add(name)
    assert truth, "no length left an item alone: the fixture lost its point"
    assert flagged == truth
    assert not any(n.endswith("-1") for n in truth), truth  # keep_lists: never alone


def test_engineering_words_are_found_outside_code_and_the_appendix(faults) -> None:
    found = _rules(check_pages(*faults["words"], "zh-CN"))
    rules = {r for r, _ in found}
    assert {"hash", "identifier", "tool-file", "iso-date", "english"} <= rules, found
    words = {x for r, x in found if r == "english"}
    assert {"DRAFT", "SLA"} <= words
    hashes = [x for r, x in found if r == "hash"]
    assert hashes == ["613a8588e974"], found  # not the code block's, not the appendix's
    assert all("8daf2068bb" not in x and "release" not in x for _, x in found)


# --- the width rule without LibreOffice ------------------------------------------------------


def test_every_column_holds_its_longest_unbreakable_token() -> None:
    d = docx.Document()
    rows = [["日期", "编号", "金额", "说明"]] + [
        ["2026年12月11日 14:05", "CR-2026-0001", "¥120,000.00", "很长的说明文字" * 12]
        for _ in range(3)
    ]
    t = _table(d, rows, [20, 20, 20, 86.6])
    for row in t.rows:
        for cell in row.cells:
            for r in cell.paragraphs[0].runs:
                r.font.size = Pt(9)
    assert fit.fit_table(t._tbl, 146.6, 9)
    grid = fit.grid_mm(t._tbl)
    need = fit.required_mm(t._tbl, 9)
    assert all(g + 0.01 >= n for g, n in zip(grid, need, strict=True)), (grid, need)
    assert abs(sum(grid) - 146.6) < 0.2
    assert grid[3] == max(grid)  # the long text takes the rest
    assert need[0] > fit.text_mm("2026年12月11日", 9)  # the date keeps its time
    buf = io.BytesIO()
    d.save(buf)  # the grid and the cell widths are valid Word XML
    again = docx.Document(io.BytesIO(buf.getvalue()))
    tcw = again.tables[0].rows[1].cells[0]._tc.tcPr.find(qn("w:tcW"))
    assert int(tcw.get(qn("w:w"))) == round(grid[0] * fit.TWIPS_PER_MM)


def test_a_sentence_naming_code_breaks_at_its_spaces_its_code_whole() -> None:
    """A cell of prose with a code word in it (``leave``) is no code line: the label column
    keeps its longest word (Application) whole."""
    d = docx.Document()
    long = "The client's OA database (its existing instance); this change adds fields to "
    t = _table(d, [["Item", "Requirement"], ["Application server", long], ["Database", long]],
               [73.3, 73.3])  # fmt: skip
    for row in t.rows[1:]:
        p = row.cells[1].paragraphs[0]
        p.add_run("leave_dept_index").font.name = "Consolas"
        p.add_run(" only")
    assert fit.fit_table(t._tbl, 146.6, 9)
    grid, need = fit.grid_mm(t._tbl), fit.required_mm(t._tbl, 9)
    assert need[1] < 60  # not the whole line
    assert need[1] > fit.text_mm("leave_dept_index", 9, mono=True)  # the code piece whole
    assert grid[0] + 0.01 >= need[0] > fit.text_mm("Application", 9)


def test_an_empty_column_of_data_is_narrow_and_a_column_to_sign_in_is_not() -> None:
    """A day table of the weekly report with nothing under 阶段变化 gives that column its
    header's width, not room to write in; a line to sign on keeps room for the signature."""
    d = docx.Document()
    rows = [["日期", "需求", "代码提交（作者）", "工时", "阶段变化", "文档"]] + [
        ["2026年11月9日 周一", "CR-2026-0001", "新增：请假超过 3 天增加分管领导审批节点" * 2,
         "8", "", "故障处理记录 第1版" if i == 3 else ""]
        for i in range(6)
    ]  # fmt: skip
    data = _table(d, rows, [24.4] * 6)
    sign = _table(d, [["角色", "姓名", "签字", "日期"], ["服务人员", "张伟", "", ""]], [36.6] * 4)
    assert fit.fit_table(data._tbl, 146.6, 9) and fit.fit_table(sign._tbl, 146.6)
    data_mm, sign_mm = fit.grid_mm(data._tbl), fit.grid_mm(sign._tbl)
    empty = data_mm[4]
    assert empty < fit.text_mm("阶段变化", 9, True) + 8, data_mm  # its header, no more
    assert data_mm[2] == max(data_mm)  # the commits take what the empty column gave up
    assert sign_mm[2] >= fit.FILL_IN_MM, sign_mm  # room to sign


def test_a_header_with_a_bracket_takes_two_lines_not_three() -> None:
    """加班（分钟） at three characters a line breaks 加班 / （分 / 钟）: the bracket never
    ends a line, so the column gets four characters."""
    d = docx.Document()
    t = _table(d, [["服务人员", "加班（分钟）"], ["张伟", "0"]], [20, 10])
    assert fit.fit_table(t._tbl, 146.6, 9)
    need = fit.required_mm(t._tbl, 9)
    assert need[1] >= fit.text_mm("中" * 4, 9, True) + 2 * fit.CELL_MARGIN_MM, need


def test_a_range_of_dates_reads_as_words_in_both_languages() -> None:
    """The contract year (2026-07-01 .. 2027-06-30 in the data) is 2026-07-01 to 2027-06-30
    in English and 2026年7月1日至2027年6月30日 in Chinese: no program notation."""
    from changeflow.tasks.wordkit import doc_date

    assert doc_date("2026-07-01 .. 2027-06-30", "en") == "2026-07-01 to 2027-06-30"
    assert doc_date("2026-07-01 .. 2027-06-30", "zh-CN") == "2026年7月1日至2027年6月30日"
