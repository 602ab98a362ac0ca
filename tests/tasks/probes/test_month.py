"""A simulated November against real servers on loopback: the OA's web server stops
answering for ten minutes in service hours and at night and flaps one afternoon, its TLS
certificate ends in ten days and is renewed, the mail server's SMTP stops for an hour while
dovecot answers all month, a PostgreSQL table the probe queries is lost for two hours, the
backup folder goes stale, and a restore test falls overdue.

Time is driven by the round's ``now`` (no sleeps): a round every 4 hours, every 5 minutes
around each event. The right faults open once each with their clocks from the first failure,
the duty staff get one mail and one robot message per fault and per recovery, every recovery
is noted on its fault, the flapping opens nothing, and no address or password is kept.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from changeflow.db.maintenance import Fault
from changeflow.db.models import Contract, Request, RequestEvent
from changeflow.db.probes import ProbeEvent, ProbeNotice, ProbeResult, ProbeTarget
from changeflow.db.session import transaction
from changeflow.tasks.probes import add_target, probe_round, record
from tests.support.probes import HttpTarget, TlsTarget
from tests.support.robot_server import WECOM_KEY, RobotServer
from tests.support.smtp import Sink, free_port, start_smtp

TZ = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai (no summer time)
START = dt.datetime(2026, 11, 1, 0, 0, tzinfo=TZ)
END = dt.datetime(2026, 12, 1, 0, 0, tzinfo=TZ)
PG_ENV = "CHANGEFLOW_TEST_PG_URL"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TZ)


# (start, end): down for rounds at start <= t < end
OA_DOWN = [(at(10, 10), at(10, 10, 10)), (at(21, 2), at(21, 2, 10))]
OA_FLAP = [at(17, 14, 5), at(17, 14, 15), at(17, 14, 25), at(17, 14, 35)]
SMTP_DOWN = (at(24, 9), at(24, 10))
DB_LOST = (at(19, 9), at(19, 11))
TLS_RENEWED = at(15, 12)
BACKUPS_STOP, BACKUPS_AGAIN = 24, 28  # the folder's last file before, the next one on
WINDOWS = [(at(10, 9, 50), at(10, 10, 30)), (at(17, 13, 55), at(17, 14, 50)),
           (at(21, 1, 50), at(21, 2, 30)), (at(24, 8, 50), at(24, 10, 30)),
           (at(19, 8, 50), at(19, 11, 30))]  # fmt: skip


def schedule() -> list[dt.datetime]:
    times = set()
    t = START
    while t < END:
        times.add(t)
        t += dt.timedelta(hours=4)
    for a, b in WINDOWS:
        t = a
        while t <= b:
            times.add(t)
            t += dt.timedelta(minutes=5)
    return sorted(times)


def inside(t: dt.datetime, span: tuple[dt.datetime, dt.datetime]) -> bool:
    return span[0] <= t < span[1]


@pytest.fixture
def pg_canary():
    """A scratch PostgreSQL database with the table the database probe queries."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    name = f"probe_target_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text("CREATE TABLE oa_canary (id int); INSERT INTO oa_canary VALUES (1)"))
    yield url, eng
    eng.dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _settings(probes: dict, robots: list) -> None:
    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        k.settings = {**(k.settings or {}), "probes": probes, "robots": robots}


def test_a_month_of_probes(contract, servers, tmp_path: Path, monkeypatch, pg_canary) -> None:
    pg_url, pg = pg_canary
    backups = tmp_path / "oa-backups"
    backups.mkdir()
    client_sink, smtp_port = Sink(), free_port()
    client_smtp = start_smtp(client_sink, smtp_port)
    imap = servers.imap
    env = {
        "CF_PROBE_OA_URL": None,
        "CF_PROBE_OA_TLS": None,
        "CF_PROBE_SMTP": f"smtp://127.0.0.1:{smtp_port}",
        "CF_PROBE_IMAP": f"imap://{imap.user}:{imap.password}@{imap.host}:{imap.port}",
        "CF_PROBE_DB": pg_url,
        "CF_PROBE_BACKUPS": str(backups),
    }
    with HttpTarget() as web, TlsTarget(tmp_path / "tls", START + dt.timedelta(days=10)) as tls, \
            RobotServer() as robot:  # fmt: skip
        env["CF_PROBE_OA_URL"], env["CF_PROBE_OA_TLS"] = web.url, tls.address
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("CF_T_WECOM_URL", f"{robot.base}/wecom?key={WECOM_KEY}")
        # the contract's thresholds: the OA opens a fault at the 2nd failure in a row
        _settings({"restore_every_days": 28, "tls": {"min_days": 14}},
                  [{"kind": "wecom", "url_env": "CF_T_WECOM_URL"}])  # fmt: skip
        add_target(name="oa-web", kind="http", secret="env:CF_PROBE_OA_URL",
                   params={"fail_after": 2, "timeout_s": 3}, contract="OA-2026")  # fmt: skip
        add_target(name="oa-cert", kind="tls", secret="env:CF_PROBE_OA_TLS", contract="OA-2026")
        add_target(name="mail-smtp", kind="smtp", secret="CF_PROBE_SMTP", contract="OA-2026")
        add_target(name="mail-imap", kind="imap", secret="env:CF_PROBE_IMAP",
                   params={"login": True}, contract="OA-2026")  # fmt: skip
        add_target(name="oa-db", kind="db", secret="env:CF_PROBE_DB",
                   params={"query": "SELECT count(*) FROM oa_canary"}, contract="OA-2026")
        add_target(name="oa-backup-dir", kind="backup-dir", secret="env:CF_PROBE_BACKUPS",
                   contract="OA-2026")  # fmt: skip
        # a restore test before the month: the plan asks for one every 28 days
        record("restore-test", what="OA 数据库恢复演练", location="测试服务器",
               at=dt.datetime(2026, 10, 28, 10, 0, tzinfo=TZ), verified_by="张伟",
               restore_minutes=42, contract="OA-2026", now=START)  # fmt: skip
        record("backup", what="OA 数据库全量备份", location="NAS /backup/oa",
               at=dt.datetime(2026, 10, 31, 1, 0, tzinfo=TZ), verified_by="张伟",
               verified=True, contract="OA-2026", now=START)  # fmt: skip

        recorded: set[int] = set()
        smtp_stopped = False
        renewed = lost = restored = False
        for now in schedule():
            day = now.day
            # the OA's nightly backups: a file in the folder and our record of it
            if day not in recorded and now.hour >= 1:
                recorded.add(day)
                if day <= BACKUPS_STOP or day >= BACKUPS_AGAIN:
                    f = backups / f"oa-{now:%Y%m%d}.dump"
                    f.write_bytes(b"dump")
                    stamp = now.replace(hour=1, minute=0).timestamp()
                    os.utime(f, (stamp, stamp))
                record("backup", what="OA 数据库全量备份", location="NAS /backup/oa",
                       at=now.replace(hour=1, minute=0), verified_by="张伟", verified=True,
                       contract="OA-2026", now=now)  # fmt: skip
            web.down = any(inside(now, span) for span in OA_DOWN) or now in OA_FLAP
            if inside(now, SMTP_DOWN) and not smtp_stopped:
                client_smtp.stop()
                smtp_stopped = True
            elif smtp_stopped and not inside(now, SMTP_DOWN):
                client_smtp = start_smtp(client_sink, smtp_port)
                smtp_stopped = False
            if inside(now, DB_LOST) and not lost:
                with pg.connect() as c:
                    c.execute(text("ALTER TABLE oa_canary RENAME TO oa_canary_lost"))
                lost = True
            elif lost and not inside(now, DB_LOST):
                with pg.connect() as c:
                    c.execute(text("ALTER TABLE oa_canary_lost RENAME TO oa_canary"))
                lost = False
            if now >= TLS_RENEWED and not renewed:
                tls.renew(dt.datetime(2027, 2, 15, tzinfo=TZ))
                renewed = True
            if now >= at(27, 10) and not restored:  # the overdue restore test, done
                record("restore-test", what="OA 数据库恢复演练", location="测试服务器",
                       at=at(27, 10), verified_by="张伟", restore_minutes=38,
                       contract="OA-2026", now=now)  # fmt: skip
                restored = True
            out = probe_round(now=now)
            assert not out["notices"]["failed"], out["notices"]["failed"]
            assert all("error" not in o for o in out["opened"]), out["opened"]
            errors = [r for r in out["results"] if r["status"] == "error"]
            assert not errors, (now, errors)
        client_smtp.stop()

        _check_month(servers, robot, env)
        _check_availability()


def _check_availability() -> None:
    from changeflow.tasks.probes import availability

    rows = {r["probe"]: r for r in availability("OA-2026", dt.date(2026, 11, 1),
                                                 dt.date(2026, 11, 30))}  # fmt: skip
    web = rows["oa-web"]  # two outages of 10 minutes and four flaps of 5
    assert (web["down_minutes"], web["faults"], web["flaps"]) == (40, 2, 4)
    assert str(web["availability"]) == "99.91"  # 1 - 40 / 43200
    assert (rows["mail-smtp"]["down_minutes"], rows["mail-smtp"]["faults"]) == (60, 1)
    assert (rows["oa-db"]["down_minutes"], rows["mail-imap"]["down_minutes"]) == (120, 0)
    assert str(rows["mail-imap"]["availability"]) == "100.00"


def _check_month(servers, robot, env) -> None:
    with transaction() as s:
        rows = s.execute(
            select(Fault, Request).join(Request, Request.id == Fault.request_id)
            .order_by(Fault.reported_at)
        ).all()  # fmt: skip
        # which probe opened which fault: the 'down' notice ties them
        opened_by = {n.fault_id: n.target.name for n in s.scalars(
            select(ProbeNotice).where(ProbeNotice.kind == "down"))}  # fmt: skip
        faults: dict[str, list] = {}
        for f, r in rows:
            assert f.reporter == "自动探测" and f"Probe {opened_by[f.id]}:" in r.description
            faults.setdefault(opened_by[f.id], []).append((f, r))
        # the right faults, once each, clocks from the first failure of the run
        detected = {name: [f.reported_at.astimezone(TZ) for f, _r in fs]
                    for name, fs in faults.items()}  # fmt: skip
        assert detected == {
            "oa-cert": [at(1, 0)],
            "oa-web": [at(10, 10), at(21, 2)],
            "oa-db": [at(19, 9)],
            "mail-smtp": [at(24, 9)],
            "oa-backup-dir": [at(25, 4)],  # newest file Nov 24 01:00 + 26 h
            "oa-restore-test": [at(25, 12)],  # Oct 28 10:00 + 28 days, at the next round
        }, detected
        for f, r in faults["oa-web"]:
            assert f.severity == "crash"
            assert f.response_due == f.reported_at + dt.timedelta(minutes=30)
            assert "OA" in r.title and f.system == "OA 系统"  # as the fault record shows it
        for name in ("oa-cert", "oa-db", "mail-smtp", "oa-backup-dir", "oa-restore-test"):
            assert [f.severity for f, _r in faults[name]] == ["non_crash"]
        # every recovery noted on its fault, once
        for name, fs in faults.items():
            for _f, r in fs:
                notes = s.scalars(select(RequestEvent).where(
                    RequestEvent.request_id == r.id, RequestEvent.actor == "probe",
                    RequestEvent.from_state == RequestEvent.to_state)).all()  # fmt: skip
                assert len(notes) == 1, (name, r.key, [n.reason for n in notes])
        recovered = {
            name: [s.scalars(select(RequestEvent).where(
                RequestEvent.request_id == r.id, RequestEvent.actor == "probe",
                RequestEvent.from_state == RequestEvent.to_state)).one().data["recovered_at"]
                for _f, r in fs]
            for name, fs in faults.items()
        }  # fmt: skip
        since = {name: [dt.datetime.fromisoformat(x).astimezone(TZ) for x in xs]
                 for name, xs in recovered.items()}  # fmt: skip
        # recovered at the first of the passes that noted it
        assert since == {
            "oa-cert": [at(15, 12)],
            "oa-web": [at(10, 10, 10), at(21, 2, 10)],
            "oa-db": [at(19, 11)],
            "mail-smtp": [at(24, 10)],
            "oa-backup-dir": [at(28, 4)],
            "oa-restore-test": [at(27, 12)],
        }, since
        # the flapping afternoon: four flaps recorded, no fault
        web = s.scalar(select(ProbeTarget).where(ProbeTarget.name == "oa-web"))
        flaps = s.scalars(select(ProbeEvent).where(
            ProbeEvent.target_id == web.id, ProbeEvent.reason.like("%no fault%"))).all()
        assert len([e for e in flaps if e.at.astimezone(TZ).day == 17]) == 4
        # every target passes again and none is left down
        states = {t.name: t.state for t in s.scalars(select(ProbeTarget))}
        assert set(states.values()) == {"ok"}, states
        notices = s.scalars(select(ProbeNotice)).all()
        assert len(notices) == 2 * len(rows)
        assert all(n.sent_at is not None and not n.error for n in notices)
        kept = b"\n".join(
            f"{x.detail} {x.value}".encode() for x in s.scalars(select(ProbeResult))
        ) + b"\n".join(f"{e.reason} {e.data}".encode() for e in s.scalars(select(ProbeEvent)))
        kept += b"\n".join(f"{n.subject} {n.body}".encode() for n in notices)
        kept += b"\n".join(f"{f.description} {f.title}".encode() for _f, f in rows)
        kept += b"\n".join(str(t.params).encode() + t.secret.encode()
                           for t in s.scalars(select(ProbeTarget)))  # fmt: skip
    # one mail per fault and per recovery, to both duty staff
    mails = [m for m in servers.sent() if "Probe" in (m["Subject"] or "")]
    assert len(mails) == 2 * len(rows)
    for _f, r in rows:
        subjects = [m["Subject"] for m in mails if r.key in m["Subject"]]
        assert len(subjects) == 2 and any("down" in x for x in subjects), subjects
        assert any("recovered" in x for x in subjects)
    assert all("zhang.wei@contractor.example" in m["To"] and "li.ming@contractor.example"
               in m["To"] for m in mails)  # fmt: skip
    # one robot message per probe notice (a fault whose clock had run out by the time the
    # probe opened it also gets the SLA breach notice, once: tasks.maintenance.faults)
    wecom = [a[1]["text"]["content"] for a in robot.accepted if a[0] == "wecom"]
    assert len([m for m in wecom if m.startswith("[探测 Probe")]) == 2 * len(rows)
    others = [m for m in wecom if not m.startswith("[探测 Probe")]
    assert len(others) <= len(rows) and all(("超时" in m or "breach" in m) for m in others), others
    # no address or password kept or mailed
    sent = b"\n".join(raw for _f, _t, raw in servers.sink.messages)
    needles = [servers.imap.password, env["CF_PROBE_IMAP"], env["CF_PROBE_DB"],
               env["CF_PROBE_OA_URL"], env["CF_PROBE_BACKUPS"]]  # fmt: skip
    for needle in needles:
        assert needle.encode() not in kept, needle
        assert needle.encode() not in sent, needle
