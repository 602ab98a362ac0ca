"""The month the demo replays, as a timeline of events (the days, times and the replay
clock are in ``days``; the events themselves in ``start``, ``lifecycle`` and ``maintenance``)."""

from __future__ import annotations

from . import lifecycle, maintenance, start, upkeep
from .common import DemoRun
from .days import Timeline, fixed_acts, upkeep_acts


def month_events(run: DemoRun, timeline: Timeline) -> None:
    """The fixed events of November (the development ones follow from kick-off)."""
    acts = fixed_acts()
    timeline.add(acts["intake"], "intake", start.step_intake)
    timeline.add(acts["plan"], "plan", lifecycle.step_plan)
    timeline.add(acts["approval"], "approval", lifecycle.step_approval)
    timeline.add(acts["kickoff"], "kickoff", lifecycle.step_kickoff)
    for when, name, fn in maintenance.month_events():
        timeline.add(when, name, fn)
    for when, name, fn in upkeep.events(upkeep_acts()):  # the maintenance half
        timeline.add(when, name, fn)
    run.timeline = timeline


def step_month(run: DemoRun) -> None:
    """The whole month, in the order it happened."""
    timeline = Timeline()
    month_events(run, timeline)
    timeline.run(run)
    run.timeline = None
