"""The annual fee's money (费用结算: "甲方支付支票或现金（20000元/年）"): the schedule it falls
due on, the invoices we issue, the payments the client makes, what is due and overdue, and
a reminder to our project lead before a due date.

* The schedule: once a year (default: the whole fee due on the contract's first day) or
  instalments with due dates (``set_schedule``); the instalments add up to the annual fee.
* Invoices (发票): number (unique), date, amount; together never more than the fee plus
  what the year billed beyond it is not checked here (a plan's extra is invoiced too).
* Payments: date, amount, 支票 with its number, 现金 or 转账; paid amounts settle the
  instalments in the order they fall due.
* Reminders: ``settings.fees.remind_days`` (default 14) days before a due date, and once
  overdue, our lead gets one mail per instalment and kind.

Money is Decimal CNY rounded half-up (``tasks/money.py``); every change is one transaction
with its ``MoneyEvent``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Contract
from changeflow.db.money import FeeInstalment, Invoice, MoneyEvent, Payment, PaymentReminder
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError
from changeflow.settings import get_settings

from ..directory import find_contract
from ..inputs import clean_text
from ..money import ZERO, fmt, money, parse_money, total

METHODS = {
    "cheque": ("支票", "cheque"),
    "cash": ("现金", "cash"),
    "transfer": ("转账", "bank transfer"),
}
_METHOD_WORDS = {
    "cheque": "cheque",
    "check": "cheque",
    "支票": "cheque",
    "cash": "cash",
    "现金": "cash",
    "transfer": "transfer",
    "bank": "transfer",
    "转账": "transfer",
    "银行转账": "transfer",
}
STATUS = {
    "paid": ("已付清", "paid"),
    "part": ("部分已付", "part paid"),
    "due": ("待付", "due"),
    "overdue": ("已逾期", "overdue"),
}
REMIND_DAYS = 14


def today_local() -> date:
    return utcnow().astimezone(get_settings().tz).date()


def _contract(session: Session, code: str | None, on: date, source: str) -> Contract:
    return find_contract(session, code, on, source)


def parse_method(value: str, source: str) -> str:
    m = _METHOD_WORDS.get(str(value or "").strip().lower())
    if m is None:
        words = "支票 cheque, 现金 cash or 转账 transfer"
        raise InputError(source, "method", f"'{value}' is not {words}")
    return m


def parse_day(value: Any, source: str, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InputError(source, field, f"'{value}' is not a date like 2026-07-15") from None


def _event(
    s: Session, k: Contract, what: str, actor: str, channel: str, reason: str, data: dict[str, Any]
) -> None:
    s.add(
        MoneyEvent(
            contract_id=k.id, what=what, actor=actor, channel=channel, reason=reason, data=data
        )
    )


def parse_instalments(items: Sequence[str], source: str) -> list[tuple[date, Decimal]]:
    """``DATE=AMOUNT`` items (``2026-07-15=10000``)."""
    out = []
    for i, text in enumerate(items):
        day, sep, amount = str(text).partition("=")
        if not sep:
            raise InputError(source, f"instalment {i + 1}", f"'{text}' is not DATE=AMOUNT")
        out.append(
            (
                parse_day(day, source, f"instalment {i + 1}"),
                parse_money(amount, source, f"instalment {i + 1}"),
            )
        )
    return out


def set_schedule(
    contract: str | None,
    instalments: Sequence[tuple[date, Decimal]],
    *,
    actor: str = "changeflow",
    channel: str = "cli",
) -> dict[str, Any]:
    """The fee's due dates: one (once a year) or several instalments, inside the contract
    year, adding up to the annual fee; replaces the schedule before, in one transaction."""
    source = "fee schedule"
    if not instalments:
        raise InputError(source, "instalments", "name at least one DATE=AMOUNT")
    with transaction() as s:
        k = _contract(s, contract, today_local(), source)
        fee = money(k.annual_fee)
        days = [d for d, _ in instalments]
        if days != sorted(days) or len(set(days)) != len(days):
            raise InputError(source, "instalments", "due dates must be different and in order")
        for i, (d, a) in enumerate(instalments, start=1):
            if not k.start_date <= d <= k.end_date:
                year = f"{k.start_date} .. {k.end_date}"
                raise InputError(
                    source, f"instalment {i}", f"due {d} is outside the contract year {year}"
                )
            if a <= 0:
                raise InputError(source, f"instalment {i}", "amount must be above zero")
        got = total(a for _, a in instalments)
        if got != fee:
            raise InputError(
                source, "instalments", f"add up to ¥{fmt(got)}, not the annual fee ¥{fmt(fee)}"
            )
        for old in s.scalars(select(FeeInstalment).where(FeeInstalment.contract_id == k.id)):
            q = select(PaymentReminder).where(PaymentReminder.instalment_id == old.id)
            for r in s.scalars(q):
                s.delete(r)
            s.delete(old)
        s.flush()
        for i, (d, a) in enumerate(instalments, start=1):
            s.add(FeeInstalment(contract_id=k.id, seq=i, due_date=d, amount=a))
        rows = [{"due": d.isoformat(), "amount": format(a, "f")} for d, a in instalments]
        _event(
            s,
            k,
            "schedule",
            actor,
            channel,
            f"fee schedule: {len(rows)} instalment(s)",
            {"instalments": rows},
        )
        return {"contract": k.code, "instalments": rows}


def issue_invoice(
    contract: str | None,
    number: str,
    issued_on: Any,
    amount: Any,
    *,
    note: str = "",
    actor: str = "changeflow",
    channel: str = "cli",
) -> dict[str, Any]:
    """Record an invoice we issued (number unique, date inside or after the contract year's
    start, amount above zero)."""
    source = "invoice"
    number = clean_text(number or "", 60).strip()
    if not number:
        raise InputError(source, "number", "is required")
    day = parse_day(issued_on, source, "date")
    value = parse_money(amount, source, "amount")
    if value <= 0:
        raise InputError(source, "amount", "must be above zero")
    with transaction() as s:
        k = _contract(s, contract, day, source)
        if s.scalar(select(Invoice).where(Invoice.number == number)) is not None:
            raise InputError(source, "number", f"invoice {number} is already recorded")
        if day < k.start_date:
            raise InputError(source, "date", f"{day} is before the contract year ({k.start_date})")
        inv = Invoice(
            contract_id=k.id,
            number=number,
            issued_on=day,
            amount=value,
            note=clean_text(note or "", 2000),
            created_by=actor,
        )
        s.add(inv)
        _event(
            s,
            k,
            "invoice",
            actor,
            channel,
            f"invoice {number} ¥{fmt(value)} on {day}",
            {"number": number, "date": day.isoformat(), "amount": format(value, "f")},
        )
        return {
            "contract": k.code,
            "number": number,
            "date": day.isoformat(),
            "amount": format(value, "f"),
        }


def record_payment(
    contract: str | None,
    received_on: Any,
    amount: Any,
    method: str,
    *,
    cheque_no: str = "",
    invoice: str | None = None,
    note: str = "",
    actor: str = "changeflow",
    channel: str = "cli",
) -> dict[str, Any]:
    """Record a payment the client made: 支票 needs its number; not in the future."""
    source = "payment"
    day = parse_day(received_on, source, "date")
    value = parse_money(amount, source, "amount")
    how = parse_method(method, source)
    cheque_no = clean_text(cheque_no or "", 60).strip()
    if value <= 0:
        raise InputError(source, "amount", "must be above zero")
    if how == "cheque" and not cheque_no:
        raise InputError(source, "cheque_no", "a cheque (支票) payment needs the cheque's number")
    if how != "cheque" and cheque_no:
        raise InputError(source, "cheque_no", f"only a cheque has a number, not {how}")
    if day > today_local() + timedelta(days=1):
        raise InputError(source, "date", f"{day} is in the future")
    with transaction() as s:
        k = _contract(s, contract, day, source)
        inv = None
        if invoice:
            inv = s.scalar(select(Invoice).where(Invoice.number == invoice.strip()))
            if inv is None or inv.contract_id != k.id:
                raise InputError(source, "invoice", f"no invoice {invoice} on contract {k.code}")
        s.add(
            Payment(
                contract_id=k.id,
                received_on=day,
                amount=value,
                method=how,
                cheque_no=cheque_no,
                invoice=inv,
                note=clean_text(note or "", 2000),
                created_by=actor,
            )
        )
        words = METHODS[how][0] + (f" {cheque_no}" if cheque_no else "")
        _event(
            s,
            k,
            "payment",
            actor,
            channel,
            f"payment ¥{fmt(value)} on {day} ({words})",
            {
                "date": day.isoformat(),
                "amount": format(value, "f"),
                "method": how,
                "cheque_no": cheque_no,
                "invoice": invoice or None,
            },
        )
        return {
            "contract": k.code,
            "date": day.isoformat(),
            "amount": format(value, "f"),
            "method": how,
            "cheque_no": cheque_no,
            "invoice": invoice or None,
        }


@dataclass
class Due:
    seq: int
    due_date: date
    amount: Decimal
    paid: Decimal
    status: str  # paid | part | due | overdue
    instalment_id: int | None

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


def schedule_of(session: Session, k: Contract) -> list[FeeInstalment]:
    return list(
        session.scalars(
            select(FeeInstalment)
            .where(FeeInstalment.contract_id == k.id)
            .order_by(FeeInstalment.seq)
        )
    )


def dues(session: Session, k: Contract, today: date, *, until: date | None = None) -> list[Due]:
    """The instalments with what is paid of each (payments settle them in due order):
    paid, part paid, due, or overdue once the due date has passed."""
    rows = schedule_of(session, k)
    plan = [(r.seq, r.due_date, money(r.amount), r.id) for r in rows] or [
        (1, k.start_date, money(k.annual_fee), None)  # once a year, due on the first day
    ]
    paid = total(p.amount for p in payments_of(session, k, until=until))
    out = []
    for seq, day, amount, iid in plan:
        take = min(paid, amount)
        paid -= take
        status = "paid" if take == amount else "part" if take > 0 else "due"
        if status != "paid" and day < today:
            status = "overdue"
        out.append(Due(seq, day, amount, take, status, iid))
    return out


def payments_of(session: Session, k: Contract, *, until: date | None = None) -> list[Payment]:
    q = select(Payment).where(Payment.contract_id == k.id)
    if until:
        q = q.where(Payment.received_on <= until)
    return list(session.scalars(q.order_by(Payment.received_on, Payment.id)))


def invoices_of(session: Session, k: Contract, *, until: date | None = None) -> list[Invoice]:
    q = select(Invoice).where(Invoice.contract_id == k.id)
    if until:
        q = q.where(Invoice.issued_on <= until)
    return list(session.scalars(q.order_by(Invoice.issued_on, Invoice.id)))


def standing(
    session: Session, k: Contract, today: date, *, until: date | None = None
) -> dict[str, Any]:
    """The fee's standing: the schedule with what is paid, the invoices and payments, the
    totals, what is outstanding and overdue (as of ``today``; ``until`` counts up to it)."""
    ds = dues(session, k, today, until=until)
    invs = invoices_of(session, k, until=until)
    pays = payments_of(session, k, until=until)
    paid = total(p.amount for p in pays)
    fee = money(k.annual_fee)
    return {
        "contract": k.code,
        "annual_fee": fee,
        "currency": k.currency or "CNY",
        "schedule": [
            {
                "seq": d.seq,
                "due": d.due_date,
                "amount": d.amount,
                "paid": d.paid,
                "outstanding": d.outstanding,
                "status": d.status,
            }
            for d in ds
        ],
        "invoices": [
            {"number": i.number, "date": i.issued_on, "amount": money(i.amount), "note": i.note}
            for i in invs
        ],
        "payments": [
            {
                "date": p.received_on,
                "amount": money(p.amount),
                "method": p.method,
                "cheque_no": p.cheque_no,
                "invoice": p.invoice.number if p.invoice else None,
            }
            for p in pays
        ],
        "invoiced": total(i.amount for i in invs),
        "paid": paid,
        "outstanding": max(fee - paid, ZERO),
        "overdue": total(d.outstanding for d in ds if d.status == "overdue"),
        "next_due": next(
            (
                {"due": d.due_date, "amount": d.outstanding}
                for d in ds
                if d.status in ("due", "part")
            ),
            None,
        ),
    }


def fee_standing(contract: str | None = None, today: date | None = None) -> dict[str, Any]:
    today = today or today_local()
    with transaction() as s:
        return standing(s, _contract(s, contract, today, "fee"), today)


def remind_payments(
    contract: str | None = None, now: datetime | None = None, *, days_before: int | None = None
) -> dict[str, Any]:
    """Mail our project lead once per instalment ``settings.fees.remind_days`` (default 14)
    days before its due date while it is not paid, and once when it is overdue; a failed
    mail is tried again on the next run."""
    from ..mail import send_mail

    now = now or utcnow()
    today = now.astimezone(get_settings().tz).date()
    with transaction() as s:
        k = _contract(s, contract, today, "fee remind")
        ahead = days_before
        if ahead is None:
            ahead = int(((k.settings or {}).get("fees") or {}).get("remind_days", REMIND_DAYS))
        if not schedule_of(s, k):  # the default once-a-year instalment, stored to remind on
            s.add(
                FeeInstalment(
                    contract_id=k.id,
                    seq=1,
                    due_date=k.start_date,
                    amount=money(k.annual_fee),
                    note="once a year (default)",
                )
            )
            s.flush()
        ids = {r.seq: r.id for r in schedule_of(s, k)}
        jobs = []
        for d in dues(s, k, today):
            kind = (
                "overdue"
                if d.status == "overdue"
                else "before"
                if d.status in ("due", "part") and d.due_date - timedelta(days=ahead) <= today
                else None
            )
            if kind is None:
                continue
            iid = ids[d.seq]
            r = s.scalar(
                select(PaymentReminder).where(
                    PaymentReminder.instalment_id == iid, PaymentReminder.kind == kind
                )
            )
            if r is None:
                r = PaymentReminder(instalment_id=iid, kind=kind)
                s.add(r)
                s.flush()
            if r.sent_at is not None:
                continue
            r.sent_at = now  # claimed; reset when the mail fails
            jobs.append((r.id, kind, d))
        lead = k.our_lead
        to = [lead.email] if lead is not None and lead.email else []
        code, client = k.code, k.client.name
    sent, failed = [], []
    for rid, kind, d in jobs:
        word = "已逾期 overdue" if kind == "overdue" else "即将到期 due soon"
        subject = f"[年费{word}] {code} 第 {d.seq} 期 ¥{fmt(d.outstanding)} 到期 due {d.due_date}"
        body = "\n".join(
            [
                subject,
                f"甲方 Client: {client}",
                f"应付 Amount: ¥{fmt(d.amount)}; 已付 paid: ¥{fmt(d.paid)};"
                f" 未付 outstanding: ¥{fmt(d.outstanding)}",
                "",
                "下一步：收款后在 Prefect 界面的「收款 payment」步骤登记。",
                "Next: once paid, record it on the payment step in the Prefect UI.",
            ]
        )
        try:
            if not to:
                raise InputError(f"contract {code}", "our_lead", "no one with email")
            send_mail(to, subject, body, idempotency_key=f"fee-{code}-{d.seq}-{kind}")
            sent.append({"seq": d.seq, "kind": kind, "due": d.due_date.isoformat()})
        except Exception as exc:
            with transaction() as s:
                r = s.get(PaymentReminder, rid)
                assert r is not None
                r.sent_at, r.error = None, str(exc)[:2000]
            failed.append({"seq": d.seq, "kind": kind, "error": str(exc)})
    return {"contract": code, "sent": sent, "failed": failed}
