"""The maintenance plan as the lead writes it (YAML) and as loaded: ``load_plan`` checks
every field (one line naming the file and the field on a mistake) and writes the systems and
the check catalogue in one transaction with the plan's event; ``plan_view`` reads it back.

The file::

    contract: OA-2026
    backup_max_age_hours: 26      # a backup older than this is abnormal
    restore_test_days: 92         # a restore test at least this often
    systems:
      - code: oa                  # short, unique in the plan
        kind: application         # application | database | mail | storage | backup
        name: OA 办公系统
        name_en: OA office system
        address: https://oa.client.example
        owner: 赵强               # who looks after it at the client
        configuration: ...        # optional, shown in the handbook
        checks:                   # optional: the kind's default catalogue otherwise
          - {kind: disk, frequency: visit, threshold: 使用率低于 85%, threshold_en: below 85 %}
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError
from changeflow.settings import get_settings

from ..directory import find_contract
from ..inputs import clean_text, load_yaml, read_limited
from .catalogue import DEFAULT_CHECKS, FREQUENCIES, KINDS, SYSTEM_KINDS, THRESHOLDS

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
TOP_FIELDS = {"contract", "backup_max_age_hours", "restore_test_days", "systems"}
SYSTEM_FIELDS = {"code", "kind", "name", "name_en", "address", "owner", "configuration", "checks"}
CHECK_FIELDS = {"kind", "frequency", "threshold", "threshold_en", "code"}


def _text(raw: Any, source: str, field: str, *, required: bool = False, limit: int = 300) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise InputError(source, field, "must be text")
    value = clean_text(str(raw), limit)
    if required and not value:
        raise InputError(source, field, "is required")
    return value


def _choice(raw: Any, allowed: tuple[str, ...], source: str, field: str) -> str:
    value = str(raw or "").strip()
    if value not in allowed:
        raise InputError(source, field, f"'{value}' is not one of {', '.join(allowed)}")
    return value


def _hours(raw: Any, default: int, source: str, field: str, top: int) -> int:
    if raw is None:
        return default
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= top:
        raise InputError(source, field, f"must be a whole number 1..{top}")
    return raw


def _unknown(raw: dict[str, Any], known: set[str], source: str, where: str) -> None:
    extra = sorted(set(raw) - known)
    if extra:
        raise InputError(
            source, f"{where}{extra[0]}", f"is not a field (known: {', '.join(sorted(known))})"
        )


def parse_plan(raw: Any, source: str) -> dict[str, Any]:
    """The plan's content checked and normalised (no database)."""
    if not isinstance(raw, dict):
        raise InputError(source, "document", "must be a mapping with contract and systems")
    _unknown(raw, TOP_FIELDS, source, "")
    systems_raw = raw.get("systems")
    if not isinstance(systems_raw, list) or not systems_raw:
        raise InputError(source, "systems", "must be a list of the client's systems")
    plan: dict[str, Any] = {
        "contract": _text(raw.get("contract"), source, "contract", limit=60) or None,
        "backup_max_age_hours": _hours(raw.get("backup_max_age_hours"), 26, source,
                                       "backup_max_age_hours", 24 * 31),
        "restore_test_days": _hours(raw.get("restore_test_days"), 92, source,
                                    "restore_test_days", 366),
        "systems": [],
    }  # fmt: skip
    codes: set[str] = set()
    check_codes: set[str] = set()
    for i, s in enumerate(systems_raw, 1):
        where = f"systems[{i}]"
        if not isinstance(s, dict):
            raise InputError(source, where, "must be a mapping with code, kind, address, owner")
        _unknown(s, SYSTEM_FIELDS, source, f"{where}.")
        code = _text(s.get("code"), source, f"{where}.code", required=True, limit=20)
        if not CODE.match(code):
            raise InputError(source, f"{where}.code", f"'{code}' must be letters, digits, - or _")
        if code.lower() in codes:
            raise InputError(source, f"{where}.code", f"'{code}' is used twice")
        codes.add(code.lower())
        kind = _choice(s.get("kind"), SYSTEM_KINDS, source, f"{where}.kind")
        system = {
            "code": code,
            "kind": kind,
            "name": _text(s.get("name"), source, f"{where}.name", limit=200),
            "name_en": _text(s.get("name_en"), source, f"{where}.name_en", limit=200),
            "address": _text(s.get("address"), source, f"{where}.address", required=True),
            "owner": _text(s.get("owner"), source, f"{where}.owner", required=True, limit=120),
            "configuration": _text(s.get("configuration"), source, f"{where}.configuration",
                                   limit=4000),
            "checks": [],
        }  # fmt: skip
        checks_raw = s.get("checks")
        if checks_raw is None:
            checks_raw = [{"kind": k, "frequency": f} for k, f in DEFAULT_CHECKS[kind]]
        if not isinstance(checks_raw, list) or not checks_raw:
            raise InputError(source, f"{where}.checks", "must be a list of checks (or left out)")
        for j, c in enumerate(checks_raw, 1):
            cw = f"{where}.checks[{j}]"
            if not isinstance(c, dict):
                raise InputError(source, cw, "must be a mapping with kind and frequency")
            _unknown(c, CHECK_FIELDS, source, f"{cw}.")
            ck = _choice(c.get("kind"), KINDS, source, f"{cw}.kind")
            ccode = _text(c.get("code"), source, f"{cw}.code", limit=40) or f"{code}-{ck}"
            if ccode.lower() in check_codes:
                raise InputError(source, f"{cw}.code", f"'{ccode}' is used twice")
            check_codes.add(ccode.lower())
            zh, en = THRESHOLDS[ck]
            system["checks"].append({
                "code": ccode,
                "kind": ck,
                "frequency": _choice(c.get("frequency"), FREQUENCIES, source, f"{cw}.frequency"),
                "threshold": _text(c.get("threshold"), source, f"{cw}.threshold") or zh,
                "threshold_en": _text(c.get("threshold_en"), source, f"{cw}.threshold_en") or en,
            })  # fmt: skip
        plan["systems"].append(system)
    return plan


def _digest(plan: dict[str, Any]) -> str:
    body = {k: v for k, v in plan.items() if k != "contract"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def load_plan(path: str | Path, *, contract: str | None = None, actor: str = "changeflow",
              channel: str = "cli") -> dict[str, Any]:  # fmt: skip
    """``changeflow maintplan load FILE``: the plan written, in one transaction with its
    event. The same content again changes nothing; a changed one is the next revision
    (systems and checks it no longer names are kept inactive, with their results)."""
    from changeflow.db.maintplan import MaintPlan, MaintPlanEvent, PlanCheck, PlanSystem

    path = Path(path)
    source = path.name
    plan = parse_plan(load_yaml(read_limited(path), source), source)
    digest = _digest(plan)
    today = utcnow().astimezone(get_settings().tz).date()
    with transaction() as s:
        k = find_contract(s, contract or plan["contract"], today, source)
        mp = s.scalar(select(MaintPlan).where(MaintPlan.contract_id == k.id).with_for_update())
        if mp is not None and mp.sha256 == digest:
            return {**plan_view(mp), "changed": False}
        before = None if mp is None else "loaded"
        if mp is None:
            mp = MaintPlan(contract=k, revision=1, sha256=digest)
            s.add(mp)
        else:
            mp.revision += 1
            mp.sha256 = digest
        mp.loaded_at, mp.loaded_by, mp.source = utcnow(), actor, source[:300]
        mp.backup_max_age_hours = plan["backup_max_age_hours"]
        mp.restore_test_days = plan["restore_test_days"]
        systems = {x.code.lower(): x for x in mp.systems}
        checks = {x.code.lower(): x for x in mp.checks}
        for x in (*systems.values(), *checks.values()):
            x.active = False
        seq = 0
        for i, sysd in enumerate(plan["systems"], 1):
            row = systems.get(sysd["code"].lower())
            if row is None:
                row = PlanSystem(code=sysd["code"])
                mp.systems.append(row)
            row.seq, row.active = i, True
            for f in ("kind", "name", "name_en", "address", "owner", "configuration"):
                setattr(row, f, sysd[f])
            s.flush()
            for c in sysd["checks"]:
                seq += 1
                crow = checks.get(c["code"].lower())
                if crow is None:
                    crow = PlanCheck(code=c["code"])
                    mp.checks.append(crow)
                crow.seq, crow.active, crow.system_id = seq, True, row.id
                for f in ("kind", "frequency", "threshold", "threshold_en"):
                    setattr(crow, f, c[f])
        mp.events.append(
            MaintPlanEvent(
                from_state=before, to_state="loaded", actor=actor, channel=channel,
                reason=f"plan revision {mp.revision} loaded from {source}",
                data={"sha256": digest, "systems": len(plan["systems"]),
                      "checks": sum(len(x["checks"]) for x in plan["systems"])},
            )
        )  # fmt: skip
        s.flush()
        return {**plan_view(mp), "changed": True}


def find_plan(s: Any, contract: str | None, source: str) -> Any:
    """The contract's loaded plan, or one line saying to load it."""
    from changeflow.db.maintplan import MaintPlan

    today = utcnow().astimezone(get_settings().tz).date()
    k = find_contract(s, contract, today, source)
    mp = s.scalar(select(MaintPlan).where(MaintPlan.contract_id == k.id))
    if mp is None:
        raise InputError(
            source, "contract", f"{k.code} has no maintenance plan (changeflow maintplan load FILE)"
        )
    return mp


def plan_view(mp: Any) -> dict[str, Any]:
    systems = [x for x in mp.systems if x.active]
    return {
        "contract": mp.contract.code,
        "revision": mp.revision,
        "loaded_at": mp.loaded_at,
        "backup_max_age_hours": mp.backup_max_age_hours,
        "restore_test_days": mp.restore_test_days,
        "systems": [
            {
                "code": x.code, "kind": x.kind, "name": x.name, "name_en": x.name_en,
                "address": x.address, "owner": x.owner, "configuration": x.configuration,
                "checks": [
                    {"code": c.code, "kind": c.kind, "frequency": c.frequency,
                     "threshold": c.threshold, "threshold_en": c.threshold_en}
                    for c in mp.checks if c.active and c.system_id == x.id
                ],
            }
            for x in systems
        ],
    }  # fmt: skip


def show_plan(contract: str | None = None) -> dict[str, Any]:
    """``changeflow maintplan show``."""
    from .watchers import probes_by_system

    with transaction() as s:
        mp = find_plan(s, contract, "maintplan show")
        v = plan_view(mp)
        watching = probes_by_system(s, mp)
        for x, row in zip((x for x in mp.systems if x.active), v["systems"], strict=True):
            row["probes"] = [{"name": t.name, "kind": t.kind, "state": t.state}
                             for t in watching[x.id]]  # fmt: skip
        return v
