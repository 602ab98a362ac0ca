"""``changeflow demo``: the sample contract's requests carried through the whole lifecycle.

Rooms, from the bottom:

- ``common``: the run's record (``DemoRun``) and the examples folder;
- ``sample``: the sample client project (``examples/client-project/``), its git commits, the
  design notes (``examples/design-notes.md``) and the drawn screenshot;
- ``client``: what the client does with our documents (fill in, mail back) and an inbox pass;
- ``start``: setup and intake; ``lifecycle``: plan to acceptance;
- ``maintenance``: the maintenance month (faults, a signed-off weekly visit, the run log, the
  service days used) and the reports (the weekly report, the monthly SLA report);
- ``upkeep``: the maintenance half (the plan and its handbook, the visits' checks, the
  remote watch and backups, service requests, training, the OA manual, an upgrade, the
  month's run log and permission record);
- ``month``: November 2026 of the sample contract, every act at the time it happened, in
  the order of the calendar (the default stages);
- ``runner``: a fresh home, its own Prefect server (or the one ``PREFECT_API_URL`` names),
  every stage in order, quiet unless verbose, the documents copied out (``run_demo``);
- ``command``: the ``demo`` command (``register(app)``).
"""

from __future__ import annotations

from .client import fill_form, newest_document, to_inbox
from .command import demo, register
from .common import EXAMPLES, DemoRun, Step, examples_dir
from .lifecycle import (
    LIFECYCLE,
    step_acceptance,
    step_approval,
    step_commits,
    step_docs,
    step_golive,
    step_kickoff,
    step_manual,
    step_plan,
    step_repository,
    step_sync,
    step_test,
)
from .maintenance import MAINTENANCE, REPORTS
from .month import step_month
from .runner import collect_documents, demo_port, fresh_home, run_demo
from .sample import design_notes, project_file, sample_screenshot
from .start import step_intake, step_setup

__all__ = [
    "EXAMPLES",
    "LIFECYCLE",
    "MAINTENANCE",
    "REPORTS",
    "DemoRun",
    "Step",
    "collect_documents",
    "demo",
    "demo_port",
    "design_notes",
    "examples_dir",
    "fill_form",
    "fresh_home",
    "newest_document",
    "project_file",
    "register",
    "run_demo",
    "sample_screenshot",
    "step_acceptance",
    "step_approval",
    "step_commits",
    "step_docs",
    "step_golive",
    "step_intake",
    "step_kickoff",
    "step_manual",
    "step_month",
    "step_plan",
    "step_repository",
    "step_setup",
    "step_sync",
    "step_test",
    "to_inbox",
]
