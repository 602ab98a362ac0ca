"""Who did an act when a form leaves 经办人 empty: our project lead of the contract.

A form's "done by" field starts empty (never a role word such as "engineer", which would end
up on the record as if it were a person). When it is left empty the act is our project lead's
(``contract.our_lead``): of the request or fault named, else of the one contract there is.
Empty when there is no such person (the record then names no one rather than a role).
"""

from __future__ import annotations

from sqlalchemy import select

from changeflow.db.models import Contract, Request
from changeflow.db.session import transaction


def our_lead_of(key: str | None = None) -> str:
    """The name of our project lead for request or fault ``key`` (or of the only contract)."""
    with transaction() as s:
        if key:
            req = s.scalar(select(Request).where(Request.key == key.strip()))
            if req is not None and req.contract is not None:
                return req.contract.our_lead.name if req.contract.our_lead else ""
        contracts = s.scalars(select(Contract)).all()
        leads = {c.our_lead.name for c in contracts if c.our_lead is not None}
        return leads.pop() if len(leads) == 1 else ""
