"""Disaster-recovery backups (灾难恢复备份): the database, the document store and a manifest.

A backup is one folder ``changeflow-backup-<UTC time>`` holding the database (SQLite through
the online backup API, so it is consistent while flows write; PostgreSQL through ``pg_dump``
in custom format), a copy of every stored document the database names, and ``manifest.json``
with the sha256 of every file. The folder is built under a temporary name and renamed when
complete, so a half-made backup never looks like a real one.

The document list comes from the same snapshot as the database copy, so a document written
while the backup runs is either in both or in neither. The signing secret is left out unless
asked for: a backup is often kept where the secret must not be.

Restore goes only into an empty place (no tables, no stored files), after the manifest is
verified; it never overwrites records.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from changeflow.errors import ConfigError, ConflictError, InputError
from changeflow.settings import get_settings

from .doctor import Place

PREFIX = "changeflow-backup-"
MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
DOCS = "documents"
SECRET = "secret.key"
_NAME = re.compile(rf"^{PREFIX}\d{{8}}T\d{{6}}Z(-\d+)?$")
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    removed: list[Path] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return list(self.manifest.get("problems", []))

    def summary(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "backup": str(self.path),
            "database": m["database"]["kind"],
            "documents": m["counts"]["documents"],
            "requests": m["counts"]["requests"],
            "files": len(m["files"]),
            "bytes": sum(f["size"] for f in m["files"].values()),
            "secret_included": m["secret_included"],
            "removed": [str(p) for p in self.removed],
            "problems": m.get("problems", []),
        }


@dataclass
class RestoreResult:
    backup: Path
    place: Place
    documents: int
    requests: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "backup": str(self.backup),
            "database": self.place.shown_url,
            "documents_dir": str(self.place.store_dir),
            "documents": self.documents,
            "requests": self.requests,
            "notes": self.notes,
        }


# --- small helpers ------------------------------------------------------------------------


def _sha256_copy(src: Path, dst: Path) -> tuple[str, int]:
    """Copy ``src`` to ``dst`` and hash what was copied, in one pass."""
    import hashlib

    h = hashlib.sha256()
    size = 0
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        for chunk in iter(lambda: fi.read(1 << 20), b""):
            h.update(chunk)
            fo.write(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _inside(root: Path, rel: str) -> Path | None:
    """``root/rel`` if it stays inside ``root`` (relative, no ``..``), else None."""
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts or not rel:
        return None
    full = (root / p).resolve()
    return full if full.is_relative_to(root.resolve()) else None


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (mode 600 from creation, not chmod afterwards)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq connection arguments and environment: the password never goes on argv."""
    args: list[str] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    query = dict(url.query)
    if "host" in query:  # unix-socket form: postgresql:///db?host=/run/postgresql
        args += ["--host", str(query["host"])]
    if "sslmode" in query:
        env["PGSSLMODE"] = str(query["sslmode"])
    args += ["--no-password"]
    return args, env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise ConfigError(
            f"{name} is not installed (needed for PostgreSQL backups and restores);"
            " install the PostgreSQL client tools, e.g. apt-get install postgresql-client"
        )
    return found


def _run_pg(cmd: list[str], env: dict[str, str], what: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        line = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigError(f"{what} failed: {line}")


# --- taking a backup ------------------------------------------------------------------------


@contextmanager
def _sqlite_snapshot(place: Place, dst: Path) -> Iterator[sqlite3.Connection]:
    """Copy the live SQLite database with the online backup API; yield the copy, read-only."""
    src_path = place.sqlite_path
    if not src_path.is_file():
        raise ConfigError(f"no database at {src_path}; nothing to back up")
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True, timeout=30)
    try:
        out = sqlite3.connect(dst)
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            out.commit()
        finally:
            out.close()
    finally:
        src.close()
    copy = sqlite3.connect(f"file:{dst}?mode=ro", uri=True)
    try:
        yield copy
    finally:
        copy.close()


def _rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    if isinstance(conn, sqlite3.Connection):
        return list(conn.execute(sql).fetchall())
    from sqlalchemy import text

    return [tuple(r) for r in conn.execute(text(sql)).all()]


def _snapshot_facts(conn: Any) -> dict[str, Any]:
    docs = _rows(conn, "SELECT id, path, sha256 FROM document ORDER BY id")
    revisions = sorted(r[0] for r in _rows(conn, "SELECT version_num FROM alembic_version"))
    requests = _rows(conn, "SELECT count(*) FROM request")[0][0]
    return {"documents": docs, "revisions": revisions, "requests": int(requests)}


def _backup_database(place: Place, work: Path) -> tuple[str, dict[str, Any]]:
    """Write the database copy into ``work``; return (file name, facts from that snapshot)."""
    if place.is_sqlite:
        with _sqlite_snapshot(place, work / SQLITE_FILE) as copy:
            return SQLITE_FILE, _snapshot_facts(copy)
    pg_dump = _pg_tool("pg_dump")
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    url = make_url(place.db_url)
    engine = create_engine(place.db_url, isolation_level="REPEATABLE READ", poolclass=NullPool)
    try:
        with engine.connect() as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = _snapshot_facts(conn)  # same snapshot as the dump
            args, env = _pg_args(url)
            cmd = [pg_dump, *args, "--format=custom", f"--snapshot={snapshot}"]
            cmd += ["--file", str(work / PG_FILE), "--dbname", str(url.database)]
            _run_pg(cmd, env, "pg_dump")
    finally:
        engine.dispose()
    return PG_FILE, facts


def _new_folder(out: Path, now: datetime) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = out / f"{PREFIX}{stamp}"
    n = 1
    while final.exists():
        n += 1
        final = out / f"{PREFIX}{stamp}-{n}"
    return final


def manifest_files(folder: Path) -> dict[str, dict[str, Any]]:
    from changeflow.db.store import sha256_file

    files = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p != folder / MANIFEST:
            rel = p.relative_to(folder).as_posix()
            files[rel] = {"sha256": sha256_file(p), "size": p.stat().st_size}
    return files


def backup(
    out: Path | None = None,
    *,
    include_secret: bool = False,
    keep: int | None = None,
    place: Place | None = None,
    now: datetime | None = None,
) -> BackupResult:
    """Back up the database and the document store into a new folder under ``out``."""
    place = place or Place.current()
    out = (out or get_settings().home_dir / "backups").expanduser().resolve()
    if keep is not None and keep < 1:
        raise InputError("command line", "keep", "must be at least 1")
    now = now or datetime.now(UTC)
    out.mkdir(parents=True, exist_ok=True)
    final = _new_folder(out, now)
    work = out / f".{final.name}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)
    try:
        db_file, facts = _backup_database(place, work)
        problems: list[str] = []
        store = place.store_dir.resolve()
        for doc_id, rel, sha in facts["documents"]:
            src = _inside(store, rel)
            if src is None:
                problems.append(f"document {doc_id}: path {rel!r} points outside the store")
                continue
            if not src.is_file():
                problems.append(f"document {doc_id}: file {rel} is missing from the store")
                continue
            got, _ = _sha256_copy(src, work / DOCS / rel)
            if got != sha:
                problems.append(f"document {doc_id}: file {rel} does not match its sha256")
        if include_secret:
            if not place.secret_path.is_file():
                raise ConfigError(f"no signing secret at {place.secret_path} to include")
            _write_private(work / SECRET, place.secret_path.read_bytes())
        manifest = {
            "format": FORMAT,
            "created_at": now.astimezone(UTC).isoformat(),
            "database": {
                "kind": "sqlite" if place.is_sqlite else "postgresql",
                "file": db_file,
                "source": place.shown_url,
                "revisions": facts["revisions"],
            },
            "counts": {"documents": len(facts["documents"]), "requests": facts["requests"]},
            "secret_included": include_secret,
            "problems": problems,
            "files": manifest_files(work),
        }
        data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        (work / MANIFEST).write_bytes(data)
        for p in work.rglob("*"):
            if p.is_file():
                os.chmod(p, 0o600)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    removed = prune(out, keep) if keep is not None else []
    return BackupResult(final, manifest, removed)


def list_backups(out: Path) -> list[Path]:
    """Complete backups in ``out``, newest first (names sort by time)."""
    if not out.is_dir():
        return []
    found = [p for p in out.iterdir() if p.is_dir() and _NAME.match(p.name)]
    found = [p for p in found if (p / MANIFEST).is_file()]

    def order(p: Path) -> tuple[str, int]:
        stamp, _, n = p.name.removeprefix(PREFIX).partition("-")
        return stamp, int(n or 1)

    return sorted(found, key=order, reverse=True)


def prune(out: Path, keep: int) -> list[Path]:
    """Retention: keep the ``keep`` newest complete backups, remove the older ones."""
    old = list_backups(out)[keep:]
    for p in old:
        shutil.rmtree(p)
    return old


# --- verifying and restoring ------------------------------------------------------------------


def verify(folder: Path) -> dict[str, Any]:
    """Check the manifest against the files: every file present, hashed right, none extra."""
    from changeflow.db.store import sha256_file

    folder = folder.expanduser().resolve()
    src = str(folder)
    mpath = folder / MANIFEST
    if not folder.is_dir():
        raise InputError(src, "backup", "is not a folder")
    if not mpath.is_file():
        raise InputError(src, MANIFEST, "is missing (not a changeflow backup)")
    if mpath.stat().st_size > MAX_MANIFEST_BYTES:
        raise InputError(src, MANIFEST, "is too large")
    try:
        manifest = json.loads(mpath.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(src, MANIFEST, f"is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(src, MANIFEST, f"is not a format-{FORMAT} changeflow manifest")
    files = manifest.get("files")
    db = manifest.get("database")
    if not isinstance(files, dict) or not isinstance(db, dict):
        raise InputError(src, MANIFEST, "has no 'files' or 'database' section")
    if db.get("kind") not in {"sqlite", "postgresql"} or db.get("file") not in files:
        raise InputError(src, MANIFEST, "names no database file it lists")
    for rel, info in files.items():
        path = _inside(folder, rel)
        if path is None or not isinstance(info, dict):
            raise InputError(src, rel, "is not a plain relative path inside the backup")
        if not path.is_file():
            raise InputError(src, rel, "is listed in the manifest but missing")
        if sha256_file(path) != info.get("sha256"):
            raise InputError(src, rel, "does not match its sha256 in the manifest (damaged)")
    extra = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p != mpath and p.relative_to(folder).as_posix() not in files
    )
    if extra:
        raise InputError(src, extra[0], "is in the backup but not in its manifest")
    return manifest


def _database_empty(place: Place) -> bool:
    if place.is_sqlite:
        path = place.sqlite_path
        if not path.exists() or path.stat().st_size == 0:
            return True
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            n = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()
        finally:
            conn.close()
        return n[0] == 0
    from sqlalchemy import create_engine, text

    engine = create_engine(place.db_url)
    try:
        with engine.connect() as conn:
            n = conn.execute(
                text(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema"
                    " NOT IN ('pg_catalog', 'information_schema')"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return n == 0


def restore(backup_dir: Path, place: Place | None = None) -> RestoreResult:
    """Verify ``backup_dir``, then restore it into ``place``, which must be empty."""
    from changeflow.db.session import dispose_engines

    folder = backup_dir.expanduser().resolve()
    manifest = verify(folder)
    place = place or Place.current()
    kind = manifest["database"]["kind"]
    if (kind == "sqlite") != place.is_sqlite:
        want = "a SQLite path" if kind == "sqlite" else "a PostgreSQL database URL"
        raise ConfigError(f"this backup holds a {kind} database: restore it into {want}")
    if not _database_empty(place):
        raise ConflictError(
            f"the database {place.shown_url} is not empty; restore only goes into an empty"
            " database (nothing was changed)"
        )
    if place.store_dir.is_dir() and any(p.is_file() for p in place.store_dir.rglob("*")):
        raise ConflictError(
            f"the document store {place.store_dir} is not empty; restore only goes into an"
            " empty store (nothing was changed)"
        )
    notes: list[str] = []
    secret_src = folder / SECRET
    write_secret = False
    if manifest.get("secret_included") and secret_src.is_file():
        if place.secret_path.exists():
            if place.secret_path.read_bytes() != secret_src.read_bytes():
                raise ConflictError(
                    f"a different signing secret already exists at {place.secret_path};"
                    " move it away first (nothing was changed)"
                )
        else:
            write_secret = True
    elif not place.secret_path.exists():
        notes.append(
            f"the signing secret was not in this backup: put the original at "
            f"{place.secret_path} (mode 600), or documents signed before cannot be verified"
        )

    written: list[Path] = []
    made_dirs: list[Path] = []
    try:
        docs_src = folder / DOCS
        if not place.store_dir.exists():
            place.store_dir.mkdir(parents=True)
            made_dirs.append(place.store_dir)
        n_docs = 0
        for rel in manifest["files"]:
            if not rel.startswith(DOCS + "/"):
                continue
            dst = _inside(place.store_dir, rel.removeprefix(DOCS + "/"))
            if dst is None:
                raise InputError(str(folder), rel, "is not a plain path inside the store")
            dst.parent.mkdir(parents=True, exist_ok=True)
            tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
            shutil.copyfile(docs_src / rel.removeprefix(DOCS + "/"), tmp)
            os.replace(tmp, dst)
            written.append(dst)
            n_docs += 1
        _restore_database(folder / manifest["database"]["file"], kind, place, written)
        if write_secret:
            _write_private(place.secret_path, secret_src.read_bytes())
    except BaseException:
        for p in reversed(written):
            p.unlink(missing_ok=True)
        for d in made_dirs:
            shutil.rmtree(d, ignore_errors=True)
        raise
    dispose_engines()  # engines opened on the empty database must not be reused
    return RestoreResult(folder, place, n_docs, int(manifest["counts"]["requests"]), notes)


def _restore_database(src: Path, kind: str, place: Place, written: list[Path]) -> None:
    if kind == "sqlite":
        target = place.sqlite_path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        try:
            out = sqlite3.connect(tmp)
            try:
                conn.backup(out)
            finally:
                out.close()
        finally:
            conn.close()
        for suffix in ("-wal", "-shm"):  # leftovers of an empty database must not be replayed
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, target)
        os.chmod(target, 0o600)
        written.append(target)
        return
    pg_restore = _pg_tool("pg_restore")
    url = make_url(place.db_url)
    args, env = _pg_args(url)
    cmd = [pg_restore, *args, "--no-owner", "--no-privileges", "--single-transaction"]
    cmd += ["--exit-on-error", "--dbname", str(url.database), str(src)]
    _run_pg(cmd, env, "pg_restore")
