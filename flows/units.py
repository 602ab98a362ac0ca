"""The domain functions as Prefect tasks, for the flows.

Kept apart from the domain modules so the CLI and tests use plain Python without importing
Prefect. Nothing here is cached: every unit writes to the database, which is the record.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from changeflow.tasks import intake as _intake

intake_task_book = task(_intake.intake, name="intake-task-book", cache_policy=NO_CACHE)
intake_file = task(_intake.intake_file, name="intake-file", cache_policy=NO_CACHE)

from changeflow.tasks import backup as _backup  # noqa: E402

run_backup = task(_backup.backup, name="backup", cache_policy=NO_CACHE)
