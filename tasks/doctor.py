"""``changeflow doctor``: is the database consistent with the document store and the audit trail?

Each check reads only; nothing is repaired here, because a repair of records that were lost
or tampered with is a decision for a person. The report lists every problem found, so an
operator (or a test after a crash or a restore) sees exactly what is wrong.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from changeflow.errors import ChangeflowError
from changeflow.settings import get_settings

MAX_LISTED = 200  # problems listed per check; the count is always complete


class DoctorFailed(ChangeflowError):
    """The installation is inconsistent; the report lists what is wrong."""

    exit_code = 7


@dataclass(frozen=True)
class Place:
    """Where an installation keeps its records: database, document store and secret file."""

    db_url: str
    store_dir: Path
    secret_path: Path

    @classmethod
    def current(cls) -> Place:
        s = get_settings()
        return cls(s.db_url, s.store_dir, s.secret_path)

    @classmethod
    def home(cls, home: Path, db_url: str | None = None) -> Place:
        """The default layout under a home folder (the database URL may point elsewhere)."""
        home = home.expanduser().resolve()
        return cls(
            db_url or f"sqlite:///{home / 'changeflow.db'}",
            home / "documents",
            home / "secret.key",
        )

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return Path(make_url(self.db_url).database or "")

    @property
    def shown_url(self) -> str:
        """The URL with any password hidden (for reports, artifacts and manifests)."""
        return make_url(self.db_url).render_as_string(hide_password=True)


@dataclass
class Check:
    name: str
    ok: bool = True
    detail: str = ""
    count: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        self.ok = False
        self.count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(text)


@dataclass
class Report:
    place: str
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problem_count(self) -> int:
        return sum(c.count for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "database": self.place,
            "problems": self.problem_count,
            "checks": [c.__dict__ for c in self.checks],
        }


def is_temp_file(path: Path) -> bool:
    """A store write in progress (``.name.pid.tmp``), not an orphan."""
    return path.name.startswith(".") and path.name.endswith(".tmp")


def store_files(root: Path) -> set[str]:
    """Every non-temporary file in the store, as a posix path relative to the root."""
    if not root.is_dir():
        return set()
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if (p.is_file() or p.is_symlink()) and not is_temp_file(p)
    }


def _database_exists(place: Place) -> bool:
    if not place.is_sqlite:
        return True
    path = place.sqlite_path
    return path.is_file() and path.stat().st_size > 0


def check_migrations(place: Place) -> Check:
    from changeflow.db.migrate import current, heads

    c = Check("migrations")
    want = heads()
    have = current(place.db_url)
    c.detail = f"at {', '.join(have) or 'nothing'}"
    for rev in sorted(set(want) - set(have)):
        c.problem(f"migration head {rev} is not applied; run: changeflow init")
    for rev in sorted(set(have) - set(want)):
        c.problem(f"database is at {rev}, which this version does not know (newer software?)")
    return c


def check_documents(place: Place, session: Any) -> tuple[Check, set[str]]:
    from changeflow.db.models import Document
    from changeflow.db.store import sha256_file

    c = Check("documents")
    known: set[str] = set()
    root = place.store_dir.resolve()
    n = 0
    for doc_id, rel, sha, size in session.execute(
        select(Document.id, Document.path, Document.sha256, Document.size).order_by(Document.id)
    ):
        n += 1
        known.add(rel)
        path = (root / rel).resolve()
        if not path.is_relative_to(root):
            c.problem(f"document {doc_id}: path {rel!r} points outside the store")
            continue
        if not path.is_file():
            c.problem(f"document {doc_id}: file {rel} is missing from the store")
            continue
        actual = sha256_file(path)
        if actual != sha:
            c.problem(
                f"document {doc_id}: file {rel} has sha256 {actual[:12]}…, the record says "
                f"{sha[:12]}… (changed after it was stored)"
            )
        elif path.stat().st_size != size:
            c.problem(f"document {doc_id}: file {rel} size differs from the record")
    c.detail = f"{n} document(s) checked against their files"
    return c, known


def check_orphans(place: Place, known: set[str]) -> Check:
    c = Check("orphan-files")
    files = store_files(place.store_dir)
    for rel in sorted(files - known):
        c.problem(f"file {rel} is in the store but no document record names it")
    c.detail = f"{len(files)} file(s) in {place.store_dir}"
    return c


def check_states(session: Any) -> Check:
    from changeflow.db.models import Request, RequestEvent

    c = Check("audit-trail")
    last = (
        select(RequestEvent.request_id, func.max(RequestEvent.id).label("last_id"))
        .group_by(RequestEvent.request_id)
        .subquery()
    )
    rows = session.execute(
        select(Request.key, Request.state, RequestEvent.to_state)
        .outerjoin(last, last.c.request_id == Request.id)
        .outerjoin(RequestEvent, RequestEvent.id == last.c.last_id)
        .order_by(Request.id)
    ).all()
    for key, state, to_state in rows:
        if to_state is None:
            c.problem(f"request {key} ('{state}') has no audit record")
        elif to_state != state:
            c.problem(f"request {key} is '{state}' but its last audit record says '{to_state}'")
    c.detail = f"{len(rows)} request(s) checked against their last audit record"
    return c


def check_secret(place: Place) -> Check:
    c = Check("signing-secret")
    path = place.secret_path
    c.detail = str(path)
    if not path.is_file():
        c.problem(f"no signing secret at {path}; restore it, or run changeflow init for a new one")
        return c
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        c.problem(f"signing secret {path} has mode {mode:o}: others can read it; chmod 600 it")
    try:
        lines = [ln for ln in path.read_text(encoding="ascii").splitlines() if ln.strip()]
        ok = bool(lines) and all(
            ":" in ln and len(bytes.fromhex(ln.split(":", 1)[1].strip())) >= 16 for ln in lines
        )
    except (ValueError, OSError, UnicodeDecodeError):
        ok = False
    if not ok:
        c.problem(f"signing secret {path} is not a list of 'kid:hexkey' lines")
    return c


def checkout_root() -> Path:
    """The folder holding ``tasks/`` and ``flows/``: where served flow runs work."""
    return Path(__file__).resolve().parent.parent


def stray_checkout_database(place: Place | None = None) -> Path | None:
    """A ``var/`` database inside the checkout that is not the configured one: what a flow
    run made when it resolved the default ``./var`` in the checkout instead of the work
    folder (records there are invisible to the lead)."""
    place = place or Place.current()
    stray = checkout_root() / "var" / "changeflow.db"
    if not stray.is_file():
        return None
    if place.is_sqlite and place.sqlite_path.resolve() == stray.resolve():
        return None
    return stray


def check_checkout(place: Place) -> Check:
    c = Check("checkout")
    stray = stray_checkout_database(place)
    if stray is not None:
        c.problem(
            f"{stray} is a database inside the checkout, not the configured one"
            f" ({place.shown_url}): flow runs once wrote there; move what it holds or delete it"
        )
    return c


def diagnose(place: Place | None = None) -> Report:
    """Run every check against ``place`` (default: the configured installation)."""
    from changeflow.db.session import transaction

    place = place or Place.current()
    checks: list[Check] = []
    if not _database_exists(place):
        missing = Check("database")
        missing.problem(f"no database at {place.shown_url}; run: changeflow init")
        checks.append(missing)
    else:
        from sqlalchemy.exc import SQLAlchemyError

        checks.append(check_migrations(place))
        try:
            with transaction(place.db_url) as s:
                docs, known = check_documents(place, s)
                checks += [docs, check_orphans(place, known), check_states(s)]
        except SQLAlchemyError as exc:
            broken = Check("database")
            broken.problem(f"cannot read the records ({type(exc).__name__}): {exc.args[0]}"[:300])
            checks.append(broken)
    checks.append(check_secret(place))
    checks.append(check_checkout(place))
    return Report(place.shown_url, checks)
