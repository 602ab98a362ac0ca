"""Plan document rendering: our full path (render, fonts, A4, properties, signature) against
a bare docxtpl render of the same template with the same context, in the same run."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT, fresh_home, interleaved, row


def _plan_fixture(home: Path) -> tuple[str, Any]:
    from changeflow.tasks.intake import intake_file
    from changeflow.tasks.planning import make_plan

    fresh_home(home)
    key = intake_file(ROOT / "examples" / "taskbook.yaml").key
    make_plan(key)
    return key, None


def run(quick: bool) -> list[dict[str, Any]]:
    from docxtpl import DocxTemplate

    from changeflow.db.session import transaction
    from changeflow.tasks.planning import latest_plan, plan_context, render_plan
    from changeflow.tasks.wordkit import clean, house_context, template_path

    n = 4 if quick else 30
    with tempfile.TemporaryDirectory() as tmp:
        key, _ = _plan_fixture(Path(tmp) / "var")
        from sqlalchemy import select

        from changeflow.db.models import Request

        with transaction() as s:
            req = s.scalar(select(Request).where(Request.key == key))
            plan = latest_plan(s, req)
            context = plan_context(plan, "zh-CN")
            # the header's values, as render adds them (the house style, docs_templates/house.py)
            context["house"] = house_context("plan", context, "实施计划和费用预算", "zh-CN")
            path = str(template_path("plan", "zh-CN"))

            def ours() -> None:
                render_plan(plan, lang="zh-CN")

            def bare() -> None:
                tpl = DocxTemplate(path)
                tpl.render(clean(context), autoescape=True)
                tpl.save(io.BytesIO())

            def many(fn: Any) -> Any:
                return lambda: [fn() for _ in range(n)]

            got = interleaved({"bare": many(bare), "ours": many(ours)}, repeat=2 if quick else 5)
            floor, samples = got["bare"], got["ours"]
    per = [x / n for x in samples]
    return [
        row("plan document render (per document)", per, "bare docxtpl render + save",
            [x / n for x in floor], target="<= 1.2x", docs_per_second=round(1 / min(per), 1)),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run(quick=True):
        print(r)
