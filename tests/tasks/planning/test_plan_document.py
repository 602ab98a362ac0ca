"""The plan's costs and its document: default plan, English, escaping, the stored bytes."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import docx
import yaml
from sqlalchemy import select

from .helpers import D, doc_text

# --- the default plan and its document ----------------------------------------------------


def test_default_plan_costs_and_document(submitted: str) -> None:
    from changeflow.tasks.planning import make_plan

    r = make_plan(submitted, start=D("2026-11-30"), lang="zh-CN", actor="lead", issue=True)
    # sample task book: priorities high, medium, low; built-in defaults; OA-2026 day rates
    # analyst 1200: 2 + 1 + 0.5 = 3.5 pd = 4200; developer 1000: 5 + 3 + 1.5 = 9500;
    # tester 800: 2 + 1.5 + 0.5 = 3200; engineer 900: 1 = 900; project lead 1500: 1 = 1500
    assert r["version"] == 1 and r["state"] == "planned"
    assert r["per_role"]["analyst"] == {"person_days": "3.5", "amount": "4200.00"}
    assert r["person_days"] == "19"
    assert r["subtotal"] == "19300.00" and r["tax"] == "1158.00" and r["total"] == "20458.00"
    assert r["total_capital"] == "贰万零肆佰伍拾捌元整"
    assert not r["provisional"]  # 2026-11-30 .. December stays in 2026
    assert sum(Decimal(i["amount"]) for i in r["items"]) == Decimal(r["subtotal"])

    text, tables, d = doc_text(r["document"])
    assert "实施计划和费用预算" in text or d.core_properties.title.startswith("实施计划和费用预算")
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "¥20,458.00" in flat and "人民币贰万零肆佰伍拾捌元整" in flat
    assert "¥19,300.00" in flat and "¥1,158.00" in flat and "6%" in flat
    items = next(t for t in tables if t[0][0] == "序号" and "金额（元）" in t[0])
    assert len(items) == 1 + 11  # header + one row per work item
    assert items[1][6] == "2" and items[1][7] == "2"  # covered by the year's service
    assert items[1][8] == "1,200.00" and items[1][9] == "2,400.00"
    assert "*" not in flat  # nothing provisional
    # the approval table: labels on the left, empty cells on the right
    from changeflow.docs_templates.labels import APPROVAL_FIELDS

    approval, seal = tables[-2], tables[-1]
    assert [row[0] for row in approval] == [v[0] for v in APPROVAL_FIELDS.values()]
    assert all(row[1] == "" for row in approval)
    # then the seal block both parties sign and stamp (签章)
    assert seal[0] == ["签章", "甲方（委托单位）", "乙方（承建单位）"]
    assert [row[0] for row in seal[1:]] == ["单位名称", "签字", "盖章", "日期"]
    assert seal[1][1:] == ["示例集团有限公司", "示例软件技术有限公司"]  # both parties named
    # real properties, A4, stored with its sha256
    from changeflow.wordparts import read_custom_properties

    props = read_custom_properties(d)
    assert props["changeflow.kind"] == "plan" and props["changeflow.plan_version"] == "1"
    assert d.core_properties.author == "李明"  # the contract's project lead on our side
    assert round(d.sections[0].page_width.mm) == 210
    import hashlib

    assert hashlib.sha256(Path(r["document"]).read_bytes()).hexdigest() == r["sha256"]


def test_english_document(submitted: str) -> None:
    from changeflow.tasks.planning import make_plan

    r = make_plan(submitted, start=D("2026-11-30"), lang="en", issue=True)
    _, tables, d = doc_text(r["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "Implementation Plan and Cost Budget" in d.core_properties.title
    assert [row[0] for row in tables[-2]] == [
        "Decision (approve/reject)", "Approver", "Date", "Comment"
    ]  # fmt: skip
    assert tables[-1][0] == ["Sign-off", "Client (Party A)", "Contractor (Party B)"]
    assert "¥20,458.00" in flat and "贰万零肆佰伍拾捌元整" in flat
    assert "System live" in flat and "系统上线" not in flat  # whole-request items in English


def test_user_text_is_escaped_not_executed(contract: str, tmp_path: Path) -> None:
    from changeflow.tasks.intake import intake_file
    from changeflow.tasks.planning import make_plan

    book = {
        "project": "A < B && C {{ 7*7 }}",
        "client": "DEMO",
        "contact": "王芳",
        "requested_by": "王芳",
        "date": "2026-11-20",
        "kind": "dev",
        "priority": "medium",
        "requirements": [{"no": 1, "text": "x </w:t> {% raw %} y", "priority": "low"}],
    }
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(book, allow_unicode=True), "utf-8")
    key = intake_file(path).key
    r = make_plan(key, start=D("2026-11-30"))
    text, tables, _ = doc_text(r["document"])
    flat = text + "\n".join("|".join(row) for t in tables for row in t)
    assert "A < B && C {{ 7*7 }}" in flat and "x </w:t> {% raw %} y" in flat


# --- the schedule ------------------------------------------------------------------------


def test_plan_document_bytes_open_from_store(submitted: str) -> None:
    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path
    from changeflow.tasks.planning import make_plan

    make_plan(submitted, start=D("2026-11-30"), issue=True)
    with transaction() as s:
        doc = s.scalar(select(Document).where(Document.kind == "plan"))
        assert doc.version == 1 and doc.lang == "zh-CN" and doc.meta["total"] == "20458.00"
        data = document_path(doc).read_bytes()
    assert docx.Document(io.BytesIO(data)).tables


# --- the Prefect flow (real server) ---------------------------------------------------------
