"""The payment and invoice forms: bilingual choices, the bare code accepted, bad input named."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from changeflow.flows.money import InvoiceInput, PaymentInput


def test_payment_form_takes_the_bilingual_choice_and_the_code() -> None:
    a = PaymentInput(amount="10000.00", received_on=date(2026, 7, 20), method="cheque 支票",
                     cheque_no="12345678")  # fmt: skip
    b = PaymentInput(amount="10000", received_on=date(2026, 7, 20), method="transfer")
    assert (a.method, b.method) == ("cheque 支票", "transfer 转账")
    assert PaymentInput.model_json_schema()["properties"]["method"]["title"] == "方式 Method"


@pytest.mark.parametrize("amount", ["1.234", "-5", "ten", "1e3"])
def test_payment_form_refuses_what_is_not_an_amount(amount: str) -> None:
    with pytest.raises(ValidationError, match="amount"):
        PaymentInput(amount=amount, received_on=date(2026, 7, 20), method="cash")


def test_invoice_form_needs_a_number() -> None:
    with pytest.raises(ValidationError, match="number"):
        InvoiceInput(number="", issued_on=date(2026, 7, 10), amount="10000")


@pytest.mark.prefect
def test_payment_and_settlement_flows_on_a_real_server(prefect_server: str, contract: str) -> None:
    from changeflow.flows import money
    from changeflow.tasks.settlement import fee_standing, list_settlements

    state = money.payment(
        payment=PaymentInput(amount="20000", received_on=date(2026, 7, 20), method="cash"),
        return_state=True,
    )
    assert state.is_completed(), state.message
    assert fee_standing("OA-2026", today=date(2026, 12, 6))["paid"] == 20000
    bad = money.payment(
        payment=PaymentInput(amount="100", received_on=date(2026, 7, 21), method="cheque"),
        return_state=True,
    )
    assert bad.is_failed() and not bad.is_crashed() and "cheque_no" in bad.message
    assert "\n" not in bad.message
    # scheduled: not the year's last month, nothing made; on demand: made
    state = money.settlement(contract="OA-2026", return_state=True)
    assert state.is_completed() and list_settlements("OA-2026") == []
    state = money.settlement(contract="OA-2026", only_at_year_end=False, return_state=True)
    assert state.is_completed(), state.message
    assert [s["version"] for s in list_settlements("OA-2026")] == [1]
