"""Test runs, the traceability matrix and releases in ``changeflow status KEY`` (the
"delivery" section of ``tasks.status.sections``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.delivery import Release, TestRun
from changeflow.db.models import Request
from changeflow.settings import get_settings

from .runs import run_summary
from .trace import matrix_lines, traceability, unknown_requirement_cases


def status_section(session: Session, request: Request) -> dict[str, Any] | None:
    runs = session.scalars(
        select(TestRun).where(TestRun.request_id == request.id).order_by(TestRun.seq)
    ).all()
    releases = session.scalars(
        select(Release).where(Release.request_id == request.id).order_by(Release.version)
    ).all()
    if not runs and not releases:
        return None
    tz = get_settings().tz
    lang = get_settings().lang
    matrix = traceability(session, request, lang)
    warnings = unknown_requirement_cases(session, request)
    return {
        # requirement -> cases -> latest result -> commits -> manual sections, one line each
        "traceability": "\n".join(matrix_lines(matrix)),
        "matrix": matrix,
        **({"warnings": warnings} if warnings else {}),
        "test_runs": [run_summary(r) for r in runs],
        "releases": [
            {
                "version": r.version,
                "tag": r.tag,
                "commit": r.commit_sha,
                "at": r.released_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                "by": r.released_by,
            }
            for r in releases
        ],
    }
