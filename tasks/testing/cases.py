"""Test cases traced to the requirements.

* An automated case (JUnit) checks requirement N when it carries the JUnit property
  ``requirement`` (``2``, ``需求2``, ``REQ-2``), or when its name holds the number by the
  contract's convention: ``settings.requirement_pattern``, a regular expression whose first
  group is the number; by default ``test_req2_...``, ``req_2``, ``[需求2]``.
* The cases a client reads are described in a cases file (``docs/test-cases.md``): the
  client project's ``test-cases.yaml`` at the commit tested (``settings.test_cases`` names
  another path), and/or a file given with the run (``changeflow test KEY --cases FILE``, the
  flow's 手工测试用例 field). A given file's case with the id of a described one adds to it
  (typically the manual result: who, when, actual, 通过/不通过, defect)::

      cases:
        - case: TC-2-1        # the case's id
          requirement: 2      # the task book's requirement number
          title: 请假单提交后审批人收到待办
          precondition: 员工已登录 OA
          steps: [申请人提交请假单, 审批人打开待办]
          input: 请假 2 天
          expected: 待办列表出现该请假单
          automated: check_todo_req2   # the JUnit case that runs it (its result attaches)
          # manual result (a case without `automated`):
          actual: 与预期一致
          result: 通过         # 通过 | 不通过 | 未测 (passed | failed | not run); none: 未测
          tester: 李四
          date: 2026-11-30
          defect: ""           # the defect found, when 不通过
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from changeflow.errors import InputError

from ..inputs import clean_text, load_yaml, read_limited

DEFAULT_PATTERN = r"(?:(?<![a-z])req|需求)[\s_\-#]*(\d+)"
MAX_PLAN_BYTES = 1024 * 1024
MAX_MANUAL_CASES = 2000
MAX_STORED_CASES = 5000  # automated cases stored per run (the counts keep all)
RESULTS = {
    "通过": "passed",
    "passed": "passed",
    "pass": "passed",
    "不通过": "failure",
    "未通过": "failure",
    "failed": "failure",
    "fail": "failure",
    "未测": "skipped",
    "not run": "skipped",
    "skipped": "skipped",
}
_NUMBER = re.compile(r"(\d+)")


def name_pattern(settings: dict[str, Any]) -> re.Pattern[str]:
    """The contract's convention for a requirement number in a test's name."""
    text = settings.get("requirement_pattern") or DEFAULT_PATTERN
    if not isinstance(text, str):
        raise InputError("contract settings", "requirement_pattern", "must be a text")
    try:
        pattern = re.compile(text, re.IGNORECASE)
    except re.error as exc:
        raise InputError(
            "contract settings", "requirement_pattern", f"is not a regular expression: {exc}"
        ) from None
    if pattern.groups < 1:
        raise InputError(
            "contract settings", "requirement_pattern", "needs a group that captures the number"
        )
    return pattern


def requirement_of(prop: str, name: str, pattern: re.Pattern[str]) -> int | None:
    """The requirement number a case checks: its property first, else its name."""
    if prop:
        m = _NUMBER.search(prop)
        return int(m.group(1)) if m else None
    m = pattern.search(name)
    if m and m.group(1) and m.group(1).isdigit():
        return int(m.group(1))
    return None


@dataclass
class ManualCase:
    """One described case: manual (its result given in the file) or automated
    (``automated`` names the JUnit case whose result attaches to it)."""

    case_id: str
    requirement_no: int
    name: str
    steps: str
    expected: str
    actual: str
    outcome: str
    tester: str
    tested_on: str
    precondition: str = ""
    input: str = ""
    defect: str = ""
    automated: str = ""


def _field(row: dict[str, Any], name: str, source: str, where: str, limit: int) -> str:
    value = row.get(name, "")
    if value is None:
        return ""
    if isinstance(value, list):
        value = "\n".join(str(v) for v in value)
    return clean_text(str(value), limit)


def _steps(value: Any) -> str:
    """Steps as lines: a list is numbered 1. 2. ...; a text stays as written."""
    if isinstance(value, list):
        return "\n".join(f"{i}. {str(v).strip()}" for i, v in enumerate(value, start=1))
    return "" if value is None else str(value)


def plan_rows(data: bytes, source: str) -> list[dict[str, Any]]:
    """The rows of a cases file (YAML), unchecked."""
    doc = load_yaml(data, source)
    rows = doc.get("cases") if isinstance(doc, dict) else doc
    if not isinstance(rows, list) or not rows:
        raise InputError(source, "cases", "must be a non-empty list of test cases")
    if len(rows) > MAX_MANUAL_CASES:
        raise InputError(source, "cases", f"more than {MAX_MANUAL_CASES} cases")
    return rows


def merge_rows(base: list[Any], given: list[Any]) -> list[Any]:
    """The project's described cases with a given file's rows laid over them by case id
    (a given row adds its fields, e.g. the manual result); new ids are appended."""
    out = [dict(r) if isinstance(r, dict) else r for r in base]
    index = {str(r.get("case")): i for i, r in enumerate(out) if isinstance(r, dict)}
    for r in given:
        key = str(r.get("case")) if isinstance(r, dict) else None
        if key is not None and key in index:
            out[index[key]].update({k: v for k, v in r.items() if v not in (None, "")})
        else:
            out.append(r)
    return out


def parse_plan(data: bytes, source: str) -> list[ManualCase]:
    """The cases of a cases file (YAML); one clear line on the first bad field."""
    return parse_rows(plan_rows(data, source), source)


def parse_rows(rows: list[Any], source: str) -> list[ManualCase]:
    """Cases from rows; one clear line on the first bad field."""
    out: list[ManualCase] = []
    seen: set[str] = set()
    for i, row in enumerate(rows, start=1):
        where = f"cases[{i}]"
        if not isinstance(row, dict):
            raise InputError(source, where, "must be a mapping (case, requirement, steps ...)")
        case_id = _field(row, "case", source, where, 120)
        if not case_id:
            raise InputError(source, f"{where}.case", "is missing (the case's id, e.g. M1)")
        if case_id in seen:
            raise InputError(source, f"{where}.case", f"'{case_id}' appears twice")
        seen.add(case_id)
        req = row.get("requirement")
        m = _NUMBER.search(str(req)) if req is not None and not isinstance(req, bool) else None
        if m is None:
            raise InputError(
                source, f"{where}.requirement", "is missing or not a requirement number"
            )
        result = str(row.get("result") or "").strip().lower()
        if result and result not in RESULTS:
            raise InputError(
                source,
                f"{where}.result",
                f"'{result[:20]}' is not 通过, 不通过 or 未测 (passed, failed, not run)",
            )
        day = row.get("date", "")
        if isinstance(day, date):
            day = day.isoformat()
        elif day:
            try:
                day = date.fromisoformat(str(day)).isoformat()
            except ValueError:
                raise InputError(source, f"{where}.date", f"'{day}' is not YYYY-MM-DD") from None
        out.append(
            ManualCase(
                case_id=case_id,
                requirement_no=int(m.group(1)),
                name=_field(row, "title", source, where, 300) or case_id,
                steps=clean_text(_steps(row.get("steps")), 4000),
                expected=_field(row, "expected", source, where, 4000),
                actual=_field(row, "actual", source, where, 4000),
                outcome=RESULTS[result] if result else "skipped",
                tester=_field(row, "tester", source, where, 120),
                tested_on=str(day or ""),
                precondition=_field(row, "precondition", source, where, 2000),
                input=_field(row, "input", source, where, 2000),
                defect=_field(row, "defect", source, where, 2000),
                automated=_field(row, "automated", source, where, 300),
            )
        )
    return out


def read_plan(path: Path) -> list[ManualCase]:
    return parse_plan(read_limited(Path(path), MAX_PLAN_BYTES), str(path))


def read_rows(path: Path) -> list[Any]:
    return plan_rows(read_limited(Path(path), MAX_PLAN_BYTES), str(path))
