"""The checks a probe makes from outside, one function per kind, each given the address
(read from its secret), the thresholds and ``now`` (the round's time: what ages and days
left are counted from), and giving back a ``Check``: pass or fail, the milliseconds taken,
the value measured and one short line (the address and its password scrubbed out).

- ``http``: a GET answers with a status below 400 within ``max_ms``;
- ``tls``: the server's certificate ends more than ``min_days`` after now;
- ``smtp``: the server greets and answers EHLO with 250;
- ``imap``: the server greets (and, with ``login``, the user in the address logs in);
- ``db``: a SQLAlchemy URL connects and ``query`` runs within ``max_ms``;
- ``backup-dir``: the newest file in the folder is younger than ``max_age_hours``.

The two kinds read from our own records (``backup-log``, ``restore-log``) are in
``backups``. Thresholds not given come from ``DEFAULTS``.
"""

from __future__ import annotations

import os
import socket
import ssl
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FAIL_AFTER = 3  # failures in a row that open a fault
RECOVER_AFTER = 2  # passes in a row that note the recovery
KEEP = 2016  # results kept per target (a week of 5-minute rounds)

DEFAULTS: dict[str, dict[str, Any]] = {
    "http": {"timeout_s": 10, "max_ms": 3000, "verify": True},
    "tls": {"timeout_s": 10, "min_days": 14},
    "smtp": {"timeout_s": 10, "max_ms": 5000},
    "imap": {"timeout_s": 10, "max_ms": 5000, "login": False},
    "db": {"timeout_s": 10, "max_ms": 5000, "query": "SELECT 1"},
    "backup-dir": {"max_age_hours": 26},
    "backup-log": {"max_age_hours": 26, "fail_after": 1, "recover_after": 1},
    "restore-log": {"max_age_days": 92, "fail_after": 1, "recover_after": 1},
}
NEEDS_ADDRESS = ("http", "tls", "smtp", "imap", "db", "backup-dir")


@dataclass(frozen=True)
class Check:
    status: str  # pass | fail | error (the probe itself could not run: not counted)
    ms: int | None = None
    value: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "pass"


def thresholds(kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**DEFAULTS.get(kind, {}), **(params or {})}


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}"[:200] if text else name


def _host_port(address: str, default_port: int) -> tuple[str, int, urllib.parse.SplitResult]:
    u = urllib.parse.urlsplit(address if "://" in address else f"//{address}")
    return u.hostname or "", u.port or default_port, u


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)


def _timed(max_ms: Any, start: float, value: str, what: str) -> Check:
    ms = _ms(start)
    if max_ms and ms > int(max_ms):
        return Check("fail", ms, value, f"{what} answered in {ms} ms (> {max_ms} ms)")
    return Check("pass", ms, value, f"{what} answered in {ms} ms")


def check_http(address: str, p: Mapping[str, Any], now: datetime) -> Check:
    import http.client

    host, port, u = _host_port(address, 443 if address.startswith("https") else 80)
    start = time.perf_counter()
    try:
        if u.scheme == "https":
            ctx = ssl.create_default_context()
            if not p.get("verify", True):
                ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=float(p["timeout_s"]), context=ctx
            )
        else:
            conn = http.client.HTTPConnection(host, port, timeout=float(p["timeout_s"]))
        try:
            conn.request("GET", (u.path or "/") + (f"?{u.query}" if u.query else ""))
            resp = conn.getresponse()
            resp.read(65536)
        finally:
            conn.close()
    except Exception as exc:
        return Check("fail", _ms(start), "", f"no answer: {_why(exc)}")
    if resp.status >= 400:
        return Check("fail", _ms(start), str(resp.status), f"HTTP {resp.status}")
    return _timed(p.get("max_ms"), start, str(resp.status), f"HTTP {resp.status}")


def peer_certificate(host: str, port: int, timeout: float) -> tuple[bytes, int]:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # expiry only: read it as is
    start = time.perf_counter()
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        ctx.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True) or b""
    return der, _ms(start)


def check_tls(address: str, p: Mapping[str, Any], now: datetime) -> Check:
    from cryptography import x509

    host, port, _u = _host_port(address, 443)
    start = time.perf_counter()
    try:
        der, ms = peer_certificate(host, port, float(p["timeout_s"]))
        cert = x509.load_der_x509_certificate(der)
    except Exception as exc:
        return Check("fail", _ms(start), "", f"no TLS handshake: {_why(exc)}")
    ends = cert.not_valid_after_utc
    days = (ends - now.astimezone(UTC)).total_seconds() / 86400
    value = f"{days:.1f} d"
    if days < float(p["min_days"]):
        what = "expired" if days < 0 else f"ends in {days:.1f} days"
        return Check(
            "fail", ms, value, f"certificate {what} ({ends:%Y-%m-%d}; at least {p['min_days']})"
        )
    return Check("pass", ms, value, f"certificate ends {ends:%Y-%m-%d} ({days:.0f} days)")


def check_smtp(address: str, p: Mapping[str, Any], now: datetime) -> Check:
    import smtplib

    host, port, u = _host_port(address, 465 if address.startswith("smtps") else 25)
    start = time.perf_counter()
    try:
        cls = smtplib.SMTP_SSL if u.scheme == "smtps" else smtplib.SMTP
        with cls(host, port, timeout=float(p["timeout_s"])) as smtp:
            code, _msg = smtp.ehlo("changeflow-probe")
    except Exception as exc:
        return Check("fail", _ms(start), "", f"no SMTP answer: {_why(exc)}")
    if code != 250:
        return Check("fail", _ms(start), str(code), f"EHLO answered {code}")
    return _timed(p.get("max_ms"), start, "250", "EHLO")


def check_imap(address: str, p: Mapping[str, Any], now: datetime) -> Check:
    import imaplib

    host, port, u = _host_port(address, 993 if address.startswith("imaps") else 143)
    start = time.perf_counter()
    try:
        cls = imaplib.IMAP4_SSL if u.scheme == "imaps" else imaplib.IMAP4
        box = cls(host, port, timeout=float(p["timeout_s"]))
        try:
            greeting = box.welcome.decode(errors="replace")[:40]
            if p.get("login"):
                if not u.username:
                    return Check("error", _ms(start), "", "login asked but no user in the address")
                box.login(urllib.parse.unquote(u.username), urllib.parse.unquote(u.password or ""))
                box.logout()
            else:
                box.shutdown()
        except BaseException:
            box.shutdown()
            raise
    except Exception as exc:
        return Check("fail", _ms(start), "", f"no IMAP answer: {_why(exc)}")
    if "OK" not in greeting.upper():
        return Check("fail", _ms(start), "", "IMAP greeting is not OK")
    return _timed(p.get("max_ms"), start, "OK", "IMAP login" if p.get("login") else "IMAP")


def check_db(address: str, p: Mapping[str, Any], now: datetime) -> Check:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    start = time.perf_counter()
    args: dict[str, Any] = {}
    if address.startswith("postgresql"):
        args["connect_timeout"] = max(1, int(float(p["timeout_s"])))
    try:
        engine = create_engine(address, poolclass=NullPool, connect_args=args)
        try:
            with engine.connect() as conn:
                first = conn.execute(text(str(p["query"]))).scalar()
        finally:
            engine.dispose()
    except Exception as exc:
        return Check("fail", _ms(start), "", f"database: {_why(exc).splitlines()[0]}")
    return _timed(p.get("max_ms"), start, str(first)[:60], "query")


def newest_file(folder: Path, depth: int = 2) -> float | None:
    """The newest modification time of a file in ``folder`` (and its subfolders)."""
    newest: float | None = None
    stack = [(folder, 0)]
    while stack:
        here, level = stack.pop()
        with os.scandir(here) as it:
            for entry in it:
                if entry.is_file(follow_symlinks=False):
                    m = entry.stat().st_mtime
                    newest = m if newest is None or m > newest else newest
                elif entry.is_dir(follow_symlinks=False) and level < depth:
                    stack.append((Path(entry.path), level + 1))
    return newest


def check_backup_dir(address: str, p: Mapping[str, Any], now: datetime) -> Check:
    folder = Path(address.removeprefix("file://"))
    start = time.perf_counter()
    try:
        newest = newest_file(folder)
    except OSError as exc:
        return Check("fail", _ms(start), "", f"backup folder unreadable: {type(exc).__name__}")
    if newest is None:
        return Check("fail", _ms(start), "", "no file in the backup folder")
    age = (now.timestamp() - newest) / 3600
    value = f"{age:.1f} h"
    if age > float(p["max_age_hours"]):
        limit = p["max_age_hours"]
        return Check("fail", _ms(start), value, f"newest backup is {age:.1f} h old (> {limit} h)")
    return Check("pass", _ms(start), value, f"newest backup is {age:.1f} h old")


CHECKS: dict[str, Callable[[str, Mapping[str, Any], datetime], Check]] = {
    "http": check_http,
    "tls": check_tls,
    "smtp": check_smtp,
    "imap": check_imap,
    "db": check_db,
    "backup-dir": check_backup_dir,
}


def address_of(ref: str) -> tuple[str | None, Check | None]:
    """The address a reference names, or the ``error`` result saying why there is none.
    Called in the round's own thread (a Prefect Secret block is read with the run's
    settings, which worker threads do not inherit)."""
    from changeflow.errors import ChangeflowError

    from .secrets import resolve

    try:
        return resolve(ref), None
    except ChangeflowError as exc:
        return None, Check("error", None, "", str(exc)[:200])


def check_address(kind: str, address: str, params: Mapping[str, Any], now: datetime) -> Check:
    """Run the check; nothing of the address leaves this function."""
    from .secrets import scrub

    try:
        out = CHECKS[kind](address, thresholds(kind, params), now)
    except Exception as exc:  # a check's own bug must not stop the round
        out = Check("error", None, "", _why(exc))
    return Check(out.status, out.ms, scrub(out.value, address)[:60],
                 scrub(out.detail, address)[:300])  # fmt: skip


def run_check(kind: str, ref: str, params: Mapping[str, Any], now: datetime) -> Check:
    """Resolve the address and run the check (one probe, in the caller's thread)."""
    address, error = address_of(ref)
    return error if address is None or error else check_address(kind, address, params, now)
