"""A probe round of 50 checks against servers on loopback: 20 HTTP (the OA's address), 10
TLS certificates, 10 SMTP EHLO, 5 database queries (SQLite through SQLAlchemy) and 5 backup
folders. The figure is ``tasks.probes.probe_round`` itself: the secrets read, the checks in
its thread pool, every result kept and every state moved in one transaction, in a fresh
changeflow home.

Floor, measured in the same run and interleaved with it: the same 50 connections made bare
with the same 8 threads (``http.client`` GET, a TLS handshake reading the certificate,
``smtplib`` EHLO, ``sqlite3`` SELECT, ``os.scandir``), nothing read from a secret and
nothing written.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.common import interleaved, row

KINDS = {"http": 20, "tls": 10, "smtp": 10, "db": 5, "backup-dir": 5}


def _bare(kind: str, addr: str) -> None:
    import http.client
    import smtplib
    import urllib.parse

    from changeflow.tasks.probes.checks import peer_certificate

    if kind == "http":
        u = urllib.parse.urlsplit(addr)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        c.request("GET", u.path)
        assert c.getresponse().read() and c.close() is None
    elif kind == "tls":
        host, port = addr.split(":")
        assert peer_certificate(host, int(port), 10)[0]
    elif kind == "smtp":
        u = urllib.parse.urlsplit(addr)
        with smtplib.SMTP(u.hostname, u.port, timeout=10) as s:
            assert s.ehlo()[0] == 250
    elif kind == "db":
        conn = sqlite3.connect(addr.removeprefix("sqlite:///"))
        assert conn.execute("SELECT count(*) FROM t").fetchone()
        conn.close()
    else:
        assert [e.stat().st_mtime for e in os.scandir(addr)]


def run(quick: bool) -> list[dict[str, Any]]:
    from bench.bench_approval import _setup
    from changeflow.tasks.probes import add_target, probe_round
    from tests.support.probes import HttpTarget, TlsTarget
    from tests.support.smtp import Sink, free_port, start_smtp

    repeat = 3 if quick else 10
    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory() as tmp, HttpTarget() as web, \
            TlsTarget(Path(tmp) / "tls", now + dt.timedelta(days=90)) as tls:  # fmt: skip
        _setup(Path(tmp) / "var")
        smtp_port = free_port()
        ctl = start_smtp(Sink(), smtp_port)
        try:
            targets: list[tuple[str, str]] = []
            for kind, n in KINDS.items():
                for i in range(n):
                    if kind == "http":
                        addr = web.url
                    elif kind == "tls":
                        addr = tls.address
                    elif kind == "smtp":
                        addr = f"smtp://127.0.0.1:{smtp_port}"
                    elif kind == "db":
                        path = Path(tmp) / f"oa{i}.sqlite3"
                        with sqlite3.connect(path) as c:
                            c.execute("CREATE TABLE t (x)")
                            c.execute("INSERT INTO t VALUES (1)")
                        addr = f"sqlite:///{path}"
                    else:
                        folder = Path(tmp) / f"backups{i}"
                        folder.mkdir()
                        (folder / "oa.dump").write_bytes(b"x")
                        addr = str(folder)
                    var = f"CF_BENCH_PROBE_{kind.upper().replace('-', '_')}_{i}"
                    os.environ[var] = addr
                    params = {"query": "SELECT count(*) FROM t"} if kind == "db" else {}
                    add_target(name=f"{kind}-{i}", kind=kind, secret=f"env:{var}",
                               params=params, contract="OA-2026")  # fmt: skip
                    targets.append((kind, addr))

            def bare() -> None:
                with ThreadPoolExecutor(max_workers=8) as pool:
                    list(pool.map(lambda t: _bare(*t), targets))

            def probed() -> None:
                out = probe_round(notify=False)
                bad = [r for r in out["results"] if r["status"] != "pass"]
                assert out["checked"] == 50 and not bad, bad

            times = interleaved({"bare": bare, "round": probed}, repeat=repeat, warmup=1)
        finally:
            ctl.stop()
            for kind, n in KINDS.items():
                for i in range(n):
                    os.environ.pop(f"CF_BENCH_PROBE_{kind.upper().replace('-', '_')}_{i}", None)
    return [
        row("probe round of 50 checks (http, tls, smtp, db, backup folder)", times["round"],
            "the same 50 connections made bare (8 threads)", times["bare"],
            target="< 5 s a round (every 5 minutes)"),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run(quick=True):
        print(r)
