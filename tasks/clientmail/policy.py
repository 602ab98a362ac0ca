"""What a contract says about mail with the client, read in ONE place.

In the contract YAML (``settings``)::

    client_mail:
      send: true                       # issued documents go to the client's contact by
                                       # default (CLI --send/--no-send, UI box still work)
      remind_after_working_days: 3     # a plan or certificate not answered: one reminder
    deemed_acceptance:                 # the clause 逾期视同验收, if the contract has it
      clause: "第九条 …逾期视同验收"     # its wording, quoted in the evidence
      working_days: 10                 # from the acceptance request (the certificate sent)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from changeflow.db.models import Contract
from changeflow.errors import InputError

DEFAULT_REMIND_AFTER = 3  # working days


@dataclass(frozen=True)
class Deemed:
    clause: str
    working_days: int


def _section(contract: Contract | None, name: str) -> dict[str, Any]:
    if contract is None:
        return {}
    value = (contract.settings or {}).get(name) or {}
    if not isinstance(value, dict):
        raise InputError(f"contract {contract.code}", f"settings.{name}", "must be a mapping")
    return value


def _days(contract: Contract, path: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        raise InputError(
            f"contract {contract.code}", path, f"'{value}' is not a number of working days (1-60)"
        )
    return value


def sends_by_default(contract: Contract | None) -> bool:
    """Whether documents of this contract go to the client when issued, unasked."""
    value = _section(contract, "client_mail").get("send", False)
    if not isinstance(value, bool):
        assert contract is not None
        raise InputError(
            f"contract {contract.code}", "settings.client_mail.send", "is not true/false"
        )
    return value


def remind_after(contract: Contract) -> int:
    """Working days without an answer before the one reminder."""
    value = _section(contract, "client_mail").get("remind_after_working_days", DEFAULT_REMIND_AFTER)
    return _days(contract, "settings.client_mail.remind_after_working_days", value)


def deemed_acceptance(contract: Contract | None) -> Deemed | None:
    """The contract's 逾期视同验收 clause, or None when it has none."""
    sec = _section(contract, "deemed_acceptance")
    if not sec:
        return None
    assert contract is not None
    clause = str(sec.get("clause") or "").strip()
    if not clause:
        raise InputError(
            f"contract {contract.code}",
            "settings.deemed_acceptance.clause",
            "is required: the wording of the clause (逾期视同验收) as the contract has it",
        )
    days = _days(contract, "settings.deemed_acceptance.working_days", sec.get("working_days"))
    return Deemed(clause, days)


def wants_send(send: bool | None, contract: Contract | None) -> bool:
    """``--send`` / ``--no-send`` win; unsaid, the contract's default."""
    return sends_by_default(contract) if send is None else send
