"""Go-live (上线): tag the tested commit, record the release and issue the go-live record.

Only a commit whose newest test run passed goes live: by default the commit of the latest
test run, which must have passed. The annotated tag ``release/<key>-v<n>`` is made with
GitPython in the contract's repository inside the database transaction that records the
release, the go-live record (上线记录) and the move ``in_testing -> live``; if that
transaction fails the tag is deleted again, so git and the database never disagree.

Release notes come from the commits included (since the previous release, else since the
development branch started, else the commits linked to the request), grouped by the kind
their first line starts with: 新增/feat, 修复/fix, 优化/update/perf, 文档/docs; the rest is
"other".

The install/upgrade record, the rollback plan and the database changes live in
``tasks.golive_install`` (re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from changeflow.bilingual import is_zh, pick
from changeflow.db.delivery import Release, TestRun
from changeflow.db.lifecycle import load_for_update, transition
from changeflow.db.models import Person, Request
from changeflow.db.session import on_rollback, transaction
from changeflow.db.store import document_path
from changeflow.db.types import utcnow
from changeflow.errors import ConflictError, InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act
from changeflow.wording import version_label

from .documents import (
    CATEGORIES,
    Names,
    category_title,
    change_line,
    describe,
    document_lang,
    person_shown,
    store_issued,
)
from .golive_install import (
    ROLLBACK_TRIGGER,
    database_changes,
    design_rollback,
    install_missing,
    install_record,
    rollback_steps,
)
from .inputs import clean_text
from .testing import actor_name, project_repo, resolve_commit, tests_line, verdict_reason
from .testing.report import client_environment

MAX_COMMITS = 2000
ROOT_MODULE = ("（根目录）", "(top level)")
SOURCE_ROOTS = {"src", "lib", "packages", "modules", "apps"}

NOTE_KINDS = CATEGORIES  # the release notes' groups: the client-clean categories


# --- release notes ----------------------------------------------------------------------


def classify(subject: str) -> tuple[str, str]:
    """(kind, note text) of a commit subject such as ``CR-2026-0001 新增：请假审批 @2h``
    (the client-clean description: ``tasks.documents.clean.describe``)."""
    change = describe(subject)
    return change.kind, change.text


def group_notes(commits: Sequence[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Release notes grouped by kind, in the order of NOTE_KINDS; merges left out."""
    groups: dict[str, list[str]] = {k: [] for k in NOTE_KINDS}
    for c in reversed(commits):  # git gives newest first; notes read oldest first
        if c.get("merge"):
            continue
        kind, text = classify(c["subject"])
        if text and text not in groups[kind]:
            groups[kind].append(text)
    return [
        {"kind": k, "title": category_title(k, lang), "notes": notes}
        for k, notes in groups.items()
        if notes
    ]


def localise_groups(groups: Sequence[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Stored groups with their titles in ``lang`` (a record may be re-rendered in another)."""
    return [g | {"title": category_title(g["kind"], lang)} for g in groups]


def _folder(name: str) -> str:
    """A module as the documents show it: a folder of the repository, ``report/``."""
    return name if name.endswith("/") else f"{name}/"


def localise_modules(modules: Sequence[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [m | {"name": pick(ROOT_MODULE, lang)} if m["name"] in ROOT_MODULE
            else m | {"name": _folder(m["name"])} for m in modules]  # fmt: skip


def notes_text(groups: Sequence[dict[str, Any]]) -> str:
    lines: list[str] = []
    for g in groups:
        lines.append(g["title"])
        lines.extend(f"- {n}" for n in g["notes"])
    return "\n".join(lines)


def module_of(path: str) -> str:
    parts = path.split("/")
    if len(parts) == 1:
        return ""
    if parts[0] in SOURCE_ROOTS and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0]


def group_modules(paths: Sequence[str], lang: str) -> list[dict[str, Any]]:
    """Changed paths grouped by module (top folder; ``src/<pkg>`` for source roots)."""
    counts: dict[str, set[str]] = {}
    for p in paths:
        counts.setdefault(module_of(p), set()).add(p)
    return [
        {
            "name": _folder(name) if name else pick(ROOT_MODULE, lang),
            "files": len(files),
            "paths": sorted(files),
        }
        for name, files in sorted(counts.items(), key=lambda kv: (kv[0] == "", kv[0]))
    ]


# --- commits from git ---------------------------------------------------------------------

_FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%B%x1f"


def read_commits(repo: Path, sha: str, exclude: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Commits reachable from ``sha`` and not from ``exclude``, newest first, with paths."""
    from .gitsync import run_git

    args = ["-c", "core.quotepath=false", "log", "--no-color", f"--max-count={MAX_COMMITS}"]
    args += [f"--format={_FORMAT}", "--name-only", sha]
    if exclude:
        args += ["--not", *exclude]
    raw = run_git(repo, *args).decode("utf-8", "replace")
    out: list[dict[str, Any]] = []
    for record in raw.split("\x1e")[1:]:
        fields = record.split("\x1f")
        if len(fields) < 7:
            continue
        full, parents, name, email, when, body, names = fields[:7]
        message = body.strip()
        out.append(
            {
                "sha": full,
                "parents": parents.split(),
                "merge": len(parents.split()) > 1,
                "author": name,
                "email": email,
                "date": when,
                "subject": message.splitlines()[0] if message else "",
                "message": message,
                "paths": [p for p in names.strip().splitlines() if p],
            }
        )
    return out


def _linked(session: Session, req: Request) -> set[str]:
    from changeflow.db.git import Commit, CommitLink

    return set(
        session.scalars(
            select(Commit.sha)
            .join(CommitLink, CommitLink.commit_id == Commit.id)
            .where(CommitLink.request_id == req.id)
        )
    )


def _base(session: Session, req: Request, repo: Path) -> tuple[str | None, str | None]:
    """(the commit the previous version is at, how to name it) for the range and rollback."""
    prev = session.scalar(
        select(Release).where(Release.request_id == req.id).order_by(Release.version.desc())
    )
    if prev is not None:
        return prev.commit_sha, prev.tag
    from changeflow.db.approval import Kickoff

    kick = session.scalar(
        select(Kickoff).where(Kickoff.request_id == req.id).order_by(Kickoff.id.desc()).limit(1)
    )
    if kick is not None and kick.base_commit:
        return kick.base_commit, kick.base_commit[:10]
    return None, None


def included_commits(
    session: Session, req: Request, repo: Path, sha: str
) -> tuple[list[dict[str, Any]], str | None]:
    """The commits this release brings, and the ref of the version before it."""
    base, base_name = _base(session, req, repo)
    commits = read_commits(repo, sha, [base] if base else [])
    linked = _linked(session, req)
    mine = [c for c in commits if c["sha"] in linked]
    if not mine and base is None:
        key = re.compile(rf"(?<![A-Za-z0-9]){re.escape(req.key)}(?!\d)")
        mine = [c for c in commits if key.search(c["message"])]
    if mine:
        commits = mine
    elif base is None:
        commits = commits[:1]
    if base_name is None and commits:
        oldest = commits[-1]
        base_name = f"{oldest['sha'][:10]}^" if oldest["parents"] else None
    return commits, base_name


# --- the release ---------------------------------------------------------------------------


def _passing_run(session: Session, req: Request, repo: Path, commit: str | None) -> TestRun:
    runs = session.scalars(
        select(TestRun).where(TestRun.request_id == req.id).order_by(TestRun.seq.desc())
    ).all()
    if not runs:
        raise TransitionError(
            req.key, req.state, "live", "no test run recorded: run 'changeflow test KEY' first"
        )
    if commit:
        sha = resolve_commit(repo, commit)
        at = [r for r in runs if r.commit_sha == sha]
        if not at:
            raise TransitionError(req.key, req.state, "live", f"commit {sha[:10]} was never tested")
        run = at[0]
    else:
        run = runs[0]
        if not run.commit_sha:
            raise InputError(
                req.key,
                "commit",
                f"test run #{run.seq} names no commit (JUnit files without --commit);"
                " record the run again with --commit or give golive --commit",
            )
    if not run.passed:
        raise TransitionError(
            req.key,
            req.state,
            "live",
            f"the newest test run #{run.seq} at {run.commit_sha[:10]} {verdict_reason(run)}",
        )
    return run


def _identity(session: Session, actor: str) -> tuple[str, str]:
    person = session.scalar(select(Person).where(Person.name == actor, Person.client_id.is_(None)))
    email = person.email if person is not None and person.email else get_settings().mail_from
    return actor, email


def _open_repo(repo: Path) -> Any:
    import git as gitpython

    try:
        return gitpython.Repo(repo)
    except (gitpython.exc.NoSuchPathError, gitpython.exc.InvalidGitRepositoryError):
        raise InputError(str(repo), "repository", "not a git repository") from None


def make_tag(repo: Path, tag: str, sha: str, message: str, who: tuple[str, str]) -> bool:
    """Create the annotated tag; True if made now, False if it already marks ``sha``."""
    import git as gitpython

    r = _open_repo(repo)
    if tag in [t.name for t in r.tags]:
        existing = r.tags[tag]
        if existing.commit.hexsha == sha and existing.tag is not None:
            return False
        raise ConflictError(
            f"tag {tag} already exists in {repo} at {existing.commit.hexsha[:10]}; nothing was"
            " recorded (delete the stray tag or release the next version)"
        )
    name, email = who
    try:
        with r.git.custom_environment(GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email):
            r.create_tag(tag, ref=sha, message=message)
    except gitpython.exc.GitCommandError as exc:
        problem = f"git could not create {tag} ({str(exc.stderr).strip()})"
        raise InputError(str(repo), "tag", problem) from None
    return True


def delete_tag(repo: Path, tag: str) -> None:
    r = _open_repo(repo)
    if tag in [t.name for t in r.tags]:
        r.delete_tag(tag)


def golive_context(rel: Release, lang: str) -> dict[str, Any]:
    req = rel.request
    tz = get_settings().tz
    contract = req.contract
    run = rel.test_run
    tests = tests_line(run, lang) if run is not None else ""
    settings = dict(contract.settings or {}) if contract else {}
    sep = ("：", "；") if is_zh(lang) else (": ", "; ")
    environment = sep[1].join(
        f"{e['name']}{sep[0]}{e['value']}" for e in client_environment(settings, lang)
    )
    session = object_session(rel)
    names = Names(session, lang) if session is not None else None

    def who(name: str, email: str = "") -> str:
        return names.author(name, email) if names is not None else person_shown(lang)

    install = (rel.data or {}).get("install") or {}
    db_changes = database_changes(session, req, lang) if session is not None else None
    missing = install_missing(install, db_changes, lang)
    released_by = names.actor(rel.released_by) if names is not None else ""
    engineer = install.get("engineer") or released_by
    dash = "—"
    backup = install.get("backup") or {}
    access = install.get("access") or {}
    return {
        "draft": bool(missing),
        "missing": missing,
        "engineer": engineer,
        "checks": install.get("checks") or [pick(("（未记录）", "(not recorded)"), lang)],
        "backup_by": backup.get("by") or dash,
        "backup_at": backup.get("at") or dash,
        "backup_where": backup.get("where") or dash,
        "steps": install.get("steps")
        or [{"at": dash, "action": pick(("（未记录）", "(not recorded)"), lang), "by": dash}],
        "access_by": access.get("by") or dash,
        "access_at": access.get("at") or dash,
        "access_result": access.get("result") or dash,
        "db_changes": db_changes
        or [
            pick(
                ("（设计说明未写数据设计，待确认）", "(the design notes give no data section)"),
                lang,
            )
        ],
        "rollback_trigger": clean_text(
            str((dict(contract.settings or {}) if contract else {}).get("rollback_trigger") or "")
        )
        or pick(ROLLBACK_TRIGGER, lang),
        "key": req.key,
        "title": req.title,
        "client": req.client.name if req.client else "",
        "contract": f"{contract.code} {contract.title}" if contract else "",
        "version": rel.version,
        "version_text": version_label(rel.version, lang),
        "tag": rel.tag,
        "commit": rel.commit_sha,
        "released_at": rel.released_at.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0),
        "released_by": released_by,
        "tests": tests,
        "test_environment": environment,  # the client's, from the contract (not our machine)
        "groups": localise_groups((rel.data or {}).get("groups", []), lang),
        "commits": [
            {
                "no": i,
                "sha": c["sha"][:8],
                "date": datetime.fromisoformat(c["date"]).astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                "author": who(c["author"], c.get("email", "")),
                "subject": change_line(c["subject"], lang),
            }
            for i, c in enumerate(rel.commits or [], start=1)
        ],
        "modules": [
            {"name": m["name"], "files": m["files"]}
            for m in localise_modules((rel.data or {}).get("modules", []), lang)
        ],
        "rollback": (design_rollback(session, req) if session is not None else [])
        or (rel.data or {}).get("rollback", []),
    }


def render_golive(rel: Release, lang: str) -> bytes:
    from .wordkit import clean, render

    context = golive_context(rel, lang)
    draft = pick(("（草稿）", " (draft)"), lang) if context["draft"] else ""
    return render(
        "golive",
        context,
        lang=lang,
        contract=rel.request.contract,
        title=f"{pick(('上线记录', 'Go-live Record'), lang)}{draft} {rel.request.key}"
        f" v{rel.version}",
        subject=clean(rel.request.title),
        author=rel.released_by or "changeflow",
        when=rel.released_at,
        custom_properties={
            "changeflow.kind": "golive",
            "changeflow.request": rel.request.key,
            "changeflow.version": str(rel.version),
            "changeflow.lang": lang,
            "changeflow.tag": rel.tag,
            "changeflow.commit": rel.commit_sha,
            "changeflow.draft": "true" if context["draft"] else "false",
        },
    )


@dataclass
class GoLiveResult:
    key: str
    version: int
    tag: str
    commit: str
    state: str
    released_at: str
    released_by: str
    commits: int
    groups: list[dict[str, Any]]
    rollback: list[str]
    test_run: int
    document: str
    sha256: str
    tag_created: bool
    unchanged: bool = False  # already live with this release: a re-run reports it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _result(rel: Release, *, tag_created: bool, unchanged: bool = False) -> GoLiveResult:
    doc = rel.document
    assert doc is not None
    data = rel.data or {}
    return GoLiveResult(
        key=rel.request.key,
        version=rel.version,
        tag=rel.tag,
        commit=rel.commit_sha,
        state=rel.request.state,
        released_at=rel.released_at.astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M"),
        released_by=rel.released_by,
        commits=len(rel.commits or []),
        groups=data.get("groups", []),
        rollback=data.get("rollback", []),
        test_run=rel.test_run.seq if rel.test_run else 0,
        document=str(document_path(doc)),
        sha256=doc.sha256,
        tag_created=tag_created,
        unchanged=unchanged,
    )


@recorded_act("golive")
def golive(
    key: str,
    *,
    commit: str | None = None,
    lang: str | None = None,
    actor: str | None = None,
    channel: str = "cli",
    install: dict[str, Any] | None = None,
) -> GoLiveResult:
    """Put ``key`` live at its tested commit: tag, release record, go-live record, state.
    ``install`` is the install/upgrade record (``install_record``); without its parts the
    go-live record is a draft that lists them.

    Run again on a request that is already live (a retried run after a crash, a second
    click), it reports the release made instead of refusing, unless another commit is asked.
    """
    lang = document_lang(lang)
    actor = clean_text(actor or actor_name(), 120) or "changeflow"
    record = install_record(install)
    with transaction() as session:
        req = session.scalar(select(Request).where(Request.key == key))
        if req is None:
            raise NotFoundError(f"no request {key}")
        req = load_for_update(session, key)
        rel = latest_release(session, req) if req.state == "live" else None
        if rel is not None and rel.document is not None:
            repo = project_repo(session, req)
            if commit is None or resolve_commit(repo, commit) == rel.commit_sha:
                return _result(rel, tag_created=False, unchanged=True)
        if req.state != "in_testing":
            raise TransitionError(
                key, req.state, "live", "only a request in testing whose tests passed goes live"
            )
        repo = project_repo(session, req)
        run = _passing_run(session, req, repo, commit)
        sha = run.commit_sha
        version = (
            session.scalar(select(func.max(Release.version)).where(Release.request_id == req.id))
            or 0
        ) + 1
        tag = f"release/{key}-v{version}"
        commits, previous = included_commits(session, req, repo, sha)
        groups = group_notes(commits, lang)
        settings = dict(req.contract.settings or {}) if req.contract else {}
        steps = rollback_steps(settings, lang, tag=tag, previous=previous, commit=sha)
        paths = sorted({p for c in commits for p in c["paths"]})
        rel = Release(
            request=req,
            version=version,
            tag=tag,
            commit_sha=sha,
            repo_path=str(repo),
            released_at=utcnow().replace(microsecond=0),
            released_by=actor,
            notes=notes_text(groups),
            commits=[
                {k: c[k] for k in ("sha", "author", "email", "date", "subject", "merge")}
                for c in commits
            ],
            data={
                "groups": groups,
                "rollback": steps,
                "modules": group_modules(paths, lang),
                "previous": previous,
                "lang": lang,
                "install": record,
            },
            test_run=run,
        )
        session.add(rel)
        session.flush()
        data = render_golive(rel, lang)
        doc = store_issued(
            session,
            data,
            subject=key,
            kind="golive",
            request=req,
            version=version,
            lang=lang,
            meta={"tag": tag, "commit": sha, "release": version},
        )
        rel.document = doc
        transition(
            session,
            req,
            "live",
            actor=actor,
            reason=f"v{version} live: tag {tag} at {sha[:10]} ({len(commits)} commits)",
            channel=channel,
            evidence_sha256=doc.sha256,
            data={"release": version, "tag": tag, "commit": sha, "test_run": run.seq},
        )
        session.flush()
        message = f"{key} v{version}: {req.title}\n\n{rel.notes}".strip()
        created = make_tag(repo, tag, sha, message, _identity(session, actor))
        if created:
            on_rollback(session, lambda: delete_tag(repo, tag))
        return _result(rel, tag_created=created)


def latest_release(session: Session, req: Request) -> Release | None:
    return session.scalar(
        select(Release).where(Release.request_id == req.id).order_by(Release.version.desc())
    )
