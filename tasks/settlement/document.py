"""The year's settlement document (年度服务结算单): rendered, signed like every document a
client signs (kind ``settlement``, subject ``<contract>/year``, versions per contract), the
issued version recorded with its event; the client fills the confirmation table (对账结果
无异议/有异议, 意见, 签字人, 日期) and returns it: the inbox, the mailbox, the hand-in page and
``changeflow settlement confirm FILE`` all reach ``record_settlement`` (the kind's recorder
in ``tasks.signoff.kinds``), which checks it the way the monthly statement's is checked
(``maintenance.statement.record_confirmation``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from changeflow.bilingual import SEVERITIES, is_zh, label, pick
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.settings import get_settings

from ..directory import find_contract
from ..maintenance.statement import Confirmable, record_confirmation
from ..money import fmt
from .fees import METHODS, STATUS
from .year import year_figures

KIND = "settlement"
YES_NO = {True: ("是", "yes"), False: ("否", "no")}


def subject_of(contract: str) -> str:
    return f"{contract}/year"


def _d(v: Decimal) -> str:
    v = Decimal(v).normalize()
    return format(v, "f") if v != 0 else "0"


def summary_lines(f: dict[str, Any], lang: str) -> list[str]:
    """The year in brief (年度服务总结), a few sentences from the figures."""
    d, fee = f["days"], f["fee"]
    faults = f["faults"]
    n = sum(x["faults"] for x in faults.values())
    missed = sum(x["response_missed"] + x["onsite_missed"] for x in faults.values())
    dev = f["development"]
    accepted = sum(1 for r in dev if r["accepted"])
    delivered = sum(1 for r in dev if r["delivered"])
    first, last = f["period"]
    zh = is_zh(lang)
    if zh:
        return [
            f"本合同年度（{first} 至 {last}）共购买服务天数 {_d(d['days_bought'])} 天，已用"
            f" {_d(d['days_used'])} 天（日常维护 {_d(d['maintenance_days'])} 天，项目开发"
            f" {_d(d['development_days'])} 天），剩余 {_d(d['days_left'])} 天。",
            f"全年处理故障 {n} 起，响应与到场时限超时 {missed} 次；已批准项目开发 {len(dev)} 项，"
            f"已交付 {delivered} 项，其中 {accepted} 项已验收。",
            f"年度服务费 ¥{fmt(fee['annual_fee'])}，已收款 ¥{fmt(fee['paid'])}，未付"
            f" ¥{fmt(fee['outstanding'])}；年费以外另行计费 ¥{fmt(f['beyond_fee'])}。",
            "续约日期：" + (str(f["renewal_date"]) if f["renewal_date"] else "合同未约定") + "。",
        ]
    return [
        f"In the contract year {first} to {last} the client bought {_d(d['days_bought'])}"
        f" service days and used {_d(d['days_used'])} (maintenance"
        f" {_d(d['maintenance_days'])}, development {_d(d['development_days'])});"
        f" {_d(d['days_left'])} are left.",
        f"{n} faults were handled, {missed} response or on-site times missed;"
        f" {len(dev)} development requests approved, {delivered} delivered, {accepted}"
        " accepted.",
        f"Annual fee ¥{fmt(fee['annual_fee'])}, received ¥{fmt(fee['paid'])}, outstanding"
        f" ¥{fmt(fee['outstanding'])}; billed beyond the annual fee ¥{fmt(f['beyond_fee'])}.",
        "Renewal date: " + (str(f["renewal_date"]) if f["renewal_date"] else "none agreed") + ".",
    ]


def _context(f: dict[str, Any], lang: str, as_of: str) -> dict[str, Any]:
    d, fee = f["days"], f["fee"]
    dash = "-"
    first, last = f["period"]
    return {
        "contract": f"{f['contract']} {f['title']}",
        "client": f["client"],
        "period": f"{first} — {last}",
        "renewal": str(f["renewal_date"] or dash),
        "as_of": as_of,
        "fee": fmt(fee["annual_fee"]),
        "invoiced": fmt(fee["invoiced"]),
        "paid": fmt(fee["paid"]),
        "outstanding": fmt(fee["outstanding"]),
        "overdue": fmt(fee["overdue"]),
        "dev_billed": fmt(f["development_billed"]),
        "overtime_billed": (
            "¥" + fmt(f["overtime_billed"])
            if f["overtime_rate"] is not None
            else pick(
                ("合同未约定加班费，不另计费", "no overtime rate in the contract: none"), lang
            )
        ),
        "beyond": fmt(f["beyond_fee"]),
        "schedule": [
            {
                "seq": i["seq"],
                "due": str(i["due"]),
                "amount": fmt(i["amount"]),
                "paid": fmt(i["paid"]),
                "status": pick(STATUS[i["status"]], lang),
            }
            for i in fee["schedule"]
        ],
        "invoices": [
            {"number": v["number"], "date": str(v["date"]), "amount": fmt(v["amount"])}
            for v in fee["invoices"]
        ]
        or [{"number": dash, "date": dash, "amount": dash}],
        "payments": [
            {
                "date": str(p["date"]),
                "amount": fmt(p["amount"]),
                "method": pick(METHODS[p["method"]], lang),
                "cheque": p["cheque_no"] or dash,
            }
            for p in fee["payments"]
        ]
        or [{"date": dash, "amount": dash, "method": dash, "cheque": dash}],
        "d": {
            "bought": _d(d["days_bought"]),
            "maint": _d(d["maintenance_days"]),
            "dev": _d(d["development_days"])
            + (
                ""
                if d["development_counts"]
                else pick(("（合同约定开发不计入）", " (not counted by the contract)"), lang)
            ),
            "used": _d(d["days_used"]),
            "left": _d(d["days_left"]),
            "planned": _d(d["planned_days"]),
            "awaiting": _d(d["awaiting_days"]),
            "overtime": _d(f["overtime_hours"]),
        },
        "faults": [
            {"severity": label(SEVERITIES, sev, lang), **row} for sev, row in f["faults"].items()
        ],
        "development": [
            {
                "key": r["key"],
                "title": r["title"],
                "person_days": _d(r["person_days"]),
                "delivered": pick(YES_NO[r["delivered"]], lang),
                "accepted": pick(YES_NO[r["accepted"]], lang),
                "billed": fmt(r["billed"]),
            }
            for r in f["development"]
        ]
        or [
            {
                "key": dash,
                "title": dash,
                "person_days": dash,
                "delivered": dash,
                "accepted": dash,
                "billed": dash,
            }
        ],
        "summary": summary_lines(f, lang),
    }


def _plain(v: Any) -> Any:
    """Figures as JSON (kept on the issued version)."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, Decimal | date):
        return str(v)
    return v


def settlement_document(
    contract: str | None = None,
    *,
    lang: str | None = None,
    now: datetime | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
) -> dict[str, Any]:
    """Render, sign and store the contract year's settlement (default: the contract in
    force today, or the one that just ended) and record the issued version, in one
    transaction."""
    from changeflow.db.money import YearSettlement, YearSettlementEvent
    from changeflow.db.store import put_document

    from ..documents.names import document_filename
    from ..signoff import sign_document
    from ..wordkit import render

    lang = lang or get_settings().lang
    now = now or utcnow()
    tz = get_settings().tz
    today = now.astimezone(tz).date()
    with transaction() as s:
        k = find_contract(s, contract, today, "settlement")
        f = year_figures(s, k, today, now)
        as_of = now.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        ctx = _context(f, lang, as_of)
        subject = subject_of(k.code)
        last = s.scalar(
            select(func.max(YearSettlement.version)).where(YearSettlement.contract_id == k.id)
        )
        version = (last or 0) + 1
        ctx["version"] = version

        def sign(doc: Any) -> None:
            sign_document(doc, kind=KIND, request=subject, version=version, lang=lang)

        title = pick(("年度服务结算单 ", "Annual Service Settlement "), lang) + k.code
        author = k.our_lead.name if k.our_lead is not None else None
        data = render(KIND, ctx, lang=lang, title=title, subject=k.code, author=author,
                      finish=sign, contract=k)  # fmt: skip
        doc = put_document(
            s,
            data,
            kind=KIND,
            request=None,
            filename=document_filename(k.code, KIND, version, lang),
            version=version,
            lang=lang,
            meta={"contract": k.code, "statement": subject},
        )
        st = YearSettlement(
            subject=subject,
            contract=k,
            version=version,
            lang=lang,
            state="issued",
            document=doc,
            issued_by=actor,
            figures=_plain(f),
        )
        st.events.append(
            YearSettlementEvent(
                from_state=None,
                to_state="issued",
                actor=actor,
                channel=channel,
                reason=f"settlement {subject} v{version} issued",
                data={"document": doc.path},
            )
        )
        s.add(st)
        s.flush()
        return {
            **_plain(f),
            "subject": subject,
            "path": doc.path,
            "version": version,
            "sha256": doc.sha256,
            "state": "issued",
            "summary": ctx["summary"],
        }


def _series(st: Any) -> Any:
    from changeflow.db.money import YearSettlement

    return YearSettlement.contract_id == st.contract_id


def _settlement() -> Confirmable:
    from changeflow.db.money import YearSettlement, YearSettlementEvent

    return Confirmable(
        KIND,
        ("年度服务结算单", "settlement"),
        "settlement",
        YearSettlement,
        YearSettlementEvent,
        _series,
        lambda st: f"SETTLEMENT-{st.contract.code}-v{st.version}-confirmed.docx",
    )


def record_settlement(returned: Any, spec: Any, data: bytes, *, filename: str, actor: str) -> Any:
    """The settlement's recorder (declared in ``tasks.signoff.kinds``): the client's
    confirmation, the returned file and the event, in one transaction, checked as the
    monthly statement's is (signature, content against what we sent, newest version, still
    waiting, signer, date, a dispute says why)."""
    return record_confirmation(_settlement(), returned, data, filename=filename, actor=actor)


def settlement_view(st: Any) -> dict[str, Any]:
    return {
        "subject": st.subject,
        "contract": st.contract.code,
        "version": st.version,
        "lang": st.lang,
        "state": st.state,
        "document": st.document.path,
        "agreed": st.agreed,
        "remarks": st.remarks,
        "signer": st.signer,
        "signed_on": st.signed_on,
        "signed_document": st.signed_document.path if st.signed_document else None,
    }


def list_settlements(contract: str | None = None) -> list[dict[str, Any]]:
    from changeflow.db.money import YearSettlement

    with transaction() as s:
        q = select(YearSettlement).order_by(YearSettlement.contract_id, YearSettlement.version)
        if contract:
            k = find_contract(s, contract, utcnow().date(), "settlements")
            q = q.where(YearSettlement.contract_id == k.id)
        return [settlement_view(st) for st in s.scalars(q)]


def confirm_settlement(path: Any, *, actor: str = "changeflow") -> dict[str, Any]:
    """``changeflow settlement confirm FILE``: the returned settlement through the signed
    round trip (the inbox and the mailbox take it too)."""
    from pathlib import Path

    from changeflow.db.money import YearSettlement

    from ..inputs import read_limited
    from ..signoff import Refused, read_returned, signable

    path = Path(path)
    data = read_limited(path)
    returned = read_returned(data, str(path))
    if returned.kind != KIND:
        raise Refused(
            str(path), "kind", f"is a {returned.kind} document, not a settlement", "unknown"
        )
    spec = signable(returned.kind)
    result = record_settlement(returned, spec, data, filename=path.name, actor=actor)
    with transaction() as s:
        st = s.scalar(
            select(YearSettlement).where(
                YearSettlement.subject == result.key, YearSettlement.version == result.version
            )
        )
        return {**settlement_view(st), "duplicate": result.duplicate}
