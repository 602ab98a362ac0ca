"""The content check per kind (tests/support/doccheck/kinds.py) on the demo's documents, in
both languages: the demo's test report is issued (not a draft), holds every part of GB/T
8567's test report outline, and every case row says its steps and expected result; the
technical document and the manual hold GB/T 8567's design and user-manual parts (in English
made again from the demo's English notes and its screens, as a contract in English gets them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.doccheck.kinds import OUTLINES, case_rows_complete, check_kind, is_draft
from tests.system.test_documents_form import demo  # noqa: F401  (module fixture: the demo once)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("kind", sorted(OUTLINES))
def test_the_demos_documents_hold_their_kinds_parts(demo, tmp_path, kind, lang) -> None:  # noqa: F811
    docs: dict[tuple[str, str], bytes] = demo["docs"]
    path: Path = tmp_path / f"{kind}-{lang}.docx"
    english = kind in ("techdoc", "manual") and lang == "en"
    data = _delivery_doc(demo["out"], kind, lang) if english else None
    path.write_bytes(data or docs[(kind, lang)])
    assert not is_draft(path), f"the demo's {kind} ({lang}) is a draft"
    assert check_kind(path, kind, lang) == []
    if kind == "testreport":
        assert case_rows_complete(path, lang) == []


def _delivery_doc(out: Path, kind: str, lang: str) -> bytes:
    """The demo's technical document or manual made again in ``lang`` from the demo's notes in
    that language and its drawn screens (the demo itself issues them in Chinese), from the
    demo's database in ``out``."""
    from changeflow.db.session import dispose_engines
    from changeflow.settings import reset_settings

    with pytest.MonkeyPatch.context() as mp:
        for name in ("CHANGEFLOW_DATABASE_URL", "CHANGEFLOW_DOCUMENTS_DIR", "CHANGEFLOW_INBOX_DIR",
                     "CHANGEFLOW_SECRET_FILE", "CHANGEFLOW_TEMPLATES_DIR", "CHANGEFLOW_LANG"):  # fmt: skip  # noqa: E501
            mp.delenv(name, raising=False)
        mp.setenv("CHANGEFLOW_CONFIG", str(out.parent / "none.toml"))
        mp.setenv("CHANGEFLOW_HOME", str(out / "var"))
        reset_settings()
        dispose_engines()
        try:
            return _made_again(kind, lang)
        finally:
            reset_settings()
            dispose_engines()


def _made_again(kind: str, lang: str) -> bytes:
    from sqlalchemy import select

    from changeflow.cli.demo.sample import design_notes, sample_screenshot
    from changeflow.db.models import Request
    from changeflow.db.session import transaction
    from changeflow.tasks.delivery_docs import check_screenshot
    from changeflow.tasks.delivery_docs.context import docs_context
    from changeflow.tasks.delivery_docs.making import outlined, trace_rows
    from changeflow.tasks.delivery_docs.notes import split_notes
    from changeflow.tasks.delivery_docs.outline import coverage
    from changeflow.tasks.delivery_docs.render import render_doc
    from changeflow.tasks.testing import name_pattern

    screens = {"请假单界面.png": "form", "审批界面.png": "approve", "同步管理界面.png": "sync"}
    shots = [check_screenshot(sample_screenshot(s, lang), n) for n, s in screens.items()]
    design, manual = split_notes(design_notes(lang))
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == "CR-2026-0001"))
        ctx, when = docs_context(s, req, lang)
        sections = outlined("manual", manual, ctx, lang, list(screens)).notes
        pattern = name_pattern(dict(req.contract.settings or {}))
        ctx["trace"] = trace_rows(s, req, lang, coverage(sections, pattern))
    shape = outlined(kind, design if kind == "techdoc" else manual, ctx, lang, list(screens))
    assert shape.missing == [], shape.missing
    return render_doc(kind, ctx, version=1, lang=lang, when=when, notes=shape.notes,
                      screenshots=shots if kind == "manual" else (), author="Zhang Wei",
                      rollback=shape.rollback)  # fmt: skip
