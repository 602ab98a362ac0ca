"""Backups, restore and the doctor: round trips on SQLite and PostgreSQL, and every problem
the doctor must name."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from changeflow.db.models import Document, Request
from changeflow.db.session import transaction
from changeflow.db.store import document_path
from tests.conftest import EXAMPLES


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _second_request() -> str:
    """A second request from a filled .docx task book of another project (the sample one is
    taken in already by ``submitted``: the same content again is refused as a duplicate)."""
    import tempfile

    from changeflow.tasks.intake import intake_file
    from tests.support.helpers import fill_taskbook, sample_taskbook

    out = Path(tempfile.mkdtemp()) / "taskbook.docx"
    fill_taskbook(sample_taskbook() | {"project": "OA 用车申请流程"}, out)
    return intake_file(out).key


def _doctor(place=None) -> dict:
    from changeflow.tasks.doctor import diagnose

    return diagnose(place).as_dict()


def _problems(report: dict) -> dict[str, list[str]]:
    return {c["name"]: c["problems"] for c in report["checks"] if not c["ok"]}


# --- doctor -------------------------------------------------------------------------------


def test_doctor_clean_installation(submitted: str, cli) -> None:
    code, out, _ = cli("doctor", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["problems"] == 0
    names = [c["name"] for c in report["checks"]]
    assert names == [
        "migrations",
        "documents",
        "orphan-files",
        "audit-trail",
        "signing-secret",
        "checkout",
        "deployments",  # the Prefect side: reported, not counted, when no server answers
    ]


def test_doctor_names_every_problem(submitted: str, cli) -> None:
    key2 = _second_request()
    with transaction() as s:
        docs = {d.request.key: d for d in s.scalars(select(Document))}
        changed = document_path(docs[submitted])
        missing = document_path(docs[key2])
        # a state changed behind the state machine's back (no audit record)
        s.scalar(select(Request).where(Request.key == key2)).state = "approved"
    changed.write_bytes(changed.read_bytes() + b"tampered")
    missing.unlink()
    orphan = changed.parent / "stray.docx"
    orphan.write_bytes(b"not recorded")
    (changed.parent / ".v9-zh-CN-x.docx.123.tmp").write_bytes(b"a write in progress")
    from changeflow.settings import get_settings

    os.chmod(get_settings().secret_path, 0o644)

    code, out, err = cli("doctor", "--json")
    assert code == 7 and "5 problem(s)" in err
    found = _problems(json.loads(out))
    assert set(found) == {"documents", "orphan-files", "audit-trail", "signing-secret"}
    assert any("sha256" in p and "changed after" in p for p in found["documents"])
    assert any("missing" in p for p in found["documents"])
    assert found["orphan-files"] == [f"file {submitted}/taskbook/stray.docx is in the store "
                                     "but no document record names it"]  # fmt: skip
    assert found["audit-trail"] == [
        f"request {key2} is 'approved' but its last audit record says 'submitted'"
    ]
    assert "chmod 600" in found["signing-secret"][0]
    code, out, _ = cli("doctor")  # the human form lists the same problems
    assert code == 7 and "stray.docx" in out and key2 in out


def test_doctor_without_database_or_secret(cf_home: Path, cli) -> None:
    code, out, _ = cli("doctor", "--json")
    found = _problems(json.loads(out))
    assert code == 7 and set(found) == {"database", "signing-secret"}
    assert "changeflow init" in found["database"][0]
    assert not (cf_home / "changeflow.db").exists()  # the doctor created nothing


def test_doctor_migrations_behind(db: str) -> None:
    from sqlalchemy import text

    with transaction() as s:
        s.execute(text("DELETE FROM alembic_version"))
    found = _problems(_doctor())
    assert "migrations" in found and "changeflow init" in found["migrations"][0]


# --- backup and restore --------------------------------------------------------------------


def test_backup_restore_round_trip_sqlite(submitted: str, tmp_path: Path, cli) -> None:
    _second_request()
    code, out, _ = cli("backup", "--out", str(tmp_path / "bk"), "--json")
    assert code == 0
    info = json.loads(out)
    folder = Path(info["backup"])
    assert info["documents"] == 2 and info["requests"] == 2 and not info["secret_included"]
    assert _mode(folder) == 0o700
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) == {
        "database.sqlite3",
        *(f"documents/{p}" for p in _doc_paths()),
    }
    assert not (folder / "secret.key").exists()
    assert all(_mode(folder / f) == 0o600 for f in manifest["files"])

    target = tmp_path / "restored"
    code, out, _ = cli("restore", str(folder), "--into", str(target), "--json")
    assert code == 0
    res = json.loads(out)
    assert res["documents"] == 2 and "secret was not in this backup" in res["notes"][0]
    from changeflow.settings import get_settings

    (target / "secret.key").write_bytes(get_settings().secret_path.read_bytes())
    os.chmod(target / "secret.key", 0o600)
    from changeflow.tasks.doctor import Place

    report = _doctor(Place.home(target))
    assert report["ok"], report
    with transaction(Place.home(target).db_url) as s:
        assert s.scalar(select(Request).where(Request.key == submitted)).state == "submitted"


def _doc_paths() -> list[str]:
    with transaction() as s:
        return list(s.scalars(select(Document.path)))


def test_restore_refuses_non_empty_places_and_changes_nothing(
    submitted: str, tmp_path: Path, cli
) -> None:
    from changeflow.tasks.backup import backup

    folder = backup(tmp_path / "bk").path
    code, _, err = cli("restore", str(folder))  # into the live installation
    assert code == 5 and "not empty" in err and "nothing was changed" in err
    target = tmp_path / "t"
    (target / "documents").mkdir(parents=True)
    (target / "documents" / "x.txt").write_text("something")
    code, _, err = cli("restore", str(folder), "--into", str(target))
    assert code == 5 and "document store" in err
    assert not (target / "changeflow.db").exists()
    assert [p.name for p in (target / "documents").rglob("*")] == ["x.txt"]


def test_damaged_backup_is_refused_before_anything_is_written(
    submitted: str, tmp_path: Path, cli
) -> None:
    from changeflow.tasks.backup import backup

    folder = backup(tmp_path / "bk").path
    doc = next(p for p in (folder / "documents").rglob("*") if p.is_file())
    doc.write_bytes(doc.read_bytes()[:-1] + b"X")
    target = tmp_path / "t"
    code, _, err = cli("restore", str(folder), "--into", str(target))
    assert code == 2 and "damaged" in err and doc.name in err
    assert not target.exists()
    doc.unlink()
    code, _, err = cli("restore", str(folder), "--into", str(target))
    assert code == 2 and "missing" in err
    (folder / "manifest.json").unlink()
    code, _, err = cli("restore", str(folder), "--into", str(target))
    assert code == 2 and "not a changeflow backup" in err


def test_manifest_cannot_point_outside_the_backup(submitted: str, tmp_path: Path) -> None:
    from changeflow.errors import InputError
    from changeflow.tasks.backup import backup, verify

    folder = backup(tmp_path / "bk").path
    m = json.loads((folder / "manifest.json").read_text())
    m["files"]["../../etc/passwd"] = {"sha256": "0" * 64, "size": 1}
    (folder / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(InputError, match="plain relative path"):
        verify(folder)


def test_secret_only_when_asked_and_owner_only(submitted: str, tmp_path: Path, cli) -> None:
    from changeflow.settings import get_settings

    code, out, _ = cli("backup", "--out", str(tmp_path / "bk"), "--include-secret", "--json")
    folder = Path(json.loads(out)["backup"])
    assert (
        code == 0
        and (folder / "secret.key").read_bytes() == get_settings().secret_path.read_bytes()
    )
    assert _mode(folder / "secret.key") == 0o600
    target = tmp_path / "t"
    code, out, _ = cli("restore", str(folder), "--into", str(target), "--json")
    assert code == 0 and json.loads(out)["notes"] == []
    assert _mode(target / "secret.key") == 0o600
    from changeflow.tasks.doctor import Place

    assert _doctor(Place.home(target))["ok"]


def test_retention_keeps_the_newest(submitted: str, tmp_path: Path) -> None:
    from changeflow.tasks.backup import backup, list_backups

    out = tmp_path / "bk"
    t0 = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
    made = [backup(out, keep=3, now=t0 + timedelta(days=i)).path for i in range(5)]
    (out / ".changeflow-backup-20990101T000000Z.partial").mkdir()  # an interrupted one
    last = backup(out, keep=3, now=t0 + timedelta(days=5))
    assert list_backups(out) == [last.path, made[4], made[3]]
    assert [p.name for p in last.removed] == [made[2].name]
    assert not made[0].exists() and not made[2].exists()


def test_backup_while_store_has_a_write_in_flight(submitted: str, tmp_path: Path) -> None:
    """Only the documents the snapshot names are copied: temp and orphan files stay out."""
    from changeflow.settings import get_settings
    from changeflow.tasks.backup import backup

    (get_settings().store_dir / ".v1-zh-CN-plan.docx.77.tmp").write_bytes(b"half")
    res = backup(tmp_path / "bk")
    assert res.manifest["counts"]["documents"] == 1
    assert not any(".tmp" in f for f in res.manifest["files"])


def test_pg_dump_missing_is_a_config_error(pg_url: str, tmp_path: Path, monkeypatch) -> None:
    from changeflow.db.migrate import upgrade
    from changeflow.errors import ConfigError
    from changeflow.tasks.backup import backup

    upgrade(pg_url)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="pg_dump is not installed"):
        backup(tmp_path / "bk")
    assert not any((tmp_path / "bk").iterdir())


@pytest.mark.postgres
def test_backup_restore_round_trip_postgres(pg_url: str, tmp_path: Path, cli) -> None:
    from changeflow.db.migrate import upgrade
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.intake import intake_file
    from changeflow.tasks.signoff.keys import ensure_secret

    upgrade(pg_url)
    ensure_secret()
    load_contract_file(EXAMPLES / "contract.yaml")
    key = intake_file(EXAMPLES / "taskbook.docx").key
    other = tmp_path / "taskbook-2.yaml"  # a second task book (the same one again is refused)
    text = (EXAMPLES / "taskbook.yaml").read_text(encoding="utf-8")
    other.write_text(text.replace("OA 请假审批流程改造", "OA 用车申请流程"), encoding="utf-8")
    intake_file(other)
    code, out, _ = cli("backup", "--out", str(tmp_path / "bk"), "--json")
    assert code == 0, out
    info = json.loads(out)
    folder = Path(info["backup"])
    assert info["database"] == "postgresql" and info["documents"] == 2
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "database.pgdump" in manifest["files"] and "@" in manifest["database"]["source"]
    # restoring into the live database is refused
    code, _, err = cli("restore", str(folder))
    assert code == 5 and "not empty" in err
    # into a second, empty PostgreSQL database with its own home
    from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database

    url2, name2 = _create_pg_database(os.environ[PG_ENV])
    try:
        target = tmp_path / "t"
        code, out, err = cli(
            "restore", str(folder), "--into", str(target), "--database-url", url2, "--json"
        )
        assert code == 0, err
        from changeflow.settings import get_settings
        from changeflow.tasks.doctor import Place

        place = Place.home(target, url2)
        place.secret_path.write_bytes(get_settings().secret_path.read_bytes())
        os.chmod(place.secret_path, 0o600)
        report = _doctor(place)
        assert report["ok"], report
        with transaction(url2) as s:
            assert s.scalar(select(Request).where(Request.key == key)).state == "submitted"
            assert len(list(s.scalars(select(Document)))) == 2
        # a SQLite target for a PostgreSQL backup is refused clearly
        code, _, err = cli("restore", str(folder), "--into", str(tmp_path / "t2"))
        assert code == 6 and "PostgreSQL database URL" in err
    finally:
        from changeflow.db.session import dispose_engines

        dispose_engines()
        _drop_pg_database(os.environ[PG_ENV], name2)


@pytest.mark.prefect
def test_nightly_backup_flow_keeps_the_newest(
    prefect_server: str, submitted: str, tmp_path: Path
) -> None:
    from changeflow.flows.ops import backup as backup_flow
    from changeflow.tasks.backup import list_backups
    from tests.support.prefect import read_artifacts

    out = tmp_path / "nightly"
    for _ in range(3):
        state = backup_flow(out_dir=str(out), keep=2, return_state=True)
        assert state.is_completed()
    assert len(list_backups(out)) == 2
    data = state.result()
    assert data["documents"] == 1 and len(data["removed"]) == 1
    arts = read_artifacts(state.state_details.flow_run_id)
    assert any(a.type == "markdown" and "Backup" in a.data for a in arts)
