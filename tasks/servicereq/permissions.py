"""Account and permission changes with the client's authority (账号权限变更).

The contract names who may authorise a change, per department (``authorisers:`` in the
contract file, department -> names; kept in ``contract.settings['authorisers']``). A change
whose authoriser is not named for its department is refused with one line; a recorded one
keeps who asked, the department, the authoriser and what changed, for the month's record of
permission changes (账号权限变更记录, ``tpl_permlog``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.servicereq import PermissionChange
from changeflow.db.session import transaction
from changeflow.errors import InputError, TransitionError
from changeflow.settings import get_settings

from ..acttime import parse_when, show
from ..calendar import month_days
from ..inputs import clean_text
from .desk import load_service, service_event, service_view


def authorisers(contract: Any) -> dict[str, list[str]]:
    raw = (contract.settings or {}).get("authorisers") or {}
    if not isinstance(raw, dict):
        raise InputError(f"contract {contract.code}", "authorisers", "must be a mapping")
    return {str(k): [str(n) for n in (v or [])] for k, v in raw.items()}


def check_authoriser(contract: Any, department: str, name: str, source: str) -> None:
    named = authorisers(contract)
    if department not in named:
        known = ", ".join(named) or "none"
        raise InputError(
            source,
            "department",
            f"contract {contract.code} names no authoriser for '{department}' "
            f"(departments: {known})",
        )
    if name not in named[department]:
        raise InputError(
            source,
            "authorised_by",
            f"'{name}' may not authorise changes for {department} "
            f"(contract {contract.code} names: {', '.join(named[department])})",
        )


def record_permission_change(
    key: str,
    *,
    department: str,
    asked_by: str,
    authorised_by: str,
    change: str,
    account: str = "",
    at: str | datetime | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
    session: Session | None = None,
) -> dict[str, Any]:
    """Record one account/permission change on an account request, refused unless the
    authoriser is one the contract names for the department (in ``session`` when given:
    the request received and its change in one transaction)."""
    source = f"service {key}"
    dept, asked = clean_text(department or "", 120), clean_text(asked_by or "", 120)
    auth, what = clean_text(authorised_by or "", 120), clean_text(change or "")
    for field, value in (
        ("department", dept),
        ("asked_by", asked),
        ("authorised_by", auth),
        ("change", what),
    ):
        if not value:
            raise InputError(source, field, "is required")

    def act(s: Session) -> dict[str, Any]:
        sr = load_service(s, key, lock=True)
        if sr.category != "account":
            raise InputError(
                source, "category", f"{sr.key} is a {sr.category} request, not account/permission"
            )
        if sr.state not in ("received", "assigned", "in_progress"):
            raise TransitionError(sr.key, sr.state, sr.state, "a change is recorded while open")
        check_authoriser(sr.contract, dept, auth, source)
        when = parse_when(at, source, "at")
        seq = len(sr.permission_changes) + 1
        s.add(
            PermissionChange(
                service=sr,
                seq=seq,
                contract_id=sr.contract_id,
                department=dept,
                asked_by=asked,
                authorised_by=auth,
                account=clean_text(account or "", 120),
                change=what,
                changed_at=when,
                actor=actor,
            )
        )
        if not sr.department:
            sr.department = dept
        service_event(
            s,
            sr,
            sr.state,
            frm=sr.state,
            actor=actor,
            at=when,
            channel=channel,
            reason=f"permission change authorised by {auth}",
            data={
                "department": dept,
                "asked_by": asked,
                "authorised_by": auth,
                "account": account,
                "change": what,
            },
        )
        s.flush()
        s.refresh(sr)
        return service_view(sr)

    if session is not None:
        return act(session)
    with transaction() as s:
        return act(s)


def new_account_request(
    permission: dict[str, Any], *, session: Session | None = None, **request: Any
) -> dict[str, Any]:
    """Receive an account/permission request with its change (the UI form, the client's
    service-request form): one transaction, so a change whose authoriser the contract does
    not name refuses the whole request and nothing is written. ``permission``: department,
    asked_by (default: the requester), authorised_by, account, change."""
    from .desk import new_service

    change = dict(permission)
    if not str(change.get("asked_by") or "").strip():
        change["asked_by"] = request.get("requester") or ""

    def act(s: Session) -> dict[str, Any]:
        view = new_service(session=s, **request)
        return record_permission_change(
            view["key"],
            session=s,
            actor=request.get("actor", "changeflow"),
            channel=request.get("channel", "cli"),
            at=request.get("received_at"),
            **change,
        )

    if session is not None:
        return act(session)
    with transaction() as s:
        return act(s)


def month_changes(contract: str | None, month: str) -> dict[str, Any]:
    """The month's permission changes (YYYY-MM), oldest first, for the record document."""
    from changeflow.db.models import Contract

    from ..directory import find_contract

    first, last = month_days(month, "permission record")
    nxt = last + timedelta(days=1)
    tz = get_settings().tz
    lo, hi = (datetime(d.year, d.month, d.day, tzinfo=tz) for d in (first, nxt))
    with transaction() as s:
        k: Contract = find_contract(s, contract, first, "permission record")
        rows = s.scalars(
            select(PermissionChange)
            .where(
                PermissionChange.contract_id == k.id,
                PermissionChange.changed_at >= lo,
                PermissionChange.changed_at < hi,
            )
            .order_by(PermissionChange.changed_at, PermissionChange.id)
        ).all()
        return {
            "contract": k.code,
            "client": k.client.name,
            "title": k.title,
            "month": month,
            "rows": [
                {
                    "key": p.service.key,
                    "when": show(p.changed_at)[:10] if p.changed_at else "",
                    "department": p.department,
                    "asked_by": p.asked_by,
                    "account": p.account,
                    "change": p.change,
                    "authorised_by": p.authorised_by,
                    "engineer": p.service.engineer.name if p.service.engineer else p.actor,
                }
                for p in rows
            ],
        }
