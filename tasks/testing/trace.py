"""The traceability matrix of a request: requirement -> test cases -> latest result ->
commits -> user manual sections. Automated cases come from the newest run; manual cases are
the newest record of each case id (a later run without ``--cases`` keeps the manual results
already recorded); the manual sections are those the newest user manual's notes link to the
requirement (``delivery_docs.outline.coverage``, kept in the manual's record).

A requirement's result: 未测 (no case, or every case skipped), 不通过 (a case failed),
通过 (every case that ran passed). A case that names a requirement number the task book does
not have counts for none, and is reported (``unknown_requirement_cases``), never dropped
silently.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import pick
from changeflow.db.delivery import TestCase, TestRun
from changeflow.db.models import Document, Request

from .cases import name_pattern, requirement_of

RESULT = {
    "passed": ("通过", "passed"),
    "failed": ("不通过", "failed"),
    "untested": ("未测", "not tested"),
}
OUTCOME = {
    "passed": ("通过", "passed"),
    "failure": ("不通过", "failed"),
    "error": ("不通过", "error"),
    "skipped": ("未测", "not run"),
}


def current_cases(session: Session, req: Request, run: TestRun | None = None) -> list[TestCase]:
    """The cases that stand as of ``run`` (default: the newest): its automated cases and the
    newest record of every manual case up to it."""
    runs = select(TestRun.id).where(TestRun.request_id == req.id)
    if run is None:
        run = session.scalar(
            select(TestRun).where(TestRun.request_id == req.id).order_by(TestRun.seq.desc())
        )
        if run is None:
            return []
    upto = runs.where(TestRun.seq <= run.seq)
    auto = session.scalars(
        select(TestCase)
        .where(TestCase.run_id == run.id, TestCase.kind == "auto")
        .order_by(TestCase.seq)
    ).all()
    manual = session.scalars(
        select(TestCase)
        .join(TestRun, TestRun.id == TestCase.run_id)
        .where(TestCase.run_id.in_(upto), TestCase.kind == "manual")
        .order_by(TestRun.seq, TestCase.seq)
    ).all()
    newest: dict[str, TestCase] = {}
    for c in manual:
        newest[c.case_id] = c
    return [*auto, *newest.values()]


def requirement_result(cases: list[TestCase]) -> str:
    ran = [c for c in cases if c.outcome != "skipped"]
    if not ran:
        return "untested"
    return "failed" if any(c.outcome in ("failure", "error") for c in ran) else "passed"


def _commits_by_requirement(session: Session, req: Request) -> dict[int, list[str]]:
    """Short shas of the request's linked commits whose message names a requirement."""
    from changeflow.db.git import Commit, CommitLink

    settings = dict(req.contract.settings or {}) if req.contract else {}
    pattern = name_pattern(settings)
    out: dict[int, list[str]] = {}
    rows = session.scalars(
        select(Commit)
        .join(CommitLink, CommitLink.commit_id == Commit.id)
        .where(CommitLink.request_id == req.id)
        .order_by(Commit.committed_at, Commit.id)
    ).all()
    for c in rows:
        for m in pattern.finditer(c.message or ""):
            no = requirement_of("", m.group(0), pattern)
            if no is not None and c.sha[:10] not in out.setdefault(no, []):
                out[no].append(c.sha[:10])
    return out


def case_label(c: TestCase) -> str:
    if c.kind == "manual":
        return f"{c.case_id} {c.name}".strip()
    if c.case_id and c.title:  # an automated case described in the cases file
        return f"{c.case_id} {c.title}"
    return f"{c.classname}::{c.name}" if c.classname else c.name


def case_title(c: TestCase) -> str:
    """What the case checks, in words when it is described (else its program name)."""
    if c.kind == "manual":
        return c.name or c.case_id
    return c.title or (f"{c.classname}::{c.name}" if c.classname else c.name)


def manual_sections(session: Session, req: Request, lang: str) -> dict[int, list[str]] | None:
    """Requirement no -> the sections of the newest user manual (in ``lang`` if there is
    one) that cover it; None when no manual has been made yet."""
    docs = session.scalars(
        select(Document)
        .where(Document.request_id == req.id, Document.kind == "manual")
        .order_by(Document.version.desc(), Document.id.desc())
    ).all()
    doc = next((d for d in docs if d.lang == lang), docs[0] if docs else None)
    if doc is None:
        return None
    covers = (doc.meta or {}).get("covers") or {}
    return {int(k): list(v) for k, v in covers.items() if str(k).isdigit()}


def traceability(
    session: Session,
    req: Request,
    lang: str = "zh-CN",
    run: TestRun | None = None,
    manual: dict[int, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """One row per requirement: its cases, its result, the commits naming it, the user
    manual's sections covering it (``manual``: given by the caller making the manual, else
    the newest stored manual's)."""
    cases = current_cases(session, req, run)
    commits = _commits_by_requirement(session, req)
    if manual is None:
        manual = manual_sections(session, req, lang)
    rows = []
    for r in req.requirements:
        mine = [c for c in cases if c.requirement_no == r.no]
        result = requirement_result(mine)
        rows.append(
            {
                "no": r.no,
                "text": r.text,
                "acceptance": r.acceptance or "—",
                "result": result,
                "result_text": pick(RESULT[result], lang),
                "cases": [
                    {
                        "kind": c.kind,
                        "case": case_label(c),
                        "outcome": c.outcome,
                        "outcome_text": pick(OUTCOME.get(c.outcome, OUTCOME["failure"]), lang),
                        "run": c.run.seq,
                    }
                    for c in mine
                ],
                "commits": commits.get(r.no, []),
                "manual": list((manual or {}).get(r.no, [])),
                "manual_made": manual is not None,
            }
        )
    return rows


def unknown_requirement_cases(
    session: Session, req: Request, run: TestRun | None = None
) -> list[str]:
    """One warning per case that names a requirement number the task book does not have
    (``test_req9_...`` when it has 3): such a case counts for no requirement."""
    known = sorted(r.no for r in req.requirements)
    have = "、".join(str(n) for n in known) or "—"
    out = []
    for c in current_cases(session, req, run):
        n = c.requirement_no
        if n is not None and n not in known:
            out.append(
                f"用例 {case_label(c)} 指向需求{n}，任务书没有该需求（只有需求 {have}），"
                "未计入任何需求"
                f" / test case {case_label(c)} names requirement {n}, which {req.key}'s task"
                f" book does not have (it has {', '.join(map(str, known)) or 'none'}): counted"
                " for no requirement"
            )
    return out


def untested(rows: list[dict[str, Any]]) -> list[int]:
    return [r["no"] for r in rows if r["result"] == "untested"]


def matrix_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The matrix as text lines (status, artifacts)."""
    out = []
    for r in rows:
        cases = ", ".join(f"{c['case']} {c['outcome_text']}" for c in r["cases"]) or "—"
        commits = " ".join(r["commits"]) or "—"
        manual = "、".join(r.get("manual") or []) or "—"
        out.append(f"需求{r['no']} {r['result_text']}: {cases}; commits {commits}; manual {manual}")
    return out
