"""The contract's money and the year's settlement (费用结算).

Rooms:

* ``fees``: the annual fee's schedule (once a year or instalments), invoices, payments
  (支票 with its number, 现金, 转账), what is due and overdue, reminders to our lead;
* ``year``: the figures of a contract year's settlement (fee, days, overtime, development
  beyond the year, faults by severity, development delivered and accepted, renewal);
* ``document``: the settlement (年度服务结算单) rendered, signed, and the client's returned
  confirmation recorded (kind ``settlement`` in ``tasks.signoff.kinds``).
"""

from __future__ import annotations

from .document import (
    KIND,
    confirm_settlement,
    list_settlements,
    record_settlement,
    settlement_document,
)
from .fees import (
    fee_standing,
    issue_invoice,
    parse_instalments,
    record_payment,
    remind_payments,
    set_schedule,
)
from .year import year_figures

__all__ = [
    "KIND",
    "confirm_settlement",
    "fee_standing",
    "issue_invoice",
    "list_settlements",
    "parse_instalments",
    "record_payment",
    "record_settlement",
    "remind_payments",
    "set_schedule",
    "settlement_document",
    "year_figures",
]
