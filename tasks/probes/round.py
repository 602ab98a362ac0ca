"""A probe round: every active target checked once, its result kept, its state moved.

The state of a target, with an audit record (``ProbeEvent``) at every move::

    unknown/ok --fail--> failing --fail x fail_after--> opening --fault reported--> down
        ^                   |                                                         |
        +------pass---------+  (a flap: recorded, no fault)                           |
        +------------------pass x recover_after (recovery noted on the fault)---------+

- hysteresis: a fault needs ``fail_after`` failures in a row (default 3); a pass between
  them starts the count again, so a flapping probe opens no fault; while a target is down
  further failures add nothing (no second fault, no second notice); the recovery is noted
  after ``recover_after`` passes in a row (default 2), at the time of the first of them;
- the fault's clocks start at the detection: the time of the first failure of the run;
- severity by rule: the OA application not answering over HTTP is a crash, every other
  probe a non-crash (a target's ``severity`` threshold overrides it);
- the checks run outside any transaction, in a few threads; the results and the state moves
  of the round are one transaction (two rounds at once: the second is refused on the row
  versions and writes nothing); the fault is reported through ``maintenance.report_fault``
  and then linked, and a target left in ``opening`` by a dying round adopts the fault it
  reported (same probe, same detection time) instead of reporting a second one;
- results older than the last ``keep`` of a target are pruned.

``now`` is the round's time (every result, age and day left is counted from it): the
simulated month in the tests drives it, the scheduled deployment leaves it to the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError

from changeflow.bilingual import PROBE_PROBLEMS, PROBE_SYSTEMS, is_zh, pick
from changeflow.db.maintenance import Fault
from changeflow.db.models import Contract, Request, RequestEvent
from changeflow.db.probes import ProbeEvent, ProbeResult, ProbeTarget
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import ChangeflowError, ConflictError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import show

from .alerts import add_notice, deliver
from .backups import check_records, probe_settings
from .checks import (
    DEFAULTS,
    FAIL_AFTER,
    KEEP,
    RECOVER_AFTER,
    Check,
    address_of,
    check_address,
)
from .targets import sync_from_settings

ACTOR = "probe"
RECORD_KINDS = ("backup-log", "restore-log")


def effective(kind: str, contract_conf: Mapping[str, Any], params: Mapping[str, Any]) -> dict:
    """Thresholds in force: built-in < the contract's ``settings.probes`` (its common keys,
    then its section for the kind) < the target's own."""
    common = {k: v for k, v in contract_conf.items() if k in ("fail_after", "recover_after",
                                                               "keep")}  # fmt: skip
    per_kind = contract_conf.get(kind) if isinstance(contract_conf.get(kind), Mapping) else {}
    return {"fail_after": FAIL_AFTER, "recover_after": RECOVER_AFTER, "keep": KEEP, **common,
            **DEFAULTS.get(kind, {}), **(per_kind or {}), **(params or {})}  # fmt: skip


def severity_of(t: ProbeTarget, p: Mapping[str, Any]) -> str:
    if p.get("severity") in ("crash", "non_crash"):
        return str(p["severity"])
    return "crash" if (t.system == "oa" and t.kind == "http") else "non_crash"


def _event(s: Any, t: ProbeTarget, to: str, at: datetime, reason: str, **data: Any) -> None:
    s.add(ProbeEvent(target_id=t.id, from_state=t.state, to_state=to, actor=ACTOR, at=at,
                     channel="flow", reason=reason, data=data))  # fmt: skip
    t.state = to


def _apply(s: Any, t: ProbeTarget, c: Check, p: Mapping[str, Any], now: datetime) -> str:
    """Keep the result and move the state; returns what the move was."""
    s.add(ProbeResult(target_id=t.id, at=now, status=c.status, ms=c.ms, value=c.value,
                      detail=c.detail))  # fmt: skip
    t.last_checked_at, t.last_detail = now, c.detail[:300]
    if c.status == "error":  # the probe could not run (its secret unset): not the system
        t.last_ok = None
        return "error"
    t.last_ok = c.ok
    if c.ok:
        if t.state in ("down", "opening"):
            if t.passes == 0:
                t.first_passed_at = now
            t.passes += 1
            return "recovering"
        if t.state != "ok":
            reason = "first check passed" if t.state == "unknown" else (
                f"passed again after {t.fails} failure(s): no fault")  # fmt: skip
            _event(s, t, "ok", now, reason)
        t.fails, t.passes, t.first_failed_at = 0, t.passes + 1, None
        return "pass"
    t.passes, t.first_passed_at = 0, None
    if t.state in ("down", "opening"):
        t.fails += 1
        return "still down"
    if t.state != "failing":
        _event(s, t, "failing", now, c.detail[:200] or "failed")
        t.fails, t.first_failed_at = 0, now
    t.fails += 1
    if t.fails >= int(p["fail_after"]):
        _event(
            s,
            t,
            "opening",
            now,
            f"{t.fails} failures in a row",
            since=t.first_failed_at.isoformat() if t.first_failed_at else None,
        )
        return "open"
    return "fail"


def _recover(s: Any, t: ProbeTarget, now: datetime) -> dict[str, Any] | None:
    """Note the recovery on the fault and tell the duty staff (in the round's transaction)."""
    fault = t.fault
    since = t.first_passed_at or now
    out = {"probe": t.name, "since": show(since)}
    if fault is not None:
        req = s.get(Request, fault.request_id)
        down_min = int((since - fault.reported_at).total_seconds() // 60)
        line = (f"自动探测：{since.astimezone(get_settings().tz):%Y-%m-%d %H:%M} 起恢复正常"
                f"（中断约 {down_min} 分钟） Probe {t.name}: answering again since "
                f"{show(since)} (down about {down_min} min)")  # fmt: skip
        s.add(RequestEvent(request_id=req.id, from_state=req.state, to_state=req.state,
                           actor=ACTOR, at=now, channel="flow", reason=line,
                           data={"probe": t.name, "recovered_at": since.isoformat(),
                                 "down_minutes": down_min}))  # fmt: skip
        add_notice(s, "recovered", t, fault, req.key, [
            f"恢复时间 Recovered: {show(since)}", f"中断 Down: {down_min} min",
            f"结果 Result: {t.last_detail}"])  # fmt: skip
        out.update(fault=req.key, down_minutes=down_min)
    _event(s, t, "ok", now, f"{t.passes} passes in a row: recovered", since=since.isoformat())
    t.fault_id, t.fails, t.first_failed_at = None, 0, None
    return out


def _title(t: ProbeTarget) -> str:
    lang = get_settings().lang
    system = pick(PROBE_SYSTEMS.get(t.system, (t.system, t.system)), lang)
    problem = pick(PROBE_PROBLEMS.get(t.kind, (t.kind, t.kind)), lang)
    return f"{system}{problem}（自动探测发现）" if is_zh(lang) else (
        f"{system} {problem} (found by a probe)")  # fmt: skip


REPORTER = ("自动探测", "automatic probe")


def _reported(s: Any, contract_id: int, since: datetime, reporter: str, mark: str) -> Fault | None:
    """The fault this probe reported for this run of failures, if it did."""
    return s.scalar(
        select(Fault)
        .join(Request, Request.id == Fault.request_id)
        .where(
            Fault.contract_id == contract_id,
            Fault.reporter == reporter,
            Fault.reported_at == since,
            Request.description.contains(mark, autoescape=True),
        )
    )


def _open(tid: int, now: datetime) -> dict[str, Any] | None:
    """Report the fault of a target in ``opening`` (or adopt the one it reported before a
    crash), then link it, mark the target down and queue the notice."""
    from changeflow.tasks.maintenance.faults import report_fault

    with transaction() as s:
        t = s.get(ProbeTarget, tid)
        if t is None or t.state != "opening" or t.first_failed_at is None:
            return None
        conf = probe_settings(t.contract)
        p = effective(t.kind, conf, t.params)
        name, since, code = t.name, t.first_failed_at, t.contract.code
        sev, title, detail, fails = severity_of(t, p), _title(t), t.last_detail, t.fails
        lang = get_settings().lang
        system = pick(PROBE_SYSTEMS.get(t.system, (t.system, t.system)), lang)
        reporter = pick(REPORTER, lang)  # the fault record shows these two: no probe ids
        mark = f"Probe {name}:"  # the description says which probe (adoption finds it by it)
        adopted = _reported(s, t.contract_id, since, reporter, mark)
    if adopted is None:
        local = since.astimezone(get_settings().tz)
        report_fault(
            severity=sev, title=title, reported_at=since, system=system,
            description=f"自动探测 {name}：{local:%Y-%m-%d %H:%M} 起连续 {fails} 次失败。 "
                        f"{mark} {fails} failures in a row since {show(since)}: {detail}",
            reporter=reporter, contract=code, actor=ACTOR, channel="flow",
            source=f"probe {name}", now=now,
        )  # fmt: skip
    with transaction() as s:
        t = s.get(ProbeTarget, tid)
        assert t is not None
        fault = _reported(s, t.contract_id, since, reporter, mark)
        assert fault is not None
        key = s.scalar(select(Request.key).where(Request.id == fault.request_id))
        t.fault_id = fault.id
        _event(s, t, "down", now, f"fault {key} opened", fault=key, since=since.isoformat())
        add_notice(
            s,
            "down",
            t,
            fault,
            key,
            [f"连续失败 Failures in a row: {t.fails}", f"结果 Result: {t.last_detail}"],
        )
        s.flush()
        return {"probe": t.name, "fault": key, "severity": fault.severity,
                "detected": show(since)}  # fmt: skip


def _prune(s: Any, tid: int, keep: int) -> None:
    cut = s.scalar(select(ProbeResult.id).where(ProbeResult.target_id == tid)
                   .order_by(ProbeResult.id.desc()).offset(keep).limit(1))  # fmt: skip
    if cut is not None:
        s.execute(delete(ProbeResult).where(ProbeResult.target_id == tid,
                                            ProbeResult.id <= cut))  # fmt: skip


def _record_round(specs: list[tuple[int, str, str, dict]], checks: Mapping[int, Check],
                  now: datetime, rows: list[dict[str, Any]],
                  recovered: list[dict[str, Any]]) -> list[int]:  # fmt: skip
    """The round's results and state moves, one transaction; the targets left to open."""
    with transaction() as s:
        for tid, kind, _ref, p in specs:
            t = s.get(ProbeTarget, tid)
            assert t is not None
            if t.last_checked_at is not None and t.last_checked_at >= now:
                # a round that started later has been recorded first: this one is older news
                rows.append({"probe": t.name, "kind": kind, "status": "skipped", "ms": None,
                             "value": "", "detail": "a later round was recorded first",
                             "state": t.state, "move": "skipped"})  # fmt: skip
                continue
            c = check_records(s, t, now) if kind in RECORD_KINDS else checks[tid]
            move = _apply(s, t, c, p, now)
            if move == "recovering" and t.passes >= int(p["recover_after"]) and t.state == "down":
                done = _recover(s, t, now)
                if done:
                    recovered.append(done)
                move = "recovered"
            rows.append({"probe": t.name, "kind": kind, "status": c.status, "ms": c.ms,
                         "value": c.value, "detail": c.detail, "state": t.state,
                         "move": move})  # fmt: skip
            _prune(s, tid, int(p["keep"]))
        s.flush()
        return list(s.scalars(select(ProbeTarget.id).where(ProbeTarget.state == "opening")))


def probe_round(
    *,
    now: datetime | None = None,
    contract: str | None = None,
    names: Sequence[str] = (),
    workers: int = 8,
    notify: bool = True,
) -> dict[str, Any]:
    """Check every active target (of ``contract``, or those ``names``d) once."""
    now = now or utcnow()
    with transaction() as s:  # the targets the contracts declare, first
        kq = select(Contract).where(Contract.code == contract) if contract else select(Contract)
        synced = [n for k in s.scalars(kq) for n in sync_from_settings(s, k)]
    with transaction() as s:
        q = select(ProbeTarget).where(ProbeTarget.active.is_(True)).order_by(ProbeTarget.id)
        if contract:
            q = q.join(Contract).where(Contract.code == contract)
        if names:
            q = q.where(ProbeTarget.name.in_(list(names)))
        specs = []
        for t in s.scalars(q):
            p = effective(t.kind, probe_settings(t.contract), t.params)
            specs.append((t.id, t.kind, t.secret, p))
    checks: dict[int, Check] = {}
    remote = []
    for tid, kind, ref, p in specs:  # the secrets read here, in the run's own thread
        if kind in RECORD_KINDS:
            continue
        address, error = address_of(ref)
        if error is not None or address is None:
            checks[tid] = error or Check("error", None, "", "no address")
        else:
            remote.append((tid, kind, address, p))
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(remote) or 1))) as pool:
        done = pool.map(lambda x: check_address(x[1], x[2], x[3], now), remote)
        checks.update(zip([x[0] for x in remote], done, strict=True))
    rows: list[dict[str, Any]] = []
    recovered: list[dict[str, Any]] = []
    try:
        opening = _record_round(specs, checks, now, rows, recovered)
    except StaleDataError:
        raise ConflictError(
            "another probe round changed these probes while this one ran; nothing of this "
            "round was written (the next round checks again)"
        ) from None
    opened: list[dict[str, Any]] = []
    for tid in opening:
        try:
            if o := _open(tid, now):
                opened.append(o)
        except ChangeflowError as exc:  # kept in 'opening': tried again on the next round
            opened.append({"probe_id": tid, "error": str(exc)[:200]})
    sent = deliver(now) if notify else {"sent": [], "failed": [], "robots": []}
    failed = sum(1 for r in rows if r["status"] == "fail")
    errors = sum(1 for r in rows if r["status"] in ("error", "skipped"))
    down = sum(1 for r in rows if r["state"] in ("down", "opening"))
    line = (f"{len(rows)} probe(s): {len(rows) - failed - errors} passed, {failed} failed, "
            f"{errors} could not run; {len(opened)} fault(s) opened, {len(recovered)} "
            f"recovered, {down} down; {len(sent['sent'])} notice(s) sent")  # fmt: skip
    return {"at": show(now), "checked": len(rows), "synced": synced, "results": rows,
            "opened": opened, "recovered": recovered, "notices": sent, "line": line}  # fmt: skip
