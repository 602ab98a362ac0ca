"""Each template's document title (中文, English), where its builder declares it: the house
header shows it before the key (``tasks.wordkit.house_context``).

A render reads one title: ``title_of`` imports only the module that declares it, not every
builder (``build.TITLES`` is the same table, read whole).
"""

from __future__ import annotations

from importlib import import_module

# template -> (module of this package, name of the title in it)
TITLE_SOURCES: dict[str, tuple[str, str]] = {
    "taskbook": ("labels", "TITLE"),
    "plan": ("labels", "PLAN_TITLE"),
    "testreport": ("tpl_testreport", "TITLE"),
    "techdoc": ("tpl_techdoc", "TITLE"),
    "manual": ("tpl_manual", "TITLE"),
    "golive": ("tpl_golive", "TITLE"),
    "acceptance": ("tpl_acceptance", "TITLE"),
    "weekly": ("tpl_weekly", "TITLE"),
    "fault": ("tpl_fault", "TITLE"),
    "dispatch": ("tpl_dispatch", "TITLE"),
    "sla-report": ("tpl_slareport", "TITLE"),
    "settlement": ("tpl_settlement", "TITLE"),
    "maintplan": ("tpl_maintplan", "TITLE"),
    "runlog": ("tpl_maintplan", "RUNLOG_TITLE"),
    "handbook": ("tpl_handbook", "TITLE"),
    "signin": ("tpl_signin", "TITLE"),
    "oa-manual": ("tpl_oamanual", "TITLE"),
    "upgrade": ("tpl_upgrade", "TITLE"),
    "upgrade-record": ("tpl_upgrade", "RECORD_TITLE"),
    "permlog": ("tpl_permlog", "TITLE"),
    "servicereq-form": ("tpl_servicereq", "TITLE"),
}


def title_of(name: str) -> tuple[str, ...]:
    """The title of template ``name`` in both languages (empty for one we do not ship)."""
    got = TITLE_SOURCES.get(name)
    if got is None:
        return ()
    module, attr = got
    return tuple(getattr(import_module(f"{__package__}.{module}"), attr))
