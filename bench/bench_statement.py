"""The monthly SLA statement: issuing it (report, render, sign, store), verifying a returned
one and recording the client's confirmation (the inbox's path for this kind).

Floors, measured in the same run:
- issuing: a bare docxtpl render and save of the same template with the same context;
- verifying and recording: python-docx opening the returned file and the stored statement
  and reading the text of every paragraph and table (what any check of the whole document
  against the stored copy must pay).
"""

from __future__ import annotations

import io
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.bench_approval import _setup
from bench.common import bare_docxtpl, row, timed

SH = ZoneInfo("Asia/Shanghai")
MONTHS = [f"{y}-{m:02d}" for y, m in [(2026, 7), (2026, 8), (2026, 9), (2026, 10), (2026, 11),
                                       (2027, 1), (2027, 2), (2027, 3), (2027, 4), (2027, 5),
                                       (2027, 6), (2026, 12)]]  # fmt: skip


def _faults(month: str, n: int) -> None:
    from changeflow.tasks import maintenance as mt

    y, m = (int(x) for x in month.split("-"))
    for i in range(n):
        at = datetime(y, m, 2 + i, 10, 0, tzinfo=SH)
        r = mt.report_fault(severity="non-crash" if i % 3 else "crash", title=f"故障 {i}",
                            reported_at=at, now=at)  # fmt: skip
        mt.stamp(r.key, "respond", at=at + timedelta(minutes=20), now=at + timedelta(hours=1))
        mt.stamp(r.key, "onsite", at=at + timedelta(hours=5), now=at + timedelta(hours=6))


def run(quick: bool) -> list[dict[str, Any]]:
    import docx

    from changeflow.settings import get_settings
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks.maintenance.statement import _context
    from changeflow.tasks.returned import approve_document
    from changeflow.tasks.signoff import check_content, read_returned, today_local, verify_stored
    from tests.support.maintenance import fill_statement

    n = 6 if quick else len(MONTHS)
    per_month = 5 if quick else 12
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp) / "var")
        for month in MONTHS[:n]:
            _faults(month, per_month)
        now = datetime(2027, 6, 30, 12, tzinfo=SH)
        issued: list[dict[str, Any]] = []
        it = iter(MONTHS[:n])

        def issue() -> None:
            issued.append(mt.sla_report_document(next(it), "OA-2026", now=now))

        issue_s = timed(issue, repeat=n)
        ctx = _context(mt.sla_report(MONTHS[0], "OA-2026", now), "zh-CN")

        def render_floor() -> None:
            bare_docxtpl("sla-report", ctx)

        floor_issue = timed(render_floor, repeat=n, warmup=1)
        store = get_settings().store_dir
        files = []
        for k, r in enumerate(issued):
            src = store / r["path"]
            out = fill_statement(src, Path(tmp) / f"r{k}.docx",
                                 {"result": "无异议", "signer": "王芳",
                                  "date": today_local().isoformat()})  # fmt: skip
            files.append((out.read_bytes(), src.read_bytes()))
        returned, stored = files[0]

        def verify() -> None:
            r = read_returned(returned, "r.docx")
            check_content(r, verify_stored(stored, "s.docx", "sla-report"))

        def floor() -> None:
            for blob in (returned, stored):
                d = docx.Document(io.BytesIO(blob))
                [p.text for p in d.paragraphs]
                [[c.text for c in r.cells] for t in d.tables for r in t.rows]

        floor_s = timed(floor, repeat=n, warmup=2)
        verify_s = timed(verify, repeat=n, warmup=2)
        files_it = iter(files)

        def record() -> None:
            data, _ = next(files_it)
            approve_document(data, "bench.docx")

        record_s = timed(record, repeat=n)
    return [
        row(f"issue a monthly SLA statement ({per_month} faults: report, render, sign, store)",
            issue_s, "bare docxtpl render + save, same context", floor_issue, target="-"),
        row("verify a returned SLA statement (checks, HMAC, whole page vs stored copy)",
            verify_s, "python-docx open + read paragraphs and tables of both files", floor_s,
            target="-"),
        row(f"record the client's confirmation (verify + one transaction + archive, n={n})",
            record_s, "python-docx open + read paragraphs and tables of both files", floor_s,
            target="-"),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run(quick=True):
        print(r)
