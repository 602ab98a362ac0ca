"""The probe targets of a contract: added (with the NAME of the secret holding the address,
checked to be a name), listed with their state, switched off and on."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Contract, Request
from changeflow.db.probes import PROBE_KINDS, ProbeEvent, ProbeTarget
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError, NotFoundError
from changeflow.tasks.acttime import show
from changeflow.tasks.directory import find_contract

from .checks import DEFAULTS, NEEDS_ADDRESS
from .secrets import check_ref

SYSTEMS = ("oa", "database", "mail", "storage", "backup")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
COMMON = ("fail_after", "recover_after", "severity", "keep")


def check_params(kind: str, params: Mapping[str, Any] | None, source: str) -> dict[str, Any]:
    """Thresholds known for ``kind``; numbers where numbers are meant."""
    out: dict[str, Any] = {}
    known = set(DEFAULTS.get(kind, {})) | set(COMMON)
    for key, value in (params or {}).items():
        if key not in known:
            raise InputError(source, f"params.{key}", f"is not a threshold of a {kind} probe "
                             f"({', '.join(sorted(known))})")  # fmt: skip
        if key == "severity":
            if value not in ("crash", "non_crash"):
                raise InputError(source, "params.severity", "is not crash or non_crash")
        elif key in ("query",):
            value = str(value)
        elif key in ("verify", "login"):
            value = str(value).lower() in ("1", "true", "yes", "on")
        else:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise InputError(source, f"params.{key}", f"'{value}' is not a number") from None
            if value < 0 or (key in ("fail_after", "recover_after") and value < 1):
                raise InputError(source, f"params.{key}", f"{value:g} is out of range")
            value = int(value) if value == int(value) else value
        out[key] = value
    return out


def _validated(item: Mapping[str, Any], source: str) -> dict[str, Any]:
    name = str(item.get("name") or "")
    kind = str(item.get("kind") or "")
    src = f"{source} probe {name or '?'}".strip()
    if not _NAME.match(name):
        raise InputError(src, "name", "is not a short name (a-z, 0-9, . _ -)")
    if kind not in PROBE_KINDS:
        raise InputError(src, "kind", f"'{kind}' is not one of {', '.join(PROBE_KINDS)}")
    ref = check_ref(str(item.get("secret") or ""), src)
    if kind in NEEDS_ADDRESS and not ref:
        raise InputError(src, "secret", "names where the address lives (env:NAME)")
    system = str(item.get("system") or "") or {"http": "oa", "tls": "oa", "smtp": "mail",
        "imap": "mail", "db": "database"}.get(kind, "backup")  # fmt: skip
    if system not in SYSTEMS:
        raise InputError(src, "system", f"'{system}' is not one of {', '.join(SYSTEMS)}")
    params = item.get("params") or {}
    if not isinstance(params, Mapping):
        raise InputError(src, "params", "is not a mapping of thresholds")
    return {"name": name, "kind": kind, "secret": ref, "system": system,
            "params": check_params(kind, params, src)}  # fmt: skip


def sync_from_settings(session: Session, contract: Contract, actor: str = "probe") -> list[str]:
    """The targets a contract declares in ``settings.probes.targets`` (its YAML): made when
    missing, brought in line when changed (never removed: ``probe off`` stops one)."""
    section = (contract.settings or {}).get("probes") or {}
    items = section.get("targets") if isinstance(section, Mapping) else None
    if not items:
        return []
    source = f"contract {contract.code} settings.probes.targets"
    if not isinstance(items, list):
        raise InputError(source, "targets", "is not a list")
    changed = []
    for item in items:
        if not isinstance(item, Mapping):
            raise InputError(source, "targets", "an entry is not a mapping")
        v = _validated(item, source)
        t = session.scalar(select(ProbeTarget).where(ProbeTarget.contract_id == contract.id,
                                                     ProbeTarget.name == v["name"]))  # fmt: skip
        if t is None:
            t = ProbeTarget(contract=contract, **v)
            session.add(t)
            session.flush()
            session.add(ProbeEvent(target_id=t.id, from_state=None, to_state="unknown",
                                   actor=actor, channel="flow",
                                   reason="probe added from the contract"))  # fmt: skip
            changed.append(v["name"])
        elif any(getattr(t, k) != v[k] for k in ("kind", "secret", "system", "params")):
            for k in ("kind", "secret", "system", "params"):
                setattr(t, k, v[k])
            session.add(ProbeEvent(target_id=t.id, from_state=t.state, to_state=t.state,
                                   actor=actor, channel="flow",
                                   reason="probe changed by the contract"))  # fmt: skip
            changed.append(v["name"])
    session.flush()
    return changed


def add_target(
    *,
    name: str,
    kind: str,
    secret: str = "",
    system: str = "",
    params: Mapping[str, Any] | None = None,
    contract: str | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
) -> dict[str, Any]:
    source = f"probe {name}"
    v = _validated({"name": name, "kind": kind, "secret": secret, "system": system,
                    "params": params or {}}, "")  # fmt: skip
    with transaction() as s:
        k = find_contract(s, contract, utcnow().date(), source)
        if s.scalar(select(ProbeTarget).where(ProbeTarget.contract_id == k.id,
                                              ProbeTarget.name == name)):  # fmt: skip
            raise InputError(source, "name", f"a probe '{name}' exists for {k.code}")
        t = ProbeTarget(contract=k, **v)
        s.add(t)
        s.flush()
        s.add(ProbeEvent(target_id=t.id, from_state=None, to_state="unknown", actor=actor,
                         channel=channel, reason="probe added"))  # fmt: skip
        s.flush()
        return target_view(s, t)


def set_active(name: str, active: bool, contract: str | None = None,
               actor: str = "changeflow") -> dict[str, Any]:  # fmt: skip
    with transaction() as s:
        t = find_target(s, name, contract)
        t.active = active
        s.add(ProbeEvent(target_id=t.id, from_state=t.state, to_state=t.state, actor=actor,
                         reason="probe on" if active else "probe off"))  # fmt: skip
        s.flush()
        return target_view(s, t)


def find_target(session: Session, name: str, contract: str | None = None) -> ProbeTarget:
    q = select(ProbeTarget).where(ProbeTarget.name == name)
    if contract:
        q = q.join(Contract).where(Contract.code == contract)
    found = session.scalars(q).all()
    if not found:
        raise NotFoundError(f"no probe '{name}' (changeflow probe list)")
    if len(found) > 1:
        raise InputError(f"probe {name}", "contract", "several contracts have it: name one")
    return found[0]


def target_view(session: Session, t: ProbeTarget) -> dict[str, Any]:
    fault_key = None
    if t.fault is not None:
        fault_key = session.scalar(select(Request.key).where(Request.id == t.fault.request_id))
    return {
        "name": t.name,
        "contract": t.contract.code,
        "kind": t.kind,
        "system": t.system,
        "secret": t.secret,  # the name only
        "params": dict(t.params or {}),
        "active": t.active,
        "state": t.state,
        "fails": t.fails,
        "passes": t.passes,
        "last_checked": show(t.last_checked_at),
        "last_detail": t.last_detail,
        "fault": fault_key,
    }


def list_targets(contract: str | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    with transaction() as s:
        q = select(ProbeTarget).order_by(ProbeTarget.contract_id, ProbeTarget.name)
        if contract:
            q = q.join(Contract).where(Contract.code == contract)
        return [target_view(s, t) for t in s.scalars(q)]


def show_target(name: str, contract: str | None = None, last: int = 20) -> dict[str, Any]:
    """One target: its state, its last ``last`` results and its whole state trail."""
    from changeflow.db.probes import ProbeResult

    with transaction() as s:
        t = find_target(s, name, contract)
        results = s.scalars(select(ProbeResult).where(ProbeResult.target_id == t.id)
                            .order_by(ProbeResult.id.desc()).limit(max(1, last))).all()
        events = s.scalars(select(ProbeEvent).where(ProbeEvent.target_id == t.id)
                           .order_by(ProbeEvent.id)).all()  # fmt: skip
        return {
            **target_view(s, t),
            "results": [{"at": show(r.at), "status": r.status, "ms": r.ms, "value": r.value,
                         "detail": r.detail} for r in reversed(results)],
            "trail": [{"at": show(e.at), "from": e.from_state, "to": e.to_state,
                       "reason": e.reason} for e in events],
        }  # fmt: skip
