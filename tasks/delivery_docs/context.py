"""What the technical document and the user manual show: the request's requirements, its
(approved) plan, the modules changed by the linked commits, the test run and the release.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import pick
from changeflow.db.models import Request
from changeflow.errors import InputError
from changeflow.settings import get_settings
from changeflow.wording import version_label

from ..contracts import contractor_of
from ..documents import Names, change_line


def newest_plan(session: Session, req: Request) -> Any:
    """The approved plan version if there is one, else the newest."""
    from changeflow.db.planning import Plan

    plans = session.scalars(
        select(Plan).where(Plan.request_id == req.id).order_by(Plan.version.desc())
    ).all()
    if not plans:
        return None
    try:
        from changeflow.db.approval import Approval

        ok = session.scalar(
            select(Approval.subject_version)
            .where(Approval.request_id == req.id, Approval.subject_kind == "plan",
                   Approval.decision == "approve")
            .order_by(Approval.subject_version.desc())
        )  # fmt: skip
    except Exception:  # approvals not installed
        ok = None
    return next((p for p in plans if p.version == ok), plans[0])


def _commits(session: Session, req: Request) -> list[dict[str, Any]]:
    from changeflow.db.git import Commit, CommitLink

    rows = session.scalars(
        select(Commit)
        .join(CommitLink, CommitLink.commit_id == Commit.id)
        .where(CommitLink.request_id == req.id, Commit.reachable.is_(True))
        .order_by(Commit.committed_at, Commit.id)
    ).all()
    return [
        {
            "sha": c.sha,
            "date": c.authored_at,
            "author": c.author_name,
            "email": c.author_email,
            "person_id": c.person_id,
            "subject": (c.message or "").splitlines()[0] if c.message else "",
            "paths": [p for p in (c.paths or "").splitlines() if p],
            "merge": c.is_merge,
        }
        for c in rows
    ]


def _commits_from_git(session: Session, req: Request) -> list[dict[str, Any]]:
    """The commits a go-live now would include, read from the contract's repository."""
    from ..golive import included_commits
    from ..testing import project_repo, release_commit

    try:
        repo = project_repo(session, req)
        sha = release_commit(session, req, repo, None)
        found, _ = included_commits(session, req, repo, sha)
    except InputError:
        return []
    return [{**c, "date": datetime.fromisoformat(c["date"])} for c in reversed(found)]


def _db_changes(
    session: Session, req: Request, release: Any, paths: list[str]
) -> tuple[list[dict[str, Any]], str]:
    """The migration files' schema changes at the release's commit (else the development
    branch's head), read from the client's repository; none when it cannot be read."""
    from changeflow.errors import ChangeflowError

    from ..testing import project_repo, release_commit
    from .dbchanges import is_migration, release_db_changes

    if not any(is_migration(p) for p in paths):
        return [], ""
    try:
        repo = project_repo(session, req)
        sha = (release.commit_sha if release is not None and release.commit_sha
               else release_commit(session, req, repo, None))  # fmt: skip
        return release_db_changes(repo, sha, paths), sha
    except (ChangeflowError, OSError):
        return [], ""


def docs_context(session: Session, req: Request, lang: str) -> tuple[dict[str, Any], datetime]:
    """The template context (without the version) and the time the inputs are from."""
    from ..golive import group_modules, latest_release, localise_groups, localise_modules
    from ..planning import PHASE_LABELS, ROLE_LABELS, pd_text
    from ..testing import latest_run, tests_line

    tz = get_settings().tz
    contract = req.contract
    plan = newest_plan(session, req)
    commits = _commits(session, req)
    release = latest_release(session, req)
    run = latest_run(session, req)
    paths = sorted({p for c in commits for p in c["paths"]})
    modules = group_modules(paths, lang)
    if not commits and release is not None:  # not synced: what the go-live read from git
        modules = localise_modules((release.data or {}).get("modules", []), lang)
        commits = [
            {**c, "date": datetime.fromisoformat(c["date"]), "paths": []}
            for c in reversed(release.commits or [])
        ]
    elif not commits:  # not synced, not released: read the request's commits from git
        commits = _commits_from_git(session, req)
        modules = group_modules(sorted({p for c in commits for p in c["paths"]}), lang)
    db_changes, db_commit = _db_changes(
        session, req, release, sorted({*paths, *(p for c in commits for p in c["paths"]),
                                *(p for m in modules for p in m.get("paths", []))})
    )
    times = [req.created_at]
    times += [c["date"] for c in commits]
    if plan is not None:
        times.append(plan.created_at)
    if release is not None:
        times.append(release.released_at)
    if run is not None:
        times.append(run.created_at)
    when = max(t for t in times if t is not None).astimezone(UTC).replace(microsecond=0)
    none = pick(("（无）", "(none)"), lang)
    names = Names(session, lang)
    our = contract.our_lead if contract else None
    phases = (plan.data or {}).get("phases", {}) if plan is not None else {}
    ctx = {
        "key": req.key,
        "title": req.title,
        "client": req.client.name if req.client else "",
        "contract": f"{contract.code} {contract.title}" if contract else "",
        "contractor": contractor_of(contract),
        "issued": when.astimezone(tz).date().isoformat(),
        "description": req.description or "",
        "plan_version": version_label(plan.version, lang) if plan is not None else none,
        # the manual is written before go-live: it names the release it is for in words
        "release": version_label(release.version, lang)
        if release is not None
        else pick(("本次变更上线的版本", "the release that puts this change live"), lang),
        "requirements": [
            {"no": r.no, "text": r.text, "acceptance": r.acceptance or "—"}
            for r in req.requirements
        ],
        "phases": [
            {
                "phase": pick(PHASE_LABELS.get(p, (p, p)), lang),
                "start": v.get("start", ""),
                "end": v.get("end", ""),
            }
            for p, v in phases.items()
        ],
        "items": [
            {
                "seq": it.seq,
                "title": it.title,
                "role": pick(ROLE_LABELS.get(it.role, (it.role, it.role)), lang),
                "assignee": it.assignee.name if it.assignee else "—",
                "person_days": pd_text(it.person_days),
            }
            for it in (plan.items if plan is not None else [])
        ],
        "modules": [
            {"name": m["name"], "files": m["files"], "paths": "\n".join(m.get("paths", [])[:30])}
            for m in modules
        ],
        "commits": [
            {
                "sha": c["sha"][:8],
                "date": c["date"].astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                "author": names.author(c["author"], c.get("email"), c.get("person_id")),
                "subject": change_line(c["subject"], lang),
            }
            for c in commits
            if not c.get("merge")
        ],
        "tests": tests_line(run, lang) if run is not None else none,
        "tag": release.tag if release is not None else "",
        "commit": release.commit_sha if release is not None else "",
        "rollback": (release.data or {}).get("rollback", []) if release is not None else [],
        "groups": localise_groups((release.data or {}).get("groups", []), lang)
        if release is not None
        else [],
        # the schema changes the release carries, from the repository (数据库设计)
        "db_changes": db_changes,
        "db_commit": db_commit,
        "our_lead": our.name if our else "",
        "our_phone": (our.phone or "") if our else "",
        "our_email": (our.email or "") if our else "",
    }
    return ctx, when


def revision_history(session: Session, req: Request) -> dict[tuple[str, str], list[dict[str, str]]]:
    """The earlier versions of the technical document and the manual (the revision record;
    given to the renderer, never part of the inputs' digest)."""
    from sqlalchemy import select

    from changeflow.db.models import Document

    tz = get_settings().tz
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    docs = session.scalars(
        select(Document)
        .where(Document.request_id == req.id, Document.kind.in_(("techdoc", "manual")))
        .order_by(Document.version, Document.id)
    ).all()
    for doc in docs:
        rows = out.setdefault((doc.kind, doc.lang), [])
        shown = version_label(doc.version, doc.lang)  # 第1版, one form everywhere
        if any(r["version"] == shown for r in rows):
            continue
        first = not rows
        rows.append({
            "version": shown,
            "date": doc.created_at.astimezone(tz).date().isoformat() if doc.created_at else "",
            "change": "首次编制" if first and doc.lang == "zh-CN" else "修订" if doc.lang == "zh-CN"
            else "first issue" if first else "revised",
            "by": Names(session, doc.lang).actor((doc.meta or {}).get("author") or None),
        })  # fmt: skip
    return out
