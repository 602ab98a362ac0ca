"""Each check against a real server on loopback, its secret kept out of what it says, and
the hysteresis of a target on a folder whose age the test sets (no network, no sleeps)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from changeflow.db.maintenance import Fault
from changeflow.db.probes import ProbeEvent, ProbeResult, ProbeTarget
from changeflow.db.session import transaction
from changeflow.errors import InputError
from changeflow.tasks.probes import add_target, probe_round, run_check
from changeflow.tasks.probes.secrets import check_ref
from tests.support.probes import HttpTarget, TlsTarget

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def test_a_target_names_its_secret_never_holds_it() -> None:
    assert check_ref("CF_OA", "p") == "env:CF_OA"
    assert check_ref("block:oa-url", "p") == "block:oa-url"
    for bad in ("https://oa.client.example/", "postgresql://u:pw@db/oa", "env:", "vault:x"):
        with pytest.raises(InputError, match="never goes into the database"):
            check_ref(bad, "probe oa")


def test_an_unset_secret_is_an_error_not_a_failure(monkeypatch) -> None:
    monkeypatch.delenv("CF_PROBE_NOWHERE", raising=False)
    c = run_check("http", "env:CF_PROBE_NOWHERE", {}, NOW)
    assert c.status == "error" and "CF_PROBE_NOWHERE" in c.detail


def test_http_answers_fails_and_keeps_its_address_out(monkeypatch) -> None:
    with HttpTarget() as web:
        monkeypatch.setenv("CF_P_WEB", web.url)
        ok = run_check("http", "env:CF_P_WEB", {}, NOW)
        assert ok.status == "pass" and ok.value == "200"
        web.down = True
        bad = run_check("http", "env:CF_P_WEB", {"timeout_s": 2}, NOW)
        assert bad.status == "fail" and bad.detail.startswith("no answer")
        assert f"{web.port}" not in bad.detail and "/oa/login" not in bad.detail


def test_tls_days_left_against_the_threshold(tmp_path: Path, monkeypatch) -> None:
    with TlsTarget(tmp_path, NOW + dt.timedelta(days=10)) as tls:
        monkeypatch.setenv("CF_P_TLS", tls.address)
        short = run_check("tls", "env:CF_P_TLS", {"min_days": 14}, NOW)
        assert short.status == "fail" and "ends in 10.0 days" in short.detail
        assert short.value == "10.0 d"
        assert run_check("tls", "env:CF_P_TLS", {"min_days": 7}, NOW).status == "pass"
        gone = run_check("tls", "env:CF_P_TLS", {}, NOW + dt.timedelta(days=11))
        assert gone.status == "fail" and "expired" in gone.detail


def test_imap_and_database_failures_say_why_without_the_password(tmp_path, monkeypatch) -> None:
    from tests.support.imap import start_imap

    imap = start_imap(tmp_path / "dovecot")
    try:
        good = f"imap://{imap.user}:{imap.password}@{imap.host}:{imap.port}"
        monkeypatch.setenv("CF_P_IMAP", good)
        assert run_check("imap", "env:CF_P_IMAP", {"login": True}, NOW).status == "pass"
        monkeypatch.setenv("CF_P_IMAP", good.replace(imap.password, "Wr0ng-Pa55"))
        bad = run_check("imap", "env:CF_P_IMAP", {"login": True}, NOW)
        assert bad.status == "fail" and "Wr0ng-Pa55" not in bad.detail
        assert run_check("imap", "env:CF_P_IMAP", {}, NOW).status == "pass"  # greeting only
    finally:
        imap.stop()
    base = os.environ.get("CHANGEFLOW_TEST_PG_URL")
    if base:
        from sqlalchemy.engine import make_url

        url = make_url(base).set(password="Db-Pa55-secret", database="no_such_db_probe")
        monkeypatch.setenv("CF_P_DB", url.render_as_string(hide_password=False))
        bad = run_check("db", "env:CF_P_DB", {"timeout_s": 3}, NOW)
        assert bad.status == "fail" and "Db-Pa55-secret" not in bad.detail
        assert "no_such_db_probe" not in bad.detail or "***" in bad.detail


def _folder_at(folder: Path, when: dt.datetime) -> None:
    f = folder / "oa.dump"
    f.write_bytes(b"x")
    os.utime(f, (when.timestamp(), when.timestamp()))


def test_hysteresis_flaps_open_nothing_and_a_run_opens_one_fault(
    any_db_url: str, contract: str, tmp_path: Path, monkeypatch
) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    monkeypatch.setenv("CF_P_DIR", str(folder))
    add_target(name="dir", kind="backup-dir", secret="env:CF_P_DIR", contract="OA-2026",
               params={"max_age_hours": 10, "recover_after": 1})  # fmt: skip
    fresh, stale = NOW - dt.timedelta(hours=1), NOW - dt.timedelta(hours=20)
    t = NOW
    for age in (stale, fresh, stale, stale, fresh, stale, stale, fresh):  # never 3 in a row
        _folder_at(folder, t - (NOW - age))
        assert probe_round(now=t, notify=False)["opened"] == []
        t += dt.timedelta(minutes=5)
    with transaction() as s:
        assert s.scalar(select(func.count()).select_from(Fault)) == 0
    opened = []
    for _ in range(6):  # stale: the 3rd failure opens it, the rest add nothing
        _folder_at(folder, t - dt.timedelta(hours=20))
        opened += probe_round(now=t, notify=False)["opened"]
        t += dt.timedelta(minutes=5)
    assert len(opened) == 1 and opened[0]["severity"] == "non_crash"
    with transaction() as s:
        fault = s.scalars(select(Fault)).one()
        target = s.scalar(select(ProbeTarget))
        results = s.scalars(select(ProbeResult).order_by(ProbeResult.id)).all()
        first_of_run = [r.at for r in results if r.status == "fail"][-6]
        assert fault.reported_at == first_of_run  # the clocks start at the detection
        assert target.state == "down" and target.fault_id == fault.id
        moves = [(e.from_state, e.to_state) for e in s.scalars(
            select(ProbeEvent).order_by(ProbeEvent.id))]  # fmt: skip
        assert moves.count(("failing", "ok")) == 3 and moves[-2:] == [
            ("failing", "opening"), ("opening", "down")]  # fmt: skip


def test_a_round_that_died_before_linking_adopts_its_fault(
    any_db_url: str, contract: str, tmp_path: Path, monkeypatch
) -> None:
    from changeflow.tasks.maintenance import report_fault

    folder = tmp_path / "b"
    folder.mkdir()
    monkeypatch.setenv("CF_P_DIR", str(folder))
    add_target(name="dir", kind="backup-dir", secret="env:CF_P_DIR", contract="OA-2026")
    since = NOW - dt.timedelta(minutes=15)
    report_fault(severity="non_crash", title="备份备份文件过期（自动探测发现）", reported_at=since,
                 reporter="自动探测", description="Probe dir: 3 failures in a row",
                 contract="OA-2026", now=NOW)  # fmt: skip
    with transaction() as s:  # as a round that died between the report and the link
        t = s.scalar(select(ProbeTarget))
        t.state, t.fails, t.first_failed_at = "opening", 3, since
    _folder_at(folder, NOW - dt.timedelta(hours=40))
    out = probe_round(now=NOW, notify=False)
    assert len(out["opened"]) == 1
    with transaction() as s:
        assert s.scalar(select(func.count()).select_from(Fault)) == 1
        assert s.scalar(select(ProbeTarget)).state == "down"


def test_a_round_older_than_the_last_recorded_adds_nothing(
    contract: str, tmp_path: Path, monkeypatch
) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    monkeypatch.setenv("CF_P_DIR", str(folder))
    add_target(name="dir", kind="backup-dir", secret="env:CF_P_DIR", contract="OA-2026")
    _folder_at(folder, NOW - dt.timedelta(hours=40))
    assert probe_round(now=NOW, notify=False)["results"][0]["move"] == "fail"
    late = probe_round(now=NOW - dt.timedelta(seconds=30), notify=False)  # began earlier
    assert late["results"][0]["status"] == "skipped"
    with transaction() as s:
        t = s.scalar(select(ProbeTarget))
        assert t.fails == 1 and s.scalar(select(func.count()).select_from(ProbeResult)) == 1


def test_targets_declared_in_the_contract_are_made_and_kept_in_line(
    contract: str, tmp_path: Path, monkeypatch
) -> None:
    from changeflow.db.models import Contract

    monkeypatch.setenv("CF_P_DIR", str(tmp_path))
    (tmp_path / "oa.dump").write_bytes(b"x")

    def declare(params: dict) -> None:
        with transaction() as s:
            k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
            k.settings = {**k.settings, "probes": {"targets": [
                {"name": "oa-backups-dir", "kind": "backup-dir", "secret": "env:CF_P_DIR",
                 "params": params}]}}  # fmt: skip

    declare({"max_age_hours": 30})
    out = probe_round(notify=False)
    assert out["synced"] == ["oa-backups-dir"] and out["results"][0]["status"] == "pass"
    assert probe_round(notify=False)["synced"] == []  # unchanged: nothing to do
    declare({"max_age_hours": 12})
    assert probe_round(notify=False)["synced"] == ["oa-backups-dir"]
    with transaction() as s:
        assert s.scalar(select(ProbeTarget)).params == {"max_age_hours": 12}
    declare({"max_age_hours": "soon"})
    with pytest.raises(InputError, match=r"settings\.probes\.targets probe oa-backups-dir"):
        probe_round(notify=False)
