"""Kick-off: development starts from the recorded approval, never from a held flow run.

In one transaction: the branch ``cr/<key>`` in the contract's git repository (removed again
if the transaction fails), the approved plan's schedule frozen in ``kickoff`` (shifted to
the next working day when the approval came after the planned start), and the move to
``in_development`` with its audit record. After the commit the team (our staff on the plan
and our lead) gets one mail, idempotent by key: running kick-off again finishes a mail that
failed and changes nothing else.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.approval import Approval, Kickoff
from changeflow.db.lifecycle import load_for_update, transition
from changeflow.db.models import Person, Request
from changeflow.db.planning import Plan
from changeflow.db.session import on_rollback, transaction
from changeflow.errors import ChangeflowError, InputError, MailNotSetUp, TransitionError

from .signoff import today_local

BRANCH_PREFIX = "cr/"


def branch_name(key: str) -> str:
    return f"{BRANCH_PREFIX}{key}"


@dataclass
class Branch:
    name: str
    commit: str
    created: bool


def _open_repo(path_text: str | None, source: str) -> Any:
    import git

    if not path_text:
        raise InputError(
            source,
            "repo",
            "no git repository configured for this contract: set 'repo' (a local clone's"
            " path) in the contract file and load it again",
        )
    path = Path(path_text).expanduser()
    try:
        return git.Repo(path)
    except git.exc.NoSuchPathError:
        raise InputError(source, "repo", f"{path} does not exist") from None
    except git.exc.InvalidGitRepositoryError:
        raise InputError(source, "repo", f"{path} is not a git repository") from None


def create_branch(repo_path: str | None, key: str, base: str | None, source: str) -> Branch:
    """``cr/<key>`` at ``base`` (default: the repository's current HEAD); an existing branch
    is kept as it is (a re-run, or work already started)."""
    import git

    repo = _open_repo(repo_path, source)
    name = branch_name(key)
    try:
        if name in repo.heads:
            return Branch(name, repo.heads[name].commit.hexsha, False)
        if not repo.head.is_valid() and base is None:
            raise InputError(source, "repo", f"{repo_path} has no commits to branch from")
        commit = repo.commit(base) if base else repo.head.commit
        repo.create_head(name, commit)
        return Branch(name, commit.hexsha, True)
    except (git.exc.GitCommandError, ValueError, git.exc.BadName) as exc:
        raise InputError(
            source, "repo", f"cannot create branch {name} in {repo_path}: {exc}"
        ) from None


def delete_branch(repo_path: str, name: str) -> None:
    import git

    with contextlib.suppress(Exception):  # best effort while undoing a failed transaction
        git.Repo(repo_path).delete_head(name, force=True)


def approved_plan(session: Session, req: Request) -> tuple[Plan, Approval]:
    """The approved plan: the newest plan version, with an 'approve' decision on it."""
    plan = session.scalar(
        select(Plan).where(Plan.request_id == req.id).order_by(Plan.version.desc()).limit(1)
    )
    if plan is None:
        raise InputError(req.key, "plan", "has no plan")
    approval = session.scalar(
        select(Approval).where(
            Approval.request_id == req.id,
            Approval.subject_kind == "plan",
            Approval.subject_version == plan.version,
        )
    )
    if approval is None or approval.decision != "approve":
        raise TransitionError(
            req.key, req.state, "in_development", f"plan v{plan.version} has no recorded approval"
        )
    return plan, approval


def freeze_schedule(session: Session, plan: Plan, today: date) -> dict[str, Any]:
    """The approved dates; moved as a whole to the next working day when the approval
    came after the planned start (the same scheduling rules as the plan)."""
    from .calendar import calendar_for
    from .planning import Estimate, schedule

    contract = plan.request.contract
    cal = calendar_for(session, contract)
    earliest = cal.next_working_day(today)
    items = list(plan.items)
    if plan.start_date >= earliest or not items:
        slots = [(it.start_date, it.end_date) for it in items]
        start, end = plan.start_date, plan.end_date
        milestones = [(m.phase, m.name, m.day) for m in plan.milestones]
        shifted_from = None
    else:
        estimates = [
            Estimate(
                it.phase,
                it.role,
                it.person_days,
                it.requirement_no,
                it.title,
                it.assignee.name if it.assignee else None,
            )
            for it in items
        ]
        sched = schedule(estimates, cal, earliest)
        slots = [(s.start, s.end) for s in sched.items]
        start, end = sched.start, sched.end
        names = {m.phase: m.name for m in plan.milestones}
        milestones = [(ph, names.get(ph, ph), day) for ph, day, _prov in sched.milestones]
        shifted_from = plan.start_date.isoformat()
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "shifted_from": shifted_from,
        "items": [
            {
                "seq": it.seq,
                "title": it.title,
                "phase": it.phase,
                "role": it.role,
                "assignee": it.assignee.name if it.assignee else None,
                "person_days": format(it.person_days, "f"),
                "start": s.isoformat() if s else None,
                "end": e.isoformat() if e else None,
            }
            for it, (s, e) in zip(items, slots, strict=True)
        ],
        "milestones": [
            {"phase": ph, "name": name, "day": day.isoformat()} for ph, name, day in milestones
        ],
    }


def team(session: Session, plan: Plan) -> list[Person]:
    """Our staff on the plan's work items, and our lead."""
    people: list[Person] = []
    for it in plan.items:
        if it.assignee is not None and it.assignee not in people:
            people.append(it.assignee)
    contract = plan.request.contract
    lead = contract.our_lead if contract is not None else None
    if lead is not None and lead not in people:
        people.append(lead)
    return people


def kickoff_mail(req: Request, k: Kickoff, people: list[Person]) -> tuple[str, str]:
    sched = k.schedule
    lines = [
        f"{req.key} {req.title}",
        f"委托单位 Client: {req.client.name}",
        "",
        f"甲方已批准实施计划 v{k.plan_version}，开始开发。",
        f"The client approved plan v{k.plan_version}: development starts.",
        "",
        f"分支 Branch: {k.branch} ({k.base_commit[:10]}) in {k.repo_path}",
        f"计划 Schedule: {k.planned_start} — {k.planned_end}",
    ]
    if sched.get("shifted_from"):
        lines.append(
            f"（批准晚于原计划开始日 {sched['shifted_from']}，进度已整体顺延。"
            f" Approved after the planned start {sched['shifted_from']}: dates moved.）"
        )
    lines += ["", "里程碑 Milestones:"]
    lines += [f"  {m['day']}  {m['name']}" for m in sched.get("milestones", [])]
    lines += ["", "工作项 Work items:"]
    for it in sched.get("items", []):
        who = it["assignee"] or "TBD"
        lines.append(f"  {it['seq']:>2}. {it['start']} — {it['end']}  {who}  {it['title']}")
    lines += ["", "团队 Team: " + ", ".join(p.name for p in people)]
    subject = f"[{req.key}] 开始开发 Kick-off: {req.title}"
    return subject, "\n".join(lines) + "\n"


def kickoff(
    key: str, *, actor: str = "changeflow", channel: str = "cli", base: str | None = None
) -> dict[str, Any]:
    """Start development of an approved request; safe to run again (see module doc)."""
    from changeflow.settings import get_settings

    from .mail import send_mail_result

    with transaction() as session:
        req = load_for_update(session, key)
        existing = session.scalar(
            select(Kickoff).where(Kickoff.request_id == req.id).order_by(Kickoff.id.desc())
        )
        if req.state != "approved":
            if existing is None:
                raise TransitionError(
                    key, req.state, "in_development", "kick-off needs an approved plan"
                )
            k = existing  # already kicked off: only the mail may be left to do
            plan = session.get(Plan, k.plan_id)
        else:
            plan, approval = approved_plan(session, req)
            contract = req.contract
            source = f"contract {contract.code}" if contract else key
            if contract is None:
                raise InputError(key, "contract", "the request has no contract")
            base = base or (contract.settings or {}).get("base_branch")
            br = create_branch(contract.repo_path, key, base, source)
            if br.created:
                on_rollback(session, lambda: delete_branch(str(contract.repo_path), br.name))
            frozen = freeze_schedule(session, plan, today_local())
            k = Kickoff(
                request_id=req.id,
                plan_id=plan.id,
                plan_version=plan.version,
                approval_id=approval.id,
                branch=br.name,
                base_commit=br.commit,
                repo_path=str(contract.repo_path),
                planned_start=date.fromisoformat(frozen["start"]),
                planned_end=date.fromisoformat(frozen["end"]),
                schedule=frozen,
                created_by=actor,
            )
            session.add(k)
            session.flush()
            reason = f"kick-off: plan v{plan.version}, branch {br.name}"
            reason += f", {k.planned_start} - {k.planned_end}"
            transition(
                session,
                req,
                "in_development",
                actor=actor,
                reason=reason,
                channel=channel,
                data={
                    "kickoff_id": k.id,
                    "branch": br.name,
                    "base_commit": br.commit,
                    "branch_created": br.created,
                    "planned_start": frozen["start"],
                    "planned_end": frozen["end"],
                    "shifted_from": frozen["shifted_from"],
                },
            )
        assert plan is not None
        people = team(session, plan)
        to = [p.email for p in people if p.email]
        subject, body = kickoff_mail(req, k, people)
        out: dict[str, Any] = {
            "key": key,
            "state": req.state,
            "branch": k.branch,
            "base_commit": k.base_commit,
            "repo": k.repo_path,
            "plan_version": k.plan_version,
            "planned_start": k.planned_start,
            "planned_end": k.planned_end,
            "shifted_from": k.schedule.get("shifted_from"),
            "team": [p.name for p in people],
        }
        mail_key = f"kickoff:{key}:plan-v{k.plan_version}"
    if not to:
        out["mail"] = {"status": "not-sent", "error": "nobody on the team has a mail address"}
        return out
    if not get_settings().smtp_host:  # optional until set up: the step succeeds, says so
        out["mail"] = {
            "status": "not-set-up",
            "to": to,
            "error": f"{MailNotSetUp.SMTP}; then run kickoff again to mail the team",
        }
        return out
    try:
        res = send_mail_result(to, subject, body, idempotency_key=mail_key)
        out["mail"] = {"status": res.status, "to": res.recipients, "message_id": res.message_id}
    except ChangeflowError as exc:
        out["mail"] = {"status": "failed", "to": to, "error": str(exc)}
    return out
