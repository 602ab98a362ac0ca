"""A service request's response target from the contract.

``settings.service_requests`` may set ``response_minutes`` / ``response_clock`` (default: the
non-crash response clock of the contract's SLA) and ``urgent_response_minutes`` /
``urgent_response_clock`` (default: the crash response clock) for a request marked urgent.
"""

from __future__ import annotations

from typing import Any

from changeflow.errors import InputError

from .. import sla

FIELDS = ("response_minutes", "response_clock", "urgent_response_minutes", "urgent_response_clock")


def service_settings(contract: Any) -> dict[str, Any]:
    raw = (contract.settings or {}).get("service_requests") or {}
    source = f"contract {contract.code}"
    if not isinstance(raw, dict):
        raise InputError(source, "settings.service_requests", "must be a mapping")
    bad = set(raw) - set(FIELDS)
    if bad:
        raise InputError(source, f"settings.service_requests.{sorted(bad)[0]}", "unknown field")
    return raw


def response_rule(contract: Any, urgent: bool) -> sla.ClockRule:
    policy = sla.policy_for(contract)
    base = policy.crash.response if urgent else policy.non_crash.response
    raw = service_settings(contract)
    prefix = "urgent_" if urgent else ""
    minutes = raw.get(f"{prefix}response_minutes", base.minutes)
    clock = raw.get(f"{prefix}response_clock", base.clock)
    source, where = f"contract {contract.code}", f"settings.service_requests.{prefix}response"
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= 86400:
        raise InputError(source, f"{where}_minutes", f"'{minutes}' is not 1..86400 minutes")
    if clock not in sla.CLOCK_KINDS:
        raise InputError(
            source, f"{where}_clock", f"'{clock}' is not always, service or working-days"
        )
    return sla.ClockRule(minutes, clock)
