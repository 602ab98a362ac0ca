"""Shared helpers of the planning tests: documents read back, estimate files, row counts,
requests taken in, booked time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
import yaml
from sqlalchemy import func, select

D = date.fromisoformat
TODAY = date(2026, 9, 1)  # a Tuesday: the fixed starts below lie ahead of it


def doc_text(path: str | Path) -> tuple[str, list[list[list[str]]], docx.document.Document]:
    d = docx.Document(str(path))
    text = "\n".join(p.text for p in d.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    return text, tables, d


def estimates_file(tmp_path: Path, items: list[dict], name: str = "est.yaml", **top) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({**top, "items": items}, allow_unicode=True), "utf-8")
    return path


def row_counts() -> dict[str, int]:
    from changeflow.db.models import Document, RequestEvent
    from changeflow.db.planning import Plan, WorkItem
    from changeflow.db.session import transaction

    with transaction() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Plan, WorkItem, Document, RequestEvent)
        }


def request_state(key: str) -> str:
    from changeflow.db.models import Request
    from changeflow.db.session import transaction

    with transaction() as s:
        return s.scalar(select(Request.state).where(Request.key == key))


def take_in(n: int, **over) -> list[str]:
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import TaskBook
    from tests.support.helpers import sample_taskbook

    base = sample_taskbook() | over
    return [
        intake(TaskBook.model_validate(base | {"project": f"共享人员 {i}"}), source="test").key
        for i in range(n)
    ]


def issued_loads() -> dict[str, dict[str, dict[str, int]]]:
    """key -> person -> day -> half-days, of the newest issued plan of every request."""
    from changeflow.db.models import Request
    from changeflow.db.planning import Plan
    from changeflow.db.session import transaction

    out: dict[str, dict[str, dict[str, int]]] = {}
    with transaction() as s:
        for plan in s.scalars(select(Plan).where(Plan.status == "issued").order_by(Plan.id)):
            out[s.get(Request, plan.request_id).key] = plan.data["load"]
    return out


def per_person_day(loads: dict[str, dict[str, dict[str, int]]]) -> dict[tuple[str, str], int]:
    total: dict[tuple[str, str], int] = {}
    for per_person in loads.values():
        for who, days in per_person.items():
            for day, h in days.items():
                total[(who, day)] = total.get((who, day), 0) + h
    return total


def counting_contract(**planning) -> None:
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction

    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        k.settings = dict(k.settings or {}) | {"planning": planning}


def book_time(key: str, ratio: Decimal) -> None:
    """Book ``ratio`` x the planned person-days of each person as time on ``key``."""
    from changeflow.db.git import TimeEntry
    from changeflow.db.models import Request
    from changeflow.db.session import transaction
    from changeflow.tasks.servicedays import approved_plan

    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == key))
        plan = approved_plan(s, req)
        per_person: dict[int, Decimal] = {}
        for it in plan.items:
            per_person[it.assignee_id] = per_person.get(it.assignee_id, Decimal(0)) + it.person_days
        for pid, pd in per_person.items():
            s.add(TimeEntry(request_id=req.id, person_id=pid, identity=str(pid),
                            day=plan.start_date, hours=pd * ratio * 8, token="@test"))  # fmt: skip
