"""Builds the shipped templates with python-docx: ``python -m changeflow.docs_templates.build``.

Run it after changing a builder; the output overwrites ``docs_templates/<lang>/*.docx``.
Templates edited by hand in Word are fine too: then do not run this over them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from docx.document import Document as DocxDocument

from . import (
    tpl_acceptance,
    tpl_dispatch,
    tpl_fault,
    tpl_golive,
    tpl_handbook,
    tpl_maintplan,
    tpl_manual,
    tpl_oamanual,
    tpl_permlog,
    tpl_plan,
    tpl_servicereq,
    tpl_settlement,
    tpl_signin,
    tpl_slareport,
    tpl_taskbook,
    tpl_techdoc,
    tpl_testreport,
    tpl_upgrade,
    tpl_weekly,
)
from .titles import TITLE_SOURCES, title_of

HERE = Path(__file__).parent
LANGS = ("zh-CN", "en")
Builder = Callable[[str], DocxDocument]
# Every shipped template and the builder that makes it: one declared table.
BUILDERS: dict[str, Builder] = {
    "taskbook": tpl_taskbook.taskbook,
    "plan": tpl_plan.plan,
    "testreport": tpl_testreport.testreport,
    "techdoc": tpl_techdoc.techdoc,
    "manual": tpl_manual.manual,
    "golive": tpl_golive.golive,
    "acceptance": tpl_acceptance.acceptance,
    "weekly": tpl_weekly.weekly,
    "fault": tpl_fault.fault,
    "dispatch": tpl_dispatch.dispatch,
    "sla-report": tpl_slareport.sla_report,
    "settlement": tpl_settlement.settlement,
    "maintplan": tpl_maintplan.maintplan,
    "runlog": tpl_maintplan.runlog,
    "handbook": tpl_handbook.handbook,
    "signin": tpl_signin.signin,
    "oa-manual": tpl_oamanual.oa_manual,
    "upgrade": tpl_upgrade.upgrade,
    "upgrade-record": tpl_upgrade.upgrade_record,
    "permlog": tpl_permlog.permlog,
    "servicereq-form": tpl_servicereq.servicereq,
}
# Each template's document title (中文, English): the house header shows it before the key
# (declared in ``titles.TITLE_SOURCES``, where a render reads one without every builder).
TITLES: dict[str, tuple[str, ...]] = {name: title_of(name) for name in TITLE_SOURCES}


def builder_of(name: str) -> Builder:
    return BUILDERS[name]


def build(names: list[str] | None = None) -> list[Path]:
    out = []
    for name, fn in BUILDERS.items():
        if names and name not in names:
            continue
        for lang in LANGS:
            path = HERE / lang / f"{name}.docx"
            path.parent.mkdir(parents=True, exist_ok=True)
            fn(lang).save(path)
            out.append(path)
    return out


if __name__ == "__main__":
    import sys

    # Run through the package module, so the builders' modules are loaded once.
    from changeflow.docs_templates import build as package_build

    for p in package_build.build(sys.argv[1:] or None):
        print(p.relative_to(HERE))
