"""The task book (项目任务书): its model, and reading it from a filled .docx or from YAML.

The same pydantic model is the intake flow's parameter form, so its titles are bilingual.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from changeflow.docs_templates import labels
from changeflow.errors import InputError

from .inputs import clean_text, load_yaml, open_docx, read_limited

_PRIORITY = {
    "高": "high", "high": "high", "h": "high", "紧急": "high", "urgent": "high",
    "中": "medium", "medium": "medium", "m": "medium", "normal": "medium", "一般": "medium",
    "低": "low", "low": "low", "l": "low",
}  # fmt: skip
_KIND = {
    "开发": "dev", "新开发": "dev", "dev": "dev", "development": "dev", "定制开发": "dev",
    "变更": "change", "change": "change", "修改": "change",
}  # fmt: skip
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")

Priority = Literal["high", "medium", "low"]
# What the form shows and sends for each value (the Prefect UI lists an enum's values as
# they are, so they carry both languages); the readers below accept either word or both.
PRIORITY_FORM = {"high": "高 high", "medium": "中 medium", "low": "低 low"}
KIND_FORM = {"dev": "开发 dev", "change": "变更 change"}


def form_choices(choices: dict[str, str], default: str) -> dict[str, Any]:
    """``json_schema_extra`` of a field whose form shows ``choices`` (value -> "中文 English")."""
    return {"enum": list(choices.values()), "default": choices[default]}


def _lookup(v: str, words: dict[str, str]) -> str | None:
    """The value a typed word stands for: one word ("高", "high") or a form choice
    ("高 high") whose words agree."""
    key = v.strip().lower()
    if key in words:
        return words[key]
    found = {words.get(part) for part in key.split()}
    return found.pop() if len(found) == 1 and None not in found else None


def _priority(v: Any) -> Any:
    if isinstance(v, str):
        found = _lookup(v, _PRIORITY)
        if found:
            return found
        raise ValueError(f"'{v}' is not a priority (高/中/低 or high/medium/low)")
    return v


def _date(v: Any) -> Any:
    if isinstance(v, str):
        m = _DATE.match(v)
        if not m:
            raise ValueError(f"'{v}' is not a date (YYYY-MM-DD)")
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(f"'{v}' is not a valid calendar date") from None
    return v


class RequirementIn(BaseModel):
    """One requirement row: what, how urgent, and how the client will accept it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    no: int = Field(ge=1, le=999, title="序号 No.")
    text: str = Field(min_length=1, max_length=4000, title="需求描述 Requirement")
    priority: Priority = Field(
        "medium", title="优先级 Priority", json_schema_extra=form_choices(PRIORITY_FORM, "medium")
    )
    acceptance: str = Field("", max_length=4000, title="验收标准 Acceptance criterion")

    _p = field_validator("priority", mode="before")(_priority)

    @field_validator("text", "acceptance", mode="before")
    @classmethod
    def _clean(cls, v: Any) -> Any:
        return clean_text(v) if isinstance(v, str) else v


class TaskBook(BaseModel):
    """A client's project task book; also the intake form in the Prefect UI."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    project: str = Field(min_length=1, max_length=300, title="项目名称 Project")
    client: str = Field(min_length=1, max_length=200, title="委托单位 Client")
    contact: str = Field(min_length=1, max_length=120, title="联系人 Contact person")
    phone: str = Field("", max_length=60, title="联系电话 Phone")
    email: str = Field("", max_length=200, title="电子邮箱 Email")
    requested_by: str = Field(min_length=1, max_length=120, title="提出人 Requested by")
    date: dt.date = Field(title="提出日期 Date", description="YYYY-MM-DD")
    kind: Literal["dev", "change"] = Field(
        "dev", title="需求类型 Request type", json_schema_extra=form_choices(KIND_FORM, "dev")
    )
    priority: Priority = Field(
        "medium", title="优先级 Priority", json_schema_extra=form_choices(PRIORITY_FORM, "medium")
    )
    desired_date: dt.date | None = Field(None, title="期望完成日期 Desired completion date")
    background: str = Field("", max_length=20000, title="项目背景 Background")
    requirements: list[RequirementIn] = Field(
        min_length=1, max_length=500, title="需求清单 Requirements"
    )
    attachments: list[str] = Field(default_factory=list, title="附件清单 Attachments")

    _p = field_validator("priority", mode="before")(_priority)
    _d = field_validator("date", "desired_date", mode="before")(_date)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: Any) -> Any:
        if isinstance(v, str):
            found = _lookup(v, _KIND)
            if found:
                return found
            raise ValueError(f"'{v}' is not a request type (开发/变更 or dev/change)")
        return v

    @field_validator("project", "client", "contact", "requested_by", "background", mode="before")
    @classmethod
    def _clean(cls, v: Any) -> Any:
        return clean_text(v) if isinstance(v, str) else v

    @field_validator("attachments", mode="before")
    @classmethod
    def _attachments(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [clean_text(str(a), 300) for a in v if str(a).strip()]
        return v

    @field_validator("requirements")
    @classmethod
    def _unique_numbers(cls, v: list[RequirementIn]) -> list[RequirementIn]:
        seen: set[int] = set()
        for r in v:
            if r.no in seen:
                raise ValueError(f"requirement number {r.no} appears twice")
            seen.add(r.no)
        return v


def _problem(err: Any) -> tuple[str, str]:
    field = ".".join(str(p) if str(p).isprintable() else repr(p) for p in err["loc"]) or "document"
    msg = " ".join(err["msg"].removeprefix("Value error, ").split())
    if err["type"] == "missing":
        msg = "is required but missing"
    elif err["type"] == "too_short" and field == "requirements":
        msg = "the requirements table is empty"
    return field, msg


def validate(data: Any, source: str) -> TaskBook:
    """Validate raw data into a TaskBook; every bad field is named in one InputError (its
    ``field`` and ``problem`` are the first; the message lists them all, in form order)."""
    if not isinstance(data, dict):
        raise InputError(source, "document", "expected a mapping of task-book fields")
    try:
        return TaskBook.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(err) for err in exc.errors()]
        field, msg = problems[0]
        rest = "".join(f"; {f}: {m}" for f, m in problems[1:])
        raise InputError(source, field, msg + rest) from None


# --- reading a filled .docx -----------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"[\s:：*()（）]", "", text).lower()


_FIELD_BY_LABEL = {
    _norm(label): field for field, pair in labels.TASKBOOK_FIELDS.items() for label in pair
}
_REQ_BY_LABEL = {
    _norm(label): col for col, pair in labels.REQUIREMENT_COLUMNS.items() for label in pair
}
_ATT_BY_LABEL = {
    _norm(label): col for col, pair in labels.ATTACHMENT_COLUMNS.items() for label in pair
}


def _cell_text(cell: Any) -> str:
    return "\n".join(p.text for p in cell.paragraphs).strip()


def _unique_cells(row: Any) -> list[Any]:
    """Cells of a row with merged (repeated) cells only once."""
    out: list[Any] = []
    for cell in row.cells:
        if not out or cell._tc is not out[-1]._tc:
            out.append(cell)
    return out


def parse_docx(data: bytes, source: str) -> dict[str, Any]:
    """Read the task-book tables by their labels (order-independent, zh-CN or English)."""
    doc = open_docx(data, source)
    fields: dict[str, Any] = {}
    requirements: list[dict[str, Any]] = []
    attachments: list[str] = []
    found_req_table = False
    for table in doc.tables:
        rows = [[_cell_text(c) for c in _unique_cells(r)] for r in table.rows]
        if not rows:
            continue
        header = [_norm(h) for h in rows[0]]
        if sum(h in _REQ_BY_LABEL for h in header) >= 3 and any(
            _REQ_BY_LABEL.get(h) == "text" for h in header
        ):
            found_req_table = True
            cols = [_REQ_BY_LABEL.get(h) for h in header]
            for i, row in enumerate(rows[1:], start=1):
                rec = {c: v for c, v in zip(cols, row, strict=False) if c}
                if not any(rec.values()):
                    continue
                no = rec.get("no", "").strip() or str(i)
                if not no.isdigit():
                    raise InputError(source, f"requirements row {i}.no", f"'{no}' is not a number")
                rec["no"] = int(no)
                if not rec.get("priority"):
                    rec.pop("priority", None)
                requirements.append(rec)
        elif any(_ATT_BY_LABEL.get(h) == "name" for h in header):
            for row in rows[1:]:
                name = row[-1].strip() if row else ""
                if name:
                    attachments.append(name)
        else:
            for row in rows:
                if len(row) >= 2 and _norm(row[0]) in _FIELD_BY_LABEL:
                    value = row[1].strip()
                    if value:
                        fields[_FIELD_BY_LABEL[_norm(row[0])]] = value
    if not fields and not found_req_table:
        raise InputError(source, "document", "no task-book tables found (use the shipped template)")
    fields["requirements"] = requirements
    fields["attachments"] = attachments
    return fields


def read_taskbook(path: Path) -> tuple[TaskBook, bytes]:
    """Read and validate a task book from a .docx or .yaml/.yml file; returns its bytes too."""
    source = str(path)
    data = read_limited(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        raw = parse_docx(data, source)
    elif suffix in {".yaml", ".yml"}:
        raw = load_yaml(data, source)
    elif suffix == ".doc":
        raise InputError(source, "file", "old binary Word .doc is not accepted; save as .docx")
    else:
        raise InputError(source, "file", "is neither a Word .docx nor a YAML task book")
    return validate(raw, source), data
