"""The report document in both languages, its versions, the CLI that makes it, the chart's
Chinese font."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.tasks.weekly.helpers import read_docx

# --- the document -----------------------------------------------------------------------------


def test_report_document_zh_and_en(project: dict[str, Any]) -> None:
    from changeflow.tasks import weekly
    from changeflow.wordparts import read_custom_properties

    key = project["key"]
    r = weekly.make_report("2026-W40", "DEMO", lang="zh-CN", actor="李明")
    assert r["version"] == 1 and r["mail_key"] == "weekly-report/DEMO/2026-W40/v1"
    _text, tables, d = read_docx(r["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert d.core_properties.title == "项目周报 示例集团有限公司 2026-W40"
    assert "示例集团有限公司" in flat and "2026年9月30日 15:00" in flat
    assert "2026年10月2日 周五|否|节假日：国庆节" in flat
    assert "审批流程联调（张伟）" in flat  # client-clean: no key, no time token
    assert "@8h" not in flat and f"{key} 审批" not in flat
    assert "<script>&amp;" in flat  # user text stays text
    assert "开发中" in flat and "张伟" in flat
    assert len(d.inline_shapes) == 1  # the burn-up chart
    props = read_custom_properties(d)
    assert props["changeflow.week"] == "2026-W40" and props["changeflow.version"] == "1"
    en = weekly.make_report("2026-W40", "DEMO", lang="en", actor="Li Ming")
    assert en["version"] == 2
    _text, tables, d = read_docx(en["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "holiday: National Day" in flat and "In development" in flat
    assert "Weekly Project Report" in d.core_properties.title


def test_rerun_makes_a_new_version(project: dict[str, Any]) -> None:
    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.db.weekly import WeeklyReport
    from changeflow.tasks import weekly

    a = weekly.make_report("2026-W40", "DEMO")
    b = weekly.make_report("2026-W40", "DEMO")
    assert (a["version"], b["version"]) == (1, 2)
    assert a["document"] != b["document"] and a["mail_key"] != b["mail_key"]
    with transaction() as s:
        assert s.scalar(select(func.count()).select_from(WeeklyReport)) == 2
        kinds = s.scalars(select(Document.kind).where(Document.kind == weekly.KIND)).all()
        assert len(kinds) == 2


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_report_weekly(project: dict[str, Any], cli) -> None:
    code, out, err = cli("report", "weekly", "--week", "2026-W40", "--client", "DEMO", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["week"] == "2026-W40" and data["version"] == 1 and data["mail"] is None
    assert data["due_at"].startswith("2026-09-30T15:00:00+08:00")
    assert [d["date"] for d in data["days_off"]][:2] == ["2026-10-01", "2026-10-02"]
    assert data["requests"][0]["key"] == project["key"]
    assert Path(data["document"]).is_file()
    code, out, err = cli("report", "weekly", "--week", "2026-W60", "--json")
    assert code == 2 and "week" in err and out == ""
    code, out, err = cli("report", "weekly", "--client", "NOPE")
    assert code != 0 and "NOPE" in err


def test_chart_finds_a_cjk_font_installed_after_matplotlib_cached_its_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A font cache built before fonts-noto-cjk was installed knows no CJK font: the chart
    must still find one on disk instead of drawing empty boxes."""
    from matplotlib import font_manager

    from changeflow.tasks.weekly import CJK_FILE_HINTS, cjk_font

    on_disk = [
        f for f in font_manager.findSystemFonts()
        if any(h in Path(f).name.lower() for h in CJK_FILE_HINTS)
    ]  # fmt: skip
    if not on_disk:
        pytest.skip("no CJK font installed on this machine (CI installs fonts-noto-cjk)")
    fm = font_manager.fontManager
    stale = [e for e in fm.ttflist if not any(h in Path(e.fname).name.lower()
                                              for h in CJK_FILE_HINTS)]  # fmt: skip
    monkeypatch.setattr(fm, "ttflist", stale)  # as the stale cache has it
    fm._findfont_cached.cache_clear()
    try:
        name = cjk_font(font_manager)
        assert name is not None
        assert any(h in Path(font_manager.findfont(name)).name.lower() for h in CJK_FILE_HINTS)
    finally:
        fm._findfont_cached.cache_clear()
