"""Technical document and user manual: Markdown as real Word structure, screenshots checked
by their bytes, reproducible versions; PDF export through LibreOffice."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from changeflow.errors import ConfigError, InputError, TransitionError
from tests.support.delivery import (
    docx_text,
    east_asia_fonts,
    make_project,
    png,
    point_contract,
    pytest_command,
    to_development,
)
from tests.support.helpers import counts

NOTES = """# 引言

本文档说明请假审批变更的设计，读者为甲方信息中心运维人员。

# 总体设计

请假流程在 **审批引擎** 中新增 *分管领导* 节点，配置见 `leave.yaml`，详见 [规范](https://example.com/spec)。

<script>alert(1)</script> 与 {{ 7*7 }} 和 {% if x %} 原样显示 & < > \x0b

## 数据表

| 字段 | 类型 | 说明 |
|---|:---:|--:|
| leave_id | int | 主键 |
| days | decimal | 天数 <5> |

## 接口

1. 提交请假单
2. 审批
   - 部门经理
   - 分管领导

```python
def sync(days: int) -> None:
    notify("分管领导")
```

> 注意：调休日按工作日计算。

# 接口设计

审批通过后调用考勤系统 `POST /api/balance`。

# 数据设计

| 表 | 字段 | 类型 | 说明 |
|---|---|---|---|
| leave | vp_approved | bool | 分管领导已审批 |

新增字段 `leave.vp_approved`，迁移脚本 `0042_vp.sql`。

# 运行环境

OA 应用服务器与数据库，与原系统相同。

# 安全与权限设计

只有管理员可以重新同步。

# 性能设计

同步异步执行，不影响审批。

# 部署与配置

`leave.yaml` 中 `vp_threshold_days: 3`。

# 出错处理

考勤系统不可用时重试 3 次并通知管理员。

# 回退方案

1. 回退到上一发布标签。
2. 执行 `0042_vp_down.sql`。

# 用户手册

## 引言

本手册供申请人和审批人使用。

## 运行环境

Chrome 100 以上，甲方内网。

## 首次使用

使用原 OA 账号登录；分管领导由管理员授予“请假审批”权限。

## 申请人

### 提交请假

1. 打开 **OA → 请假**。
2. 填写天数，点击“提交”。

![请假单](请假单.png)

## 出错与恢复

提示“未配置分管领导”时请联系管理员。

## 快速参考

提交请假：OA → 请假 → 新建。

## 常见问题

问：提交后能撤回吗？答：审批前可以撤回。
"""


def jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (200, 100), (200, 80, 20)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def testing(submitted: str, tmp_path: Path) -> str:
    """A request in testing (tests passed), commits in its repository."""
    from changeflow.tasks.testing import run_tests

    repo = make_project(tmp_path / "oa", submitted)
    point_contract(repo.path, test_command=pytest_command())
    to_development(submitted)
    assert run_tests(submitted).passed
    return submitted


def _files(tmp_path: Path) -> tuple[Path, list[Path]]:
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    a, b = tmp_path / "请假单.png", tmp_path / "审批.jpg"
    a.write_bytes(png())
    b.write_bytes(jpeg())
    return notes, [a, b]


def _styles(path: str) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in docx.Document(path).paragraphs]


def test_markdown_becomes_word_structure(testing, tmp_path) -> None:
    from changeflow.tasks.delivery_docs import make_docs_from_files

    notes, shots = _files(tmp_path)
    tech, manual = make_docs_from_files(testing, notes_path=notes, screenshot_paths=shots)
    assert (tech.kind, tech.version, tech.new) == ("techdoc", 1, True)
    styles = _styles(tech.document)
    assert ("Heading 1", "三、总体设计") in styles and ("Heading 2", "数据表") in styles
    assert ("Heading 1", "一、引言") in styles and ("Heading 1", "九、出错处理") in styles
    assert ("Heading 1", "十、回退方案") in styles and ("Heading 1", "附录 技术信息") in styles
    assert ("Heading 2", "变更文件清单") in styles  # commits, files and tag: in the appendix
    assert not tech.missing and not tech.draft
    assert ("List Bullet 2", "部门经理") in styles
    assert any(t.startswith("1. 提交请假单") for _, t in styles)
    text = docx_text(Path(tech.document))
    assert "<script>alert(1)</script> 与 {{ 7*7 }} 和 {% if x %} 原样显示 & < >" in text
    assert "\x0b" not in text and "(https://example.com/spec)" in text
    d = docx.Document(tech.document)
    para = next(p for p in d.paragraphs if "审批引擎" in p.text)
    assert any(r.bold and r.text == "审批引擎" for r in para.runs)
    assert any(r.italic and r.text == "分管领导" for r in para.runs)
    assert any(r.font.name == "Consolas" and r.text == "leave.yaml" for r in para.runs)
    code = [p for p in d.paragraphs if p.text.startswith("def sync")]
    assert code and code[0].runs[0].font.name == "Consolas"
    table = next(t for t in d.tables if t.cell(0, 0).text == "字段")
    assert [c.text for c in table.rows[2].cells] == ["days", "decimal", "天数 <5>"]
    assert table.cell(0, 0).paragraphs[0].runs[0].bold
    # the changed modules from the commits, and the plan/requirements
    assert "oa/leave/flow.py" in text and "report/stats.sql" in text
    assert "待补充" not in text and "草稿" not in text
    assert "提交请假" not in [t for _, t in styles]  # the manual part went to the manual
    assert east_asia_fonts(Path(tech.document))["Heading1"] == "SimHei"

    mtext = docx_text(Path(manual.document))
    mstyles = _styles(manual.document)
    assert "用户手册" in mtext and ("Heading 1", "四、申请人") in mstyles
    assert ("Heading 2", "提交请假") in mstyles and ("Heading 1", "六、常见问题") in mstyles
    # 版本说明 in the client's words: the request's description and requirements
    assert ("Heading 1", "八、版本说明") in mstyles
    assert "请假超过 3 天增加分管领导审批节点" in mtext
    assert "总体设计" not in mtext
    md = docx.Document(manual.document)
    assert len(md.inline_shapes) == 2
    assert "图 1  请假单" in mtext and "图 2  审批" in mtext
    widths = [s.width.mm for s in md.inline_shapes]
    assert all(0 < w <= 150.5 for w in widths)


def test_versions_change_only_with_the_inputs(testing, tmp_path) -> None:
    from sqlalchemy import select

    from changeflow.db.models import Document, Request
    from changeflow.db.session import transaction
    from changeflow.tasks.delivery_docs import (
        check_screenshot,
        content_digest,
        docs_context,
        make_docs,
        render_doc,
    )

    shots = [check_screenshot(png(), "请假单.png")]  # the 申请人 chapter's screenshot
    first = make_docs(testing, notes=NOTES, screenshots=shots)
    again = make_docs(testing, notes=NOTES, screenshots=shots)
    assert [(r.version, r.new) for r in again] == [(1, False), (1, False)]
    assert [r.sha256 for r in again] == [r.sha256 for r in first]
    # the same inputs rendered again: the same content (times come from the inputs)
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == testing))
        ctx, when = docs_context(s, req, "zh-CN")
    one = render_doc("techdoc", ctx, version=1, lang="zh-CN", when=when, notes="x",
                     screenshots=(), author="a")  # fmt: skip
    two = render_doc("techdoc", ctx, version=1, lang="zh-CN", when=when, notes="x",
                     screenshots=(), author="a")  # fmt: skip
    assert content_digest(one) == content_digest(two)
    core = docx.Document(io.BytesIO(one)).core_properties
    assert core.created.replace(tzinfo=None) == when.replace(tzinfo=None)
    # changed design notes: a new technical document; the manual's inputs did not change
    new_design = NOTES.replace("请假流程在", "改了。请假流程在")
    changed = make_docs(testing, notes=new_design, screenshots=shots)
    assert [(r.kind, r.version, r.new) for r in changed] == [
        ("techdoc", 2, True), ("manual", 1, False)
    ]  # fmt: skip
    with transaction() as s:
        kinds = s.scalars(select(Document.kind).where(Document.kind.in_(["techdoc", "manual"])))
        assert sorted(kinds) == ["manual", "techdoc", "techdoc"]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b"GIF89a" + b"\0" * 100, "not a PNG or JPEG"),
        (b"<svg onload=alert(1)/>", "not a PNG or JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 10, "damaged"),
        (b"\xff\xd8\xff" + b"\0" * 10, "damaged"),
    ],
)
def test_screenshot_refusals(data: bytes, problem: str) -> None:
    from changeflow.tasks.delivery_docs import check_screenshot

    with pytest.raises(InputError) as err:
        check_screenshot(data, "shot.png")
    assert err.value.field == "screenshot" and problem in err.value.problem


def test_screenshot_limits(monkeypatch) -> None:
    from changeflow.tasks import delivery_docs as dd
    from changeflow.tasks.delivery_docs import screenshots

    with pytest.raises(InputError, match="pixels"):
        dd.check_screenshot(png(13_000, 2), "wide.png")
    monkeypatch.setattr(screenshots, "MAX_SCREENSHOT_BYTES", 100)
    with pytest.raises(InputError, match="limit"):
        dd.check_screenshot(png(), "big.png")


def test_docs_refusals_write_nothing(submitted, tmp_path) -> None:
    from changeflow.tasks.delivery_docs import make_docs, make_docs_from_files

    before = counts()
    with pytest.raises(TransitionError):
        make_docs(submitted)
    to_development(submitted)
    before = counts()
    bad = tmp_path / "notes.md"
    bad.write_bytes("说明".encode("gbk"))
    with pytest.raises(InputError, match="UTF-8"):
        make_docs_from_files(submitted, notes_path=bad)
    fake = tmp_path / "shot.png"
    fake.write_text("not a picture")
    with pytest.raises(InputError, match="PNG or JPEG"):
        make_docs_from_files(submitted, screenshot_paths=[fake])
    assert counts() == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("#*_`>|-1. \n[]()!<&{}%xy中\x0b\t")), max_size=300))
def test_any_markdown_gives_a_valid_document(text: str) -> None:
    from changeflow.tasks.delivery_docs import write_markdown

    d = docx.Document()
    anchor = d.add_paragraph("marker")._p
    write_markdown(d, anchor, text)
    buf = io.BytesIO()
    d.save(buf)
    docx.Document(io.BytesIO(buf.getvalue()))  # opens again


def test_cli_docs_and_pdf(testing, tmp_path, cli, monkeypatch) -> None:
    notes, shots = _files(tmp_path)
    args = ["docs", testing, "--notes", str(notes)]
    for s in shots:
        args += ["--screenshot", str(s)]
    code, out, _ = cli(*args, "--json")
    assert code == 0 and [d["kind"] for d in json.loads(out)] == ["techdoc", "manual"]
    before = counts()
    monkeypatch.setenv("CHANGEFLOW_SOFFICE", "/nonexistent/soffice")
    code, _, err = cli("docs", testing, "--pdf")
    assert code == 6 and "LibreOffice" in err
    assert counts() == before
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("LibreOffice is not installed")
    monkeypatch.delenv("CHANGEFLOW_SOFFICE")
    code, out, _ = cli(*args, "--pdf", "--json")
    assert code == 0
    pdfs = [Path(d["pdf"]) for d in json.loads(out)]
    assert all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)
    # named as the document it is made from (one scheme, tasks.documents.names)
    assert [p.name for p in pdfs] == [f"{testing}-技术文档-v1.pdf", f"{testing}-用户手册-v1.pdf"]


def test_pdf_missing_libreoffice_is_a_config_error(monkeypatch) -> None:
    from changeflow.tasks.pdf import docx_to_pdf

    monkeypatch.setenv("CHANGEFLOW_SOFFICE", "/nonexistent/soffice")
    with pytest.raises(ConfigError, match="apt-get install"):
        docx_to_pdf(b"PK", "x.docx")
    monkeypatch.delenv("CHANGEFLOW_SOFFICE")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConfigError, match="not installed"):
        docx_to_pdf(b"PK", "x.docx")


def test_modules_from_synced_commits(testing, tmp_path) -> None:
    """After 'changeflow sync' the modules and commits come from the linked commits."""
    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.delivery_docs import make_docs
    from changeflow.tasks.gitsync import sync

    with transaction() as s:
        repo = s.scalar(select(Contract.repo_path))
    results = sync(repo)
    assert testing in results[0].requests
    (tech,) = make_docs(testing, kinds=("techdoc",), draft=True)
    d = docx.Document(tech.document)
    modules = next(t for t in d.tables if t.cell(0, 0).text == "模块")
    rows = {r.cells[0].text: (r.cells[1].text, r.cells[2].text) for r in modules.rows[1:]}
    assert rows["oa/"][0] == "2" and "oa/leave/sync.py" in rows["oa/"][1]
    assert rows["report/"] == ("1", "report/stats.sql")
    commits = next(t for t in d.tables if t.cell(0, 0).text == "提交")
    assert any("新增：请假审批流程增加分管领导节点" in r.cells[3].text for r in commits.rows)


# --- the outlines: 待补充, --draft, 草稿 on every page ------------------------------------

SPARSE = """# 总体设计

审批引擎按天数选择审批人。

# 用户手册

## 审批人

1. 打开待办，点击“同意”。
"""


def test_missing_sections_are_refused_without_draft(testing, tmp_path, cli) -> None:
    notes = tmp_path / "sparse.md"
    notes.write_text(SPARSE, encoding="utf-8")
    before = counts()
    code, _, err = cli("docs", testing, "--notes", str(notes))
    assert code == 2 and "sparse.md" in err and "--draft" in err
    assert "接口设计" in err and "数据库设计" in err and "常见问题" in err
    assert "安全与权限设计" in err and "快速参考" in err
    assert "总体设计" not in err.split("用户手册")[0]  # the notes cover it
    assert counts() == before  # nothing written


def test_a_draft_shows_todo_and_says_so_on_every_page(testing, tmp_path, cli) -> None:
    notes = tmp_path / "sparse.md"
    notes.write_text(SPARSE, encoding="utf-8")
    code, out, _ = cli("docs", testing, "--notes", str(notes), "--draft", "--json")
    assert code == 0
    tech, manual = json.loads(out)
    assert tech["draft"] and manual["draft"]
    assert tech["missing"] == ["引言", "运行环境", "接口设计", "数据库设计", "安全与权限设计",
                               "性能设计", "部署与运维", "出错处理", "回退方案"]
    assert manual["missing"] == ["范围", "软件综述", "首次使用", "出错与恢复", "常见问题",
                                 "快速参考", "“审批人”一章的界面截图"]
    styles = _styles(tech["document"])
    i = styles.index(("Heading 1", "四、接口设计"))
    assert styles[i + 1][1] == "待补充"
    assert ("Heading 1", "三、总体设计") in styles
    assert (
        styles[styles.index(("Heading 1", "三、总体设计")) + 1][1] == "审批引擎按天数选择审批人。"
    )
    for path in (tech["document"], manual["document"]):
        d = docx.Document(path)
        assert d.core_properties.title.endswith("（草稿）")
        for section in d.sections:
            for header in (section.header, section.first_page_header, section.even_page_header):
                assert "草稿" in header.paragraphs[0].text
    assert ("Heading 1", "四、审批人") in _styles(manual["document"])
    # the same notes without --draft after a draft: still refused
    code, _, _ = cli("docs", testing, "--notes", str(notes))
    assert code == 2
    # complete notes: a final version, no 草稿
    full = tmp_path / "full.md"
    full.write_text(NOTES, encoding="utf-8")
    (tmp_path / "请假单.png").write_bytes(png())  # the 申请人 chapter's screenshot
    code, out, _ = cli("docs", testing, "--notes", str(full), "--screenshot",
                       str(tmp_path / "请假单.png"), "--json")  # fmt: skip
    tech2 = json.loads(out)[0]
    assert code == 0 and tech2["version"] == 2 and not tech2["draft"]
    d = docx.Document(tech2["document"])
    assert all("草稿" not in (s.header.paragraphs[0].text if s.header.paragraphs else "")
               for s in d.sections)  # fmt: skip


def test_outline_headings_with_numbers_and_aliases() -> None:
    from changeflow.tasks.delivery_docs.outline import TECHDOC, fill

    f = fill("# 1. 概述\n\n说明\n\n# 三、接口\n\n考勤接口\n\n# 其他\n\nx", TECHDOC, "zh-CN")
    assert f.sections["intro"] == "说明" and f.sections["interfaces"] == "考勤接口"
    assert f.extra == [("其他", "x")]
    assert f.missing == ["运行环境", "总体设计", "数据库设计", "安全与权限设计", "性能设计",
                         "部署与运维", "出错处理"]
