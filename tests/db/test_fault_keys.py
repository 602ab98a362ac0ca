"""Faults have keys of their own (GZ-2026-0001), counted apart from requests (CR-2026-…);
a database from before (faults numbered CR-2026-000N) keeps its old keys valid: the
migration gives every stored row the CR series, new faults start the GZ series."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from changeflow.db.migrate import alembic_config, upgrade
from changeflow.db.session import get_engine


def _report(title: str) -> str:
    from changeflow.tasks.maintenance import report_fault

    return report_fault(
        severity="crash", title=title, reported_at="2026-11-25 02:00", contract="OA-2026"
    ).key


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_faults_and_requests_count_apart(database: str, request: pytest.FixtureRequest) -> None:
    from changeflow.tasks.intake import intake_file
    from tests.conftest import EXAMPLES

    if database == "postgres":
        request.getfixturevalue("pg_url")
    submitted = request.getfixturevalue("submitted")
    assert submitted == "CR-2026-0001"
    assert _report("服务器崩溃") == "GZ-2026-0001"
    assert _report("邮件异常") == "GZ-2026-0002"
    from changeflow.settings import get_settings

    book = (EXAMPLES / "taskbook.yaml").read_text(encoding="utf-8").replace("请假", "出差")
    path = get_settings().home_dir / "tb2.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(book, encoding="utf-8")
    assert intake_file(path).key == "CR-2026-0002"  # the faults took no request number


def test_old_fault_keys_stay_valid_after_the_migration(submitted: str) -> None:
    from changeflow.settings import get_settings
    from changeflow.tasks.status import request_status

    url = get_settings().db_url
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0040")
    engine.dispose()
    cols = [c["name"] for c in inspect(engine).get_columns("request")]
    assert "series" not in cols
    # a fault as the old code numbered it: the year's next CR number
    new = {"id": "NULL", "key": "'CR-2026-0002'", "seq": "2", "kind": "'fault'",
           "state": "'reported'", "title": "'旧故障'", "taskbook_fingerprint": "NULL"}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(text(
            f"INSERT INTO request ({', '.join(cols)}) SELECT"
            f" {', '.join(new.get(c, c) for c in cols)} FROM request WHERE key = :k"
        ), {"k": submitted})  # fmt: skip
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, series FROM request ORDER BY id")).fetchall()
    assert [tuple(r) for r in rows] == [("CR-2026-0001", "CR"), ("CR-2026-0002", "CR")]
    with engine.connect() as conn:  # the rebuilt table's rows are the ones pointed at
        assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert request_status("CR-2026-0002")["key"] == "CR-2026-0002"  # still found by its key
    assert _report("新故障") == "GZ-2026-0001"  # new faults: their own series
