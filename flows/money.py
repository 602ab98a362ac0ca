"""Flows for the contract's money (费用结算): a payment or an invoice recorded from a form,
the reminders to our lead before a due date, and the year's settlement (年度服务结算单) at
the contract year's end and on demand."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field, field_validator

from changeflow.errors import ChangeflowError

from .common import bilingual_choice, code_of, outcome, publish_markdown, refused, timed_name
from .forms import flow
from .mail import mail_markdown, send_field, send_task

METHOD_CHOICES = ("cheque 支票", "cash 现金", "transfer 转账")
# who in finance records a payment or an invoice (the audit trail)
TAKEN_BY = Field("finance", title="经办人 Taken by", max_length=120)


def _unit(fn: Any, name: str) -> Any:
    return task(fn, name=name, cache_policy=NO_CACHE)


class PaymentInput(BaseModel):
    """A payment the client made (收款登记)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, title="收款 Payment")

    amount: str = Field(title="金额（元）Amount (CNY)", pattern=r"^\d{1,13}(\.\d{1,2})?$")
    received_on: date = Field(title="收款日期 Received on")
    method: Literal["cheque 支票", "cash 现金", "transfer 转账"] = Field(
        title="方式 Method", description="支票须填写支票号 / a cheque needs its number"
    )
    cheque_no: str = Field("", title="支票号 Cheque no.", max_length=60)
    invoice: str | None = Field(None, title="发票号 Invoice", max_length=60)
    contract: str | None = Field(None, title="服务合同 Contract", description="留空为当前合同")
    note: str = Field("", title="备注 Note", max_length=2000)

    @field_validator("method", mode="before")
    @classmethod
    def _bilingual(cls, v: object) -> object:
        return bilingual_choice(v, METHOD_CHOICES)


class InvoiceInput(BaseModel):
    """An invoice we issued (开票登记)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, title="发票 Invoice")

    number: str = Field(title="发票号 Invoice number", min_length=1, max_length=60)
    issued_on: date = Field(title="开票日期 Issued on")
    amount: str = Field(title="金额（元）Amount (CNY)", pattern=r"^\d{1,13}(\.\d{1,2})?$")
    contract: str | None = Field(None, title="服务合同 Contract", description="留空为当前合同")
    note: str = Field("", title="备注 Note", max_length=2000)


@flow(name="payment", flow_run_name=timed_name("payment"), log_prints=True)
def payment(
    payment: PaymentInput,
    taken_by: str = TAKEN_BY,
) -> dict[str, Any]:
    """Record a payment the client made (支票 with its number, 现金, 转账)."""
    from changeflow.tasks.settlement import fee_standing, record_payment

    try:
        r = _unit(record_payment, "record-payment")(
            payment.contract,
            payment.received_on,
            payment.amount,
            code_of(payment.method),
            cheque_no=payment.cheque_no,
            invoice=payment.invoice,
            note=payment.note,
            actor=taken_by,
            channel="ui",
        )
    except ChangeflowError as exc:
        return refused("payment", exc)
    s = fee_standing(r["contract"])
    publish_markdown(
        f"fee-{r['contract'].lower()}",
        f"# {r['contract']} 年费 Annual fee\n\n"
        f"- 已收款 Received: ¥{s['paid']}\n- 未付 Outstanding: ¥{s['outstanding']}\n"
        f"- 已逾期 Overdue: ¥{s['overdue']}\n",
        "Fee standing",
    )
    return outcome(
        f"收款 payment ¥{r['amount']} {r['date']} ({r['method']})",
        r,
        name=f"payment {r['contract']}",
    )


@flow(name="invoice", flow_run_name=timed_name("invoice"), log_prints=True)
def invoice(
    invoice: InvoiceInput,
    taken_by: str = TAKEN_BY,
) -> dict[str, Any]:
    """Record an invoice we issued."""
    from changeflow.tasks.settlement import issue_invoice

    try:
        r = _unit(issue_invoice, "issue-invoice")(
            invoice.contract,
            invoice.number,
            invoice.issued_on,
            invoice.amount,
            note=invoice.note,
            actor=taken_by,
            channel="ui",
        )
    except ChangeflowError as exc:
        return refused("invoice", exc)
    return outcome(
        f"发票 invoice {r['number']} ¥{r['amount']} {r['date']}", r, name=f"invoice {r['number']}"
    )


@flow(name="fee-reminder", flow_run_name=timed_name("fee-reminder"), log_prints=True)
def fee_reminder(
    contract: str | None = Field(None, title="服务合同 Contract"),
) -> dict[str, Any]:
    """Mail our project lead about instalments due soon or overdue (once each)."""
    from changeflow.tasks.settlement import remind_payments

    r = _unit(remind_payments, "remind-payments")(contract)
    print(f"reminders sent: {len(r['sent'])}, failed: {len(r['failed'])}")
    if r["failed"]:
        raise RuntimeError(f"fee reminder not sent: {r['failed'][0]['error']}")
    return r


@flow(name="settlement", flow_run_name=timed_name("settlement"), log_prints=True)
def settlement(
    contract: str | None = Field(None, title="服务合同 Contract", description="留空为当前合同"),
    only_at_year_end: bool = Field(
        True,
        title="仅在合同年度最后一个月（定时）Only in the year's last month (scheduled)",
        description="立即生成请取消勾选 / untick to make it now",
    ),
    send: bool = send_field(),
) -> dict[str, Any]:
    """The year's settlement (年度服务结算单) for the client to confirm."""
    from changeflow.db.session import transaction
    from changeflow.tasks.directory import find_contract
    from changeflow.tasks.settlement import settlement_document
    from changeflow.tasks.settlement.fees import today_local

    today = today_local()
    if only_at_year_end:
        with transaction() as s:
            try:
                k = find_contract(s, contract, today, "settlement")
            except ChangeflowError as exc:
                return refused("settlement", exc)
            end = k.end_date
        if (end.year, end.month) != (today.year, today.month):
            print(f"not the contract year's last month ({end:%Y-%m}): nothing made")
            return {"made": False, "year_end": end.isoformat()}
    try:
        r = _unit(settlement_document, "settlement-document")(contract, channel="ui")
    except ChangeflowError as exc:
        return refused("settlement", exc)
    mail = r["mail"] = send_task(r, send, "settlement", "path")
    publish_markdown(
        f"settlement-{r['contract'].lower()}",
        "\n".join(
            [
                f"# 年度服务结算单 Settlement {r['subject']} v{r['version']}",
                "",
                *r["summary"],
                "",
                f"文件 Document: `{r['path']}`",
                mail_markdown(mail),
            ]
        ),
        "Annual settlement",
    )
    return r
