"""Helpers of the delivery tests: a sample client project in a real git repository, the
contract pointed at it, a request moved along the real state machine, documents read back."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from tests.conftest import EXAMPLES
from tests.support.gitrepo import GitRepo

PASSING_TEST = "def test_leave_days():\n    assert 1 + 2 == 3\n"
FAILING_TEST = (
    "def test_approver_required():\n    assert None is not None, 'approver <&> missing'\n"
)

# A tiny test runner for projects without pytest: writes JUnit itself (the demo's sample
# client project has it, see examples/client-project/).
RUNNER = (EXAMPLES / "client-project" / "run_checks.py").read_text(encoding="utf-8")


def pytest_command() -> str:
    return f"{sys.executable} -m pytest -q -p no:cacheprovider --junitxml={{junit}}"


def make_project(path: Path, key: str, *, failing: bool = False) -> GitRepo:
    """The client's OA project with a few commits linked to ``key`` (Chinese messages)."""
    repo = GitRepo(path)
    repo.commit(
        "初始化 OA 项目",
        {"oa/__init__.py": "", "tests/test_base.py": PASSING_TEST, "README.md": "# OA\n"},
        when="2026-07-01T10:00:00+08:00",
    )
    repo.branch(f"cr/{key}")  # the development branch of the request
    repo.commit(
        f"{key} 新增：请假审批流程增加分管领导节点 @2h",
        {"oa/leave/flow.py": "NODES = ['dept', 'vp']\n"},
        author=("Zhang Wei", "zhang.wei@contractor.example"),
        when="2026-07-02T10:00:00+08:00",
    )
    files: dict[str, str | bytes] = {"oa/leave/sync.py": "DAYS = 5\n"}
    if failing:
        files["tests/test_leave.py"] = FAILING_TEST
    repo.commit(
        f"{key} 修复：审批通过后同步考勤 <年假> & {{{{ days }}}} {{% if %}} @1h30m",
        files,
        author=("Zhang Wei", "zhang.wei@contractor.example"),
        when="2026-07-03T10:00:00+08:00",
    )
    repo.commit(
        f"perf: 统计报表查询加索引 ({key})",
        {"report/stats.sql": "CREATE INDEX i ON leave(day);\n"},
        author=("Li Ming", "li.ming@contractor.example"),
        when="2026-07-04T10:00:00+08:00",
    )
    return repo


def point_contract(repo: Path | None, **settings: Any) -> None:
    """Set the sample contract's repository and settings (test_command...)."""
    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction

    with transaction() as s:
        c = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        assert c is not None
        c.repo_path = str(repo) if repo else None
        c.settings = dict(c.settings or {}) | settings


def advance(key: str, *states: str, actor: str = "test") -> None:
    """Move a request along the real state machine (the stages before ours)."""
    from changeflow.db.lifecycle import load_for_update, transition
    from changeflow.db.session import transaction

    with transaction() as s:
        req = load_for_update(s, key)
        for st in states:
            transition(s, req, st, actor=actor, reason="test setup")


def to_development(key: str) -> None:
    advance(key, "planned", "approved", "in_development")


def state_of(key: str) -> str:
    from sqlalchemy import select

    from changeflow.db.models import Request
    from changeflow.db.session import transaction

    with transaction() as s:
        return s.scalar(select(Request.state).where(Request.key == key)) or ""


def docx_text(path_or_bytes: Path | bytes) -> str:
    """Every paragraph and table cell of a .docx, read back with python-docx."""
    import docx

    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    doc = docx.Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def east_asia_fonts(path: Path) -> dict[str, str | None]:
    """w:eastAsia of docDefaults, Normal and Heading 1 (None when missing)."""
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document(str(path))
    styles = doc.styles.element
    out: dict[str, str | None] = {}
    rfonts = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    out["docDefaults"] = rfonts.find(qn("w:rFonts")).get(qn("w:eastAsia"))
    for sid in ("Normal", "Heading1"):
        for st in styles.findall(qn("w:style")):
            if st.get(qn("w:styleId")) == sid:
                rpr = st.find(qn("w:rPr"))
                rf = rpr.find(qn("w:rFonts")) if rpr is not None else None
                out[sid] = rf.get(qn("w:eastAsia")) if rf is not None else None
                if rf is not None and rf.get(qn("w:eastAsiaTheme")):
                    out[sid] = "theme"
    return out


def fill_certificate(
    source: Path | bytes,
    decision: str = "通过",
    approver: str = "王芳",
    date: str | None = None,
    comment: str = "功能符合验收标准，同意验收。",
    return_to: str = "",
    lang: str = "zh-CN",
    rows: str | dict[int, str | None] | None = "通过",
) -> bytes:
    """The acceptance certificate with its sign-off table typed in, as a client does, and
    each requirement row's 验收结论 ticked: ``rows`` is one answer for every row or
    requirement no -> answer; 通过/不通过 (passed/failed) tick that box (☐ -> ☑), None
    leaves the row unticked, anything else is typed into the cell as given."""
    import docx

    from changeflow.docs_templates.tpl_acceptance import RETURN_TO
    from changeflow.tasks.signoff import printed_labels, today_local

    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    d = docx.Document(io.BytesIO(data))
    values = {
        "decision": decision,
        "approver": approver,
        "date": today_local().isoformat() if date is None else date,
        "comment": comment,
        "return_to": return_to,
    }
    labels = {text: name for name, text in printed_labels(lang).items()}
    labels[RETURN_TO[0] if lang == "zh-CN" else RETURN_TO[1]] = "return_to"
    filled = 0
    for table in d.tables:
        for row in table.rows:
            name = labels.get(row.cells[0].text.strip())
            if name is not None and len(row.cells) == 2:
                row.cells[1].text = values[name]
                filled += 1
    assert filled == 5, "sign-off table not found in the certificate"
    tick_rows(d, rows)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def tick_rows(d: Any, rows: str | dict[int, str | None] | None) -> int:
    """Tick the per-row 验收结论 cells of the certificate's requirements table (as a client
    does in Word: the ☐ before the chosen word becomes ☑); returns the rows touched."""
    from changeflow.docs_templates.tpl_acceptance import ROW_DECISION, ROW_DECISION_VALUES

    words = {w: v for v, pair in ROW_DECISION_VALUES.items() for w in pair}
    done = 0
    for table in d.tables:
        header = [c.text.strip() for c in table.rows[0].cells]
        col = next((i for i, h in enumerate(header) if i > 0 and h in ROW_DECISION), None)
        if col is None:
            continue
        for row in table.rows[1:]:
            no = int(row.cells[0].text.strip())
            answer = rows.get(no) if isinstance(rows, dict) else rows
            if answer is None:
                continue
            cell = row.cells[col]
            if answer in words:
                chosen = ROW_DECISION_VALUES[words[answer]]
                shown = cell.text
                for w in sorted({*chosen}, key=len, reverse=True):
                    # the box in front of this exact word (不通过 holds 通过: match ☐通过 whole)
                    shown = shown.replace(f"☐{w}", f"☑{w}", 1) if f"☐{w}" in shown else shown
                    shown = shown.replace(f"☐ {w}", f"☑ {w}", 1)
                cell.text = shown
            else:
                cell.text = answer
            done += 1
    return done


def png(width: int = 320, height: int = 200) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (30, 80, 120)).save(buf, "PNG")
    return buf.getvalue()


# the screenshots examples/design-notes.md shows, one per role's chapter of the manual
MANUAL_SCREENSHOTS = ("请假单界面.png", "审批界面.png", "同步管理界面.png")


def manual_screenshots(folder: Path) -> list[Path]:
    """The pictures a user gives with examples/design-notes.md (``--screenshot``), written
    in ``folder``: a final manual needs each role chapter's screenshot."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, name in enumerate(MANUAL_SCREENSHOTS):
        path = folder / name
        path.write_bytes(png(320 + 10 * i, 200))
        out.append(path)
    return out


# Manual test cases of the sample task book's three requirements (a test-plan file).
TEST_PLAN = """cases:
  - case: M1
    requirement: 1
    title: 请假 4 天经部门经理和分管领导两级审批
    steps: 1. 申请人提交 4 天年假 2. 部门经理同意 3. 分管领导同意
    expected: 流程经过部门经理与分管领导两级审批
    actual: 与预期一致
    result: 通过
    tester: 王芳
    date: 2026-07-05
  - case: M2
    requirement: 2
    title: 审批通过后考勤系统年假余额减少
    steps: 审批通过 2 天年假后查看考勤系统
    expected: 5 分钟内余额减少 2 天
    actual: 3 分钟后余额减少 2 天
    result: 通过
    tester: 王芳
    date: 2026-07-05
  - case: M3
    requirement: 3
    title: 请假统计报表与考勤系统导出一致
    steps: 按部门、按月打开报表，与考勤系统导出对比
    expected: 数字一致
    actual: 一致
    result: 通过
    tester: 王芳
    date: 2026-07-05
"""


def manual_cases() -> list:
    from changeflow.tasks.testing import parse_plan

    return parse_plan(TEST_PLAN.encode("utf-8"), "plan.yaml")


def go_live(key: str, tmp_path: Path) -> str:
    """The request taken to live at its tested commit (a real project and test run, with
    manual cases for every requirement)."""
    from changeflow.tasks.golive import golive
    from changeflow.tasks.testing import run_tests

    repo = make_project(tmp_path / "oa", key)
    point_contract(repo.path, test_command=pytest_command())
    to_development(key)
    assert run_tests(key, actor="张伟", cases=manual_cases()).passed
    golive(key, actor="张伟")
    return key
