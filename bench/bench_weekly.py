"""The weekly report for 200 active requests over a 100,000-commit repository (target < 5 s).

Data: the synthetic OA repository of ``bench_gitsync`` (built once with ``git fast-import``,
cached in ``bench/.cache``), synced by the real git-sync code into a fresh SQLite database
holding the sample contract, 400 finished requests of 2024 and 200 requests of 2025 in
development, each with a plan of 8 work items and 5 milestones around the report week.

Rows (each beside a floor measured in the same run, interleaved):

* the whole report (``make_report``: week data, burn-up chart, Word document, store row) vs
  the floor "bare SQL aggregates + bare docxtpl render of the same template and context";
* the week data alone (``build_week``) vs the bare SQL aggregates (the commits of the
  period joined to the client's links, the hours grouped by day/person/value);
* the chart alone (matplotlib Agg PNG), no floor.

Run alone: ``python -m bench.bench_weekly [--quick]``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import bare_docxtpl, restore_env, row, timed

ROOT = Path(__file__).resolve().parent.parent
ACTIVE = 200


def _setup(url: str, repo: Path) -> dict[str, Any]:
    """Contract, requests, plans; then one real git sync of the whole repository."""
    from sqlalchemy import func, insert, select

    from changeflow.db.migrate import upgrade
    from changeflow.db.models import Client, Person, Request
    from changeflow.db.planning import Milestone, Plan, WorkItem
    from changeflow.db.session import transaction
    from changeflow.tasks import gitsync
    from changeflow.tasks.contracts import load_contract_file

    upgrade(url)
    load_contract_file(ROOT / "examples" / "contract.yaml")
    # the requests the last year's messages name: 200 in development, none else that year
    last_year = _last_commit_year(repo)
    with transaction(url) as s:
        client = s.scalar(select(Client).where(Client.code == "DEMO"))
        staff = list(s.scalars(select(Person.id).where(Person.client_id.is_(None))))
        rows = []
        for y in range(2024, last_year + 1):
            active = y == last_year
            for q in range(1, (ACTIVE if active else 400) + 1):
                rows.append(
                    {
                        "key": f"CR-{y}-{q:04d}", "year": y, "seq": q, "kind": "dev",
                        "client_id": client.id, "contract_id": None,
                        "title": f"需求 {q} 请假审批改造", "description": "",
                        "requester": "王芳", "contact": {}, "priority": "medium",
                        "attachments": [], "row_version": 1,
                        "state": "in_development" if active else "accepted",
                    }
                )  # fmt: skip
        s.execute(insert(Request), rows)
    t0 = time.perf_counter()
    (res,) = gitsync.sync(str(repo), url=url)
    sync_s = time.perf_counter() - t0
    from changeflow.db.git import Commit

    with transaction(url) as s:
        last = s.scalar(select(func.max(Commit.author_day)))
        report_day = last - timedelta(days=7)
        y, w, _ = report_day.isocalendar()
        week = f"{y}-W{w:02d}"
        mon = date.fromisocalendar(y, w, 1)
        active = list(
            s.execute(select(Request.id, Request.seq).where(Request.state == "in_development"))
        )
        plan_rows, item_rows, ms_rows = [], [], []
        for pid, (rid, seq) in enumerate(active, start=1):
            start = mon - timedelta(days=7 * (seq % 6 + 1))
            end = start + timedelta(days=56)
            plan_rows.append(
                {
                    "id": pid, "request_id": rid, "version": 1, "start_date": start,
                    "end_date": end, "calendar_days": 57, "working_days": 40,
                    "person_days": Decimal(24), "subtotal": Decimal(24000),
                    "tax_rate": Decimal("0.06"), "tax": Decimal(1440), "total": Decimal(25440),
                    "currency": "CNY", "provisional": False, "estimates_source": "bench",
                    "lang": "zh-CN", "created_by": "bench", "data": {},
                }
            )  # fmt: skip
            for k in range(8):
                a = start + timedelta(days=7 * k)
                item_rows.append(
                    {
                        "plan_id": pid, "seq": k + 1, "requirement_no": k % 3 + 1,
                        "phase": ("analysis", "development", "development", "development",
                                  "development", "testing", "golive", "acceptance")[k],
                        "role": "developer", "title": f"工作项 {k + 1}",
                        "person_days": Decimal(3), "assignee_id": staff[k % len(staff)],
                        "day_rate": Decimal(1000), "amount": Decimal(3000), "start_date": a,
                        "end_date": a + timedelta(days=4), "provisional": False,
                    }
                )  # fmt: skip
            for k, phase in enumerate(("analysis", "development", "testing", "golive",
                                       "acceptance")):  # fmt: skip
                ms_rows.append(
                    {"plan_id": pid, "phase": phase, "name": phase,
                     "day": start + timedelta(days=11 * (k + 1)), "provisional": False}
                )  # fmt: skip
        s.execute(insert(Plan), plan_rows)
        s.execute(insert(WorkItem), item_rows)
        s.execute(insert(Milestone), ms_rows)
    return {"week": week, "sync_s": sync_s, "commits": res.new, "linked": res.linked,
            "time_entries": res.time_entries}  # fmt: skip


def _last_commit_year(repo: Path) -> int:
    import subprocess

    out = subprocess.run(
        ["git", "-C", str(repo), "log", "-1", "--format=%ad", "--date=format:%Y", "main"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def _bare_sql(url: str, week: str) -> int:
    """The floor of the data: the two big aggregates as plain SQL, rows fetched."""
    from sqlalchemy import text

    from changeflow.db.session import get_engine
    from changeflow.tasks.weekly import week_days

    mon, sun = week_days(week)
    start = (mon - timedelta(days=3)).isoformat()
    with get_engine(url).connect() as c:
        a = c.execute(
            text(
                "SELECT l.request_id, m.author_day, m.sha, substr(m.message, 1, 400),"
                " m.author_name FROM git_commit_link l JOIN git_commit m ON m.id = l.commit_id"
                " WHERE l.request_id IN (SELECT id FROM request WHERE client_id = 1)"
                " AND m.reachable AND m.author_day BETWEEN :a AND :b"
            ),
            {"a": start, "b": sun.isoformat()},
        ).all()
        b = c.execute(
            text(
                "SELECT t.request_id, t.day, t.identity, t.hours, count(*) FROM git_time_entry t"
                " WHERE t.request_id IN (SELECT id FROM request WHERE client_id = 1)"
                " GROUP BY t.request_id, t.day, t.identity, t.hours"
            )
        ).all()
    return len(a) + len(b)


def _bare_render(context: dict[str, Any]) -> bytes:
    """The floor of the document: docxtpl alone on the same template and context."""
    return bare_docxtpl("weekly", context)


def run(quick: bool) -> list[dict[str, Any]]:
    from bench.bench_gitsync import FULL_COMMITS, QUICK_COMMITS, cached_repo

    n = QUICK_COMMITS if quick else FULL_COMMITS
    repeat = 1 if quick else 5  # --quick: the smoke test's checks, one pass
    repo, info = cached_repo(n)
    with tempfile.TemporaryDirectory(prefix="bench-weekly-") as tmp:
        work = Path(tmp)
        saved = {k: os.environ.get(k) for k in ("CHANGEFLOW_HOME", "CHANGEFLOW_CONFIG")}
        os.environ["CHANGEFLOW_HOME"] = str(work)
        os.environ["CHANGEFLOW_CONFIG"] = str(work / "none.toml")
        os.environ.pop("CHANGEFLOW_DATABASE_URL", None)
        from changeflow.db.session import dispose_engines, transaction
        from changeflow.settings import get_settings, reset_settings
        from changeflow.tasks import weekly
        from changeflow.tasks.directory import find_client

        reset_settings()
        dispose_engines()
        try:
            url = get_settings().db_url
            setup = _setup(url, repo)
            week = setup["week"]
            print(f"   {setup} ({info['commits']} commits)", file=sys.stderr)
            with transaction(url) as s:
                cl = find_client(s, "DEMO")
                data = weekly.build_week(s, cl, week)
            context = weekly.report_context(data, version=1, lang="zh-CN")
            shown = len(data["requests"])
            week_commits = data["totals"]["commits"]

            def data_only() -> None:
                with transaction(url) as s:
                    weekly.build_week(s, find_client(s, "DEMO"), week)

            full_s, floor_s, data_s, sql_s = [], [], [], []
            weekly.make_report(week, "DEMO", url=url)  # warm-up: imports, matplotlib fonts
            _bare_render(context)
            for _ in range(repeat):  # interleaved: a noisy neighbour slows both alike
                sql_t = timed(lambda: _bare_sql(url, week), 1)[0]
                render_t = timed(lambda: _bare_render(context), 1)[0]
                floor_s.append(sql_t + render_t)
                sql_s.append(sql_t)
                full_s.append(timed(lambda: weekly.make_report(week, "DEMO", url=url), 1)[0])
                data_s.append(timed(data_only, 1)[0])
            chart_s = timed(lambda: weekly.chart_png(data, "zh-CN"), repeat)
        finally:
            reset_settings()
            dispose_engines()
            restore_env(saved)
    extra = {"week": week, "requests_in_report": shown, "week_commits": week_commits,
             "repo_commits": setup["commits"], "links": setup["linked"],
             "time_entries": setup["time_entries"]}  # fmt: skip
    return [
        row(f"weekly report, {ACTIVE} active requests, {info['commits']} commits "
            "(data+chart+Word+store)", full_s,
            "bare SQL aggregates + bare docxtpl render", floor_s, target="< 5 s", **extra),
        row("  week data only (build_week)", data_s, "bare SQL aggregates", sql_s, target="-"),
        row("  burn-up chart PNG (matplotlib Agg)", chart_s, "-", None, target="-"),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(json.dumps(r, ensure_ascii=False, default=str))
