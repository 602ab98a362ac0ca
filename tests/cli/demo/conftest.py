"""The session's one demo, copied once for the whole folder (``month``): its documents
read back, its keys, what its database holds."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest


class Doc:
    """A .docx read back: its paragraphs, its tables' rows, its label -> value pairs."""

    def __init__(self, path: Path) -> None:
        import docx

        self.path = path
        d = docx.Document(str(path))
        self.created = d.core_properties.created
        self.rows: list[list[str]] = []
        for t in d.tables:
            for row in t.rows:
                cells: list[str] = []
                for c in row.cells:
                    if not cells or c.text != cells[-1]:
                        cells.append(c.text.strip())
                self.rows.append(cells)
        self.text = "\n".join([p.text for p in d.paragraphs] + [" | ".join(r) for r in self.rows])

    def value(self, label: str) -> str:
        """The value of the first label/value pair whose label starts with ``label`` (a row
        of two cells, or of four: two pairs to a row, as the dispatch order's facts)."""
        found = self.values(label)
        if found:
            return found[0]
        raise AssertionError(f"{self.path.name}: no row '{label}'")

    def values(self, label: str) -> list[str]:
        out = []
        for r in self.rows:
            pairs = [(r[0], r[1]), (r[2], r[3])] if len(r) == 4 else [(r[0], r[-1])] * (len(r) >= 2)
            out += [v for k, v in pairs if k.startswith(label)]
        return out


@pytest.fixture(scope="package")
def month(demo_run: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The session's one demo (a copy of our own for this folder); its documents by name,
    its keys, its repository."""
    from tests.support.demo import demo_copy

    out = Path(tmp_path_factory.mktemp("month")) / "demo-out"
    with pytest.MonkeyPatch.context() as mp:
        run = demo_copy(demo_run, out, mp)
        docs = {Path(d["path"]).name: Doc(Path(d["path"])) for d in run.documents
                if str(d["path"]).endswith(".docx")}  # fmt: skip
        db = _facts(run.keys["main"])
        yield {"run": run, "out": out, "docs": docs, "keys": run.keys, "db": db}


def _facts(key: str) -> dict[str, Any]:
    """What the database holds: the main request's audit trail, the time entries, the run
    log days, the dispatch orders."""
    from sqlalchemy import select

    from changeflow.db.git import TimeEntry
    from changeflow.db.maintenance import DispatchOrder, RunLogEntry
    from changeflow.db.models import Request, RequestEvent
    from changeflow.db.session import transaction
    from changeflow.settings import get_settings

    tz = get_settings().tz
    with transaction() as s:
        events = s.execute(
            select(RequestEvent.to_state, RequestEvent.at, RequestEvent.recorded_at)
            .join(Request).where(Request.key == key).order_by(RequestEvent.id)
        ).all()  # fmt: skip
        hours = sum((h for (h,) in s.execute(select(TimeEntry.hours))), Decimal(0))
        runlog = sorted(d for (d,) in s.execute(select(RunLogEntry.day)))
        orders = s.scalars(select(DispatchOrder)).all()
        return {
            "events": [(to, at.astimezone(tz).replace(tzinfo=None), rec) for to, at, rec in events],
            "hours": hours,
            "runlog": runlog,
            "orders": len(orders),
        }
