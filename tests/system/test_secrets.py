"""The signing secret and the SMTP password never leave their places.

The whole demo runs with both set; then the database, the Prefect server's records (its
database and log file, and through its API: logs, artifacts, flow-run parameters and state
messages), the demo's output folder, a backup and everything printed are searched for them.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.prefect

SMTP_PASSWORD = "Sm7p-Pa55w0rd-0c1d-very-secret"


def _needles(secret_file: Path) -> dict[str, bytes]:
    """Every form in which a secret could leak: as text, hex, upper hex, base64 (SMTP AUTH)."""
    out: dict[str, bytes] = {}
    pw = SMTP_PASSWORD.encode()
    out["smtp password"] = pw
    out["smtp password (base64)"] = base64.b64encode(pw)
    out["smtp password (json escaped)"] = json.dumps(SMTP_PASSWORD).encode()[1:-1]
    for line in secret_file.read_text().splitlines():
        kid, hexkey = line.split(":", 1)
        out[f"signing key {kid}"] = hexkey.encode()
        out[f"signing key {kid} (upper)"] = hexkey.upper().encode()
        out[f"signing key {kid} (base64)"] = base64.b64encode(bytes.fromhex(hexkey))
        out[f"signing key {kid} (raw)"] = bytes.fromhex(hexkey)
    return out


def _leaks(name: str, blob: bytes, needles: dict[str, bytes]) -> list[str]:
    return [f"{what} in {name}" for what, needle in needles.items() if needle in blob]


def _files(root: Path, skip: set[Path]) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.resolve() not in skip]


def _prefect_records() -> dict[str, bytes]:
    """What the Prefect server holds, read back through its API."""
    from prefect.client.orchestration import get_client

    def every(read) -> list:  # page through everything the session's server holds
        items: list = []
        while batch := read(limit=200, offset=len(items)):
            items += batch
            if len(batch) < 200:
                break
        return items

    with get_client(sync_client=True) as client:
        runs = every(client.read_flow_runs)
        task_runs = every(client.read_task_runs)
        logs = every(client.read_logs)
        artifacts = every(client.read_artifacts)
    return {
        "flow-run parameters": json.dumps(
            [r.parameters for r in runs], ensure_ascii=False, default=str
        ).encode(),
        "flow-run states": json.dumps(
            [(r.state.message if r.state else None) for r in runs], ensure_ascii=False
        ).encode(),
        "task-run inputs": json.dumps(
            [str(t.task_inputs) for t in task_runs], ensure_ascii=False
        ).encode(),
        "logs": "\n".join(lg.message for lg in logs).encode(),
        "artifacts": json.dumps(
            [(a.key, a.description, a.data) for a in artifacts], ensure_ascii=False, default=str
        ).encode(),
        "counts": f"{len(runs)} {len(logs)} {len(artifacts)}".encode(),
    }


def _send_mail_with_password(home: Path, env: dict[str, str]) -> str:
    """One mail through the authenticated server, and one refused login; the error text."""
    from changeflow.errors import ConfigError
    from changeflow.settings import reset_settings
    from changeflow.tasks.mail import send_mail

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update({k: v for k, v in env.items() if k.startswith("CHANGEFLOW_")})
    os.environ["CHANGEFLOW_HOME"] = str(home)
    reset_settings()
    try:
        send_mail(["wang.fang@client.example"], "[CR] 测试 secrets", "正文", idempotency_key="s:1")
        try:
            send_mail(["a@x.example"], "s", "b", idempotency_key="s:2",
                      password="wrong-" + SMTP_PASSWORD)  # fmt: skip
        except ConfigError as exc:
            return str(exc)
        raise AssertionError("the server accepted a wrong password")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        from changeflow.db.session import dispose_engines

        dispose_engines()
        reset_settings()


def test_full_demo_leaks_no_secret(prefect_server: str, cf_home: Path, tmp_path: Path) -> None:
    """``changeflow demo`` as a user runs it (its own process, output captured)."""
    from aiosmtpd.smtp import AuthResult

    from changeflow.settings import reset_settings
    from changeflow.tasks.backup import backup
    from changeflow.tasks.doctor import Place
    from tests.support.smtp import Sink, free_port, start_smtp

    logins: list[bool] = []

    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = auth_data.login == b"changeflow" and auth_data.password == SMTP_PASSWORD.encode()
        logins.append(ok)
        return AuthResult(success=ok, handled=False)

    sink, port = Sink(), free_port()
    ctl = start_smtp(sink, port, authenticator=check, auth_required=True, auth_require_tls=False)
    out = tmp_path / "demo-out"
    env = {**os.environ, "CHANGEFLOW_SMTP_PASSWORD": SMTP_PASSWORD,
           "CHANGEFLOW_SMTP_USER": "changeflow", "CHANGEFLOW_SMTP_HOST": "127.0.0.1",
           "CHANGEFLOW_SMTP_PORT": str(port), "PREFECT_API_URL": prefect_server,
           "COLUMNS": "200"}  # fmt: skip
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "changeflow", "demo", "--out", str(out), "--json"],
            capture_output=True, env=env, timeout=900,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
        # The same installation sends mail with the password (whether or not the demo did),
        # once refused by the server: the error a lead would see must not carry it.
        errors = _send_mail_with_password(out / "var", env)
    finally:
        ctl.stop()
    assert logins.count(True) >= 1 and False in logins and sink.messages, logins
    for _, _, raw in sink.messages:
        assert not _leaks("a mail", raw, {"pw": SMTP_PASSWORD.encode()})
    home = out / "var"
    place = Place.home(home)
    secret_file = place.secret_path
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600, "secret must be owner-only"
    needles = _needles(secret_file)
    assert _leaks("the secret file", secret_file.read_bytes(), needles)  # the search works

    leaks: list[str] = []
    # 1. the database, row by row (a text dump, so nothing hides in page slack)
    conn = sqlite3.connect(place.sqlite_path)
    dump = "\n".join(conn.iterdump()).encode()
    conn.close()
    leaks += _leaks("database dump", dump, needles)
    # 2. every file the demo wrote (documents, copies, database files) except the secret itself
    for p in _files(out, {secret_file.resolve()}):
        leaks += _leaks(str(p.relative_to(out)), p.read_bytes(), needles)
    # 3. the Prefect server: its own files (database, server log) and what its API returns
    prefect_home = Path(os.environ["PREFECT_HOME"])
    for p in _files(prefect_home, set()):
        leaks += _leaks(f"Prefect home {p.name}", p.read_bytes(), needles)
    records = _prefect_records()
    assert records["logs"] and records["artifacts"] != b"[]", "the demo left runs to search"
    for name, blob in records.items():
        leaks += _leaks(f"Prefect {name}", blob, needles)
    # 4. a default backup holds no secret
    os.environ["CHANGEFLOW_HOME"] = str(home)  # cf_home's monkeypatch restores it
    reset_settings()
    made = backup(tmp_path / "bk", place=place)
    for p in _files(made.path, set()):
        leaks += _leaks(f"backup {p.name}", p.read_bytes(), needles)
    # 5. everything the demo printed, and the mail error
    leaks += _leaks("stdout/stderr", proc.stdout + proc.stderr, needles)
    leaks += _leaks("mail error", errors.encode(), needles)
    # 6. the settings' own representations (what an exception or a log line would show)
    os.environ["CHANGEFLOW_SMTP_PASSWORD"] = SMTP_PASSWORD
    try:
        reset_settings()
        from changeflow.settings import get_settings

        settings = get_settings()
        assert settings.smtp_password is not None
        shown = f"{settings!r} {settings.model_dump()} {settings.model_dump_json()}".encode()
        leaks += _leaks("settings repr", shown, needles)
    finally:
        del os.environ["CHANGEFLOW_SMTP_PASSWORD"]
        reset_settings()
    assert leaks == []


def test_secret_files_are_owner_only(db: str, tmp_path: Path, cli) -> None:
    from changeflow.settings import get_settings
    from changeflow.tasks.signoff.keys import rotate

    path = get_settings().secret_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    old_umask = os.umask(0o000)  # even a careless umask does not widen it
    try:
        rotate()
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    code, out, _ = cli("backup", "--out", str(tmp_path / "bk"), "--include-secret", "--json")
    folder = Path(json.loads(out)["backup"])
    assert code == 0 and stat.S_IMODE((folder / "secret.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_non_ascii_smtp_password_logs_in_and_stays_secret(db: str, monkeypatch) -> None:
    """A non-ASCII password goes as UTF-8 AUTH PLAIN (RFC 4616): delivered, never echoed."""
    from aiosmtpd.smtp import AuthResult

    from changeflow.settings import reset_settings
    from changeflow.tasks.mail import send_mail
    from tests.support.smtp import Sink, free_port, start_smtp

    seen: list[bytes] = []

    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        seen.append(bytes(auth_data.password))
        return AuthResult(success=auth_data.password == "pässwörd-Sm7p".encode(), handled=False)

    sink = Sink()
    port = free_port()
    ctl = start_smtp(sink, port, authenticator=check, auth_required=True, auth_require_tls=False)
    for k, v in {"HOST": "127.0.0.1", "PORT": str(port), "USER": "bot",
                 "PASSWORD": "pässwörd-Sm7p"}.items():  # fmt: skip
        monkeypatch.setenv(f"CHANGEFLOW_SMTP_{k}", v)
    reset_settings()
    try:
        result = send_mail(["a@x.example"], "s", "b", idempotency_key="utf8:1")
        assert seen == ["pässwörd-Sm7p".encode()] and len(sink.messages) == 1
        assert "pässwörd" not in repr(result)
    finally:
        ctl.stop()
