"""The monthly SLA statement (月度服务对账单) the client receives and confirms.

``sla_report_document`` renders the month's report (``reports.sla_report``) as a Word
statement, signs it like every document a client signs (``tasks.signoff``: kind
``sla-report``, subject ``<contract>/<month>``, versions per contract and month) and records
the issued version (``SlaStatement``) with its event. The client fills the confirmation
table (对账结果 无异议/有异议, 意见, 签字人, 日期) and sends the file back; the inbox, the
hand-in page and ``changeflow sla confirm FILE`` all reach ``record_statement`` (named as
the kind's recorder in ``tasks.signoff.kinds``), which checks the signature, the content
against the version we sent, that it is the newest version and still waiting, the date, and
records the confirmation, the returned file and the event in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from changeflow.bilingual import CLOCK_KINDS, CLOCK_STATES, CLOCKS, is_zh, pick
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import month_end, recorded_act

from ..directory import find_contract
from .common import clock_length, iso_local, minutes_text
from .reports import month_range, sla_report

KIND = "sla-report"
STATE_LABEL = {
    "issued": ("待甲方确认", "waiting for the client"),
    "agreed": ("甲方无异议", "agreed by the client"),
    "disputed": ("甲方有异议", "disputed by the client"),
}


def subject_of(contract: str, month: str) -> str:
    """What a statement is signed for: ``OA-2026/2026-09``."""
    return f"{contract}/{month}"


def _when(text: str | None, lang: str, missing: str = "") -> str:
    """A moment of the month as the statement shows it: 12月5日 18:29 (12-05 18:29); the
    month and year are in the heading."""
    if not text:
        return missing
    from datetime import datetime as _dt

    try:
        t = _dt.fromisoformat(text[:16].replace(" ", "T"))
    except ValueError:
        return text
    return f"{t.month}月{t.day}日 {t:%H:%M}" if is_zh(lang) else f"{t:%m-%d %H:%M}"


def _overtime(hours: Any, lang: str) -> str:
    """Overtime in the unit a reader expects (5 分钟, 1 小时 30 分钟), 无 when none."""
    from decimal import Decimal

    from changeflow.wording import minutes_label

    minutes = int((Decimal(str(hours or 0)) * 60).to_integral_value())
    if not minutes:
        return "无" if is_zh(lang) else "none"
    return minutes_label(minutes, lang)


def _open_text(n: int, overdue: int, lang: str) -> str:
    """Clocks still running: 2, or 2（其中 1 个已过期）."""
    if not overdue:
        return str(n)
    return f"{n}（其中 {overdue} 个已过期）" if is_zh(lang) else f"{n} ({overdue} past due)"


def _context(r: dict[str, Any], lang: str) -> dict[str, Any]:
    """The template's context from the month's report."""
    zh = is_zh(lang)
    i = 0 if zh else 1
    sd = r["service_days"] or {}
    rows, pauses = [], []
    for f in r["fault_rows"]:
        for name, c in f["clocks"].items():
            # the state, and under it the time used: a narrow column holds each whole
            if c["status"] == "open":
                used = f"{'已用' if zh else 'used'} {clock_length(c['used_minutes'], zh)}"
                used += ("，已过期" if zh else ", past due") * c["past_due"]
                state = pick(CLOCK_STATES["open"], lang)
            else:
                used = clock_length(c["used_minutes"], zh)
                state = pick(CLOCK_STATES[c["status"]], lang)
            result_lines = [state, f"（{used}）" if zh else f"({used})"]
            result = state + ("" if zh else " ") + result_lines[1]
            rule = clock_length(c["minutes"], zh) + ("，" if zh else ", ")
            rule += pick(CLOCK_KINDS[c["clock"]], lang)
            if name == "onsite" and f.get("onsite_requested"):
                asked = _when(f["onsite_requested"], lang)
                rule = f"甲方要求 {asked} 到场" if zh else f"client asked: on site by {asked}"
            rows.append(
                {
                    "key": f["key"],
                    "title": f["title"],
                    "clock": pick(CLOCKS[name], lang),
                    "rule": rule,
                    "due": _when(c["due"], lang),
                    "actual": _when(c["stopped_at"], lang),
                    "result": result,
                    "result_lines": result_lines,
                }
            )
        for p in f["pauses"]:
            pauses.append(
                {
                    "key": f["key"],
                    "start": _when(p["from"], lang),
                    "end": _when(p["to"], lang, "未结束" if zh else "still open"),
                    "reason": p["reason"] or "-",
                }
            )
    sep = "、" if zh else ", "
    verdict = {True: ("是", "yes"), False: ("否（不计）", "no (not counted)"),
               "done": ("待验收（不计）", "waiting (not counted)"),
               "planned": ("未完成（不计）", "not done (not counted)")}  # fmt: skip
    orders = [
        {
            "number": o["number"],
            "title": o["title"],
            "day": f"{o['day'].month}月{o['day'].day}日" if zh else o["day"].isoformat()[5:],
            "staff": sep.join(o["engineers"]) or "-",
            "days": o["days"],
            "overtime": _overtime(o["overtime_hours"], lang),
            "accepted": verdict[bool(o["accepted"]) if o["state"] == "signed" else o["state"]][i],
        }
        for o in sd.get("orders", [])
    ]
    return {
        "orders": orders,
        "month": f"{int(r['month'][:4])}年{int(r['month'][5:7])}月" if zh else r["month"],
        "contract": sd.get("contract", r["contract"] or "-"),
        "client": sd.get("client", "-"),
        "as_of": r["as_of"][:16],
        "faults": r["faults"],
        "month_days": sd.get("month_days", "-"),
        "year_days": (
            f"{sd['days_used']} / {sd['days_left']} / {sd['service_days_per_year']}" if sd else "-"
        ),
        "month_money": _month_money(sd, zh),
        "summary": [
            {
                "name": pick(CLOCKS[n], lang),
                "faults": c["faults"],
                "met": c["met"],
                "breached": c["breached"],
                "open": _open_text(c["open"], c["overdue"], lang),
                "percent": "-" if c["met_percent"] is None else f"{c['met_percent']}%",
            }
            for n, c in r["clocks"].items()
        ],
        "rows": rows,
        "pauses": pauses,
        "breaches": [
            {
                "key": b["key"],
                "clock": pick(CLOCKS[b["clock"]], lang),
                "over": minutes_text(b["over_minutes"]),
                "cause": b["cause"],
            }
            for b in r["breaches"]
        ],
    }


def _month_money(sd: dict[str, Any], zh: bool) -> str:
    """The month's money the contract ties to it: overtime billed (only at a rate the
    contract names) and development beyond the year's days approved this month."""
    from ..money import fmt

    if not sd or "month_overtime_hours" not in sd:
        return "-"
    hours, rate = sd["month_overtime_hours"], sd["month_overtime_rate"]
    if rate is None:
        ot = (
            f"加班 {hours} 小时（合同未约定加班费，不另计费）"
            if zh
            else f"overtime {hours} h (no overtime rate in the contract: not billed)"
        )
    else:
        ot = (
            f"加班 {hours} 小时 × ¥{fmt(rate)} = ¥{fmt(sd['month_overtime_billed'])}"
            if zh
            else f"overtime {hours} h × ¥{fmt(rate)} = ¥{fmt(sd['month_overtime_billed'])}"
        )
    dev = fmt(sd["month_development_billed"])
    return ot + (
        f"；超出年度服务天数的开发 ¥{dev}（含税）"
        if zh
        else f"; development beyond the year's days ¥{dev} (incl. tax)"
    )


def _watch(code: str, month: str, lang: str, now: datetime | None) -> list[str]:
    """The month's probe availability, visit checks and backups verified (none: no lines)."""
    from ..systemwatch import watch_lines, watch_summary

    first, last = month_range(month)
    return watch_lines(watch_summary(code, first, last, now=now), lang)


@recorded_act("statement", key=None, not_before=month_end)
def sla_report_document(
    month: str,
    contract: str | None = None,
    *,
    lang: str | None = None,
    now: datetime | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
) -> dict[str, Any]:
    """Render, sign and store the monthly SLA statement of one contract (default: the one
    in force in that month) and record the issued version, in one transaction: each
    fault's clocks, pauses and reasons, breaches and causes, open clocks as open with their
    elapsed time, the month's service days, and the confirmation table the client fills."""
    from changeflow.db.maintenance import SlaStatement, SlaStatementEvent
    from changeflow.db.store import put_document
    from changeflow.docs_templates.tpl_slareport import INTERIM_TITLE, TITLE

    from ..documents.names import document_filename
    from ..signoff import sign_document
    from ..wordkit import render

    lang = lang or get_settings().lang
    first, _ = month_range(month)
    with transaction() as s:
        code = find_contract(s, contract, first, "sla report").code
    now = now or utcnow()
    r = sla_report(month, code, now)
    ctx = _context(r, lang)
    # made before its month ends: an interim statement (期中), and it says so; the month's
    # statement proper is the one made after the month ends (acttime.month_end)
    end = month_end({"month": r["month"]})
    ctx["interim"] = bool(end and now < end[0])
    from ..training.summary import training_line

    ctx["training_line"] = training_line(code, first, month_range(month)[1], lang)
    ctx["watch"] = _watch(code, month, lang, now)
    subject = subject_of(code, r["month"])
    with transaction() as s:
        k = find_contract(s, code, first, "sla report")
        last = s.scalar(
            select(func.max(SlaStatement.version)).where(
                SlaStatement.contract_id == k.id, SlaStatement.month == r["month"]
            )
        )
        version = (last or 0) + 1
        ctx["version"] = version  # the house header shows it
        from ..servicereq.reports import period_services

        ctx["services"] = period_services(s, k.id, first, month_range(month)[1], lang)

        def sign(doc: Any) -> None:
            sign_document(doc, kind=KIND, request=subject, version=version, lang=lang)

        title = pick(TITLE, lang) + pick(INTERIM_TITLE, lang) * ctx["interim"]
        title += " " + ctx["month"]
        author = k.our_lead.name if k.our_lead is not None else None
        data = render(KIND, ctx, lang=lang, title=title, subject=code, author=author,
                      finish=sign, contract=k)  # fmt: skip
        doc = put_document(
            s,
            data,
            kind=KIND,
            request=None,
            filename=document_filename(f"{code}-{r['month']}", KIND, version, lang),
            version=version,
            lang=lang,
            meta={"month": r["month"], "contract": code, "statement": subject},
        )
        st = SlaStatement(
            subject=subject,
            contract=k,
            month=r["month"],
            version=version,
            lang=lang,
            state="issued",
            document=doc,
            issued_by=actor,
        )
        st.events.append(
            SlaStatementEvent(
                from_state=None,
                to_state="issued",
                actor=actor,
                channel=channel,
                reason=f"statement {subject} v{version} issued",
                data={"faults": r["faults"], "as_of": r["as_of"], "document": doc.path},
            )
        )
        s.add(st)
        s.flush()
        return {
            **r,
            "contract": code,
            "subject": subject,
            "path": doc.path,
            "version": version,
            "sha256": doc.sha256,
            "state": "issued",
        }


def statement_view(st: Any) -> dict[str, Any]:
    return {
        "subject": st.subject,
        "contract": st.contract.code,
        "month": st.month,
        "version": st.version,
        "lang": st.lang,
        "state": st.state,
        "document": st.document.path,
        "issued_at": iso_local(st.issued_at),
        "agreed": st.agreed,
        "remarks": st.remarks,
        "signer": st.signer,
        "signed_on": st.signed_on,
        "signed_document": st.signed_document.path if st.signed_document else None,
    }


def first_day(month: str | None) -> Any:

    return month_range(month)[0] if month else utcnow().astimezone(get_settings().tz).date()


def list_statements(contract: str | None = None, month: str | None = None) -> list[dict]:
    """Every issued statement (newest version last), with the client's confirmation."""
    from changeflow.db.maintenance import SlaStatement

    with transaction() as s:
        q = select(SlaStatement).order_by(SlaStatement.month, SlaStatement.version)
        if contract:
            k = find_contract(s, contract, first_day(month), "sla statements")
            q = q.where(SlaStatement.contract_id == k.id)
        if month:
            q = q.where(SlaStatement.month == f"{month_range(month)[0]:%Y-%m}")
        return [statement_view(st) for st in s.scalars(q)]


def confirm_statement(path: Any, *, actor: str = "changeflow") -> dict[str, Any]:
    """``changeflow sla confirm FILE``: the statement the client returned, read and recorded
    through the signed round trip like every signed document (the inbox takes it too)."""
    from pathlib import Path

    from ..inputs import read_limited
    from ..signoff import Refused, read_returned, signable

    path = Path(path)
    source = str(path)
    data = read_limited(path)
    returned = read_returned(data, source)
    if returned.kind != KIND:
        raise Refused(
            source, "kind", f"is a {returned.kind} document, not an SLA statement", "unknown"
        )
    spec = signable(returned.kind)
    result = record_statement(returned, spec, data, filename=path.name, actor=actor)
    from changeflow.db.maintenance import SlaStatement

    with transaction() as s:
        st = s.scalar(
            select(SlaStatement).where(
                SlaStatement.subject == result.key, SlaStatement.version == result.version
            )
        )
        return {**statement_view(st), "duplicate": result.duplicate}


@dataclass(frozen=True)
class Confirmable:
    """A document the client confirms in the statement's table (对账结果, 意见, 签字人, 日期):
    the monthly SLA statement, the year's settlement. What differs between them: the kind,
    the table of issued versions and its events, how the versions of one series are found,
    the name of the returned file, and what a dispute does."""

    kind: str
    name: tuple[str, str]  # (zh-CN, en) for the messages
    noun: str  # "statement", "settlement"
    model: Any  # SlaStatement | YearSettlement
    event: Any  # its event model
    series: Callable[[Any], Any]  # st -> the where-clause of its versions
    returned_name: Callable[[Any], str]
    # a dispute is told after the transaction: on_dispute(*dispute_args(st), signer=, ...)
    on_dispute: Callable[..., None] | None = None
    dispute_args: Callable[[Any], tuple[Any, ...]] = lambda st: (st.id,)


def _statement_series(st: Any) -> Any:
    from changeflow.db.maintenance import SlaStatement

    return (SlaStatement.contract_id == st.contract_id) & (SlaStatement.month == st.month)


def _statement() -> Confirmable:
    from changeflow.db.maintenance import SlaStatement, SlaStatementEvent

    return Confirmable(
        KIND, ("月度服务对账单", "monthly service statement"), "statement", SlaStatement,
        SlaStatementEvent, _statement_series,
        lambda st: f"SLA-{st.contract.code}-{st.month}-confirmed.docx",
        on_dispute=_tell_dispute,
        dispute_args=lambda st: (st.id, st.contract.code, st.month, st.version),
    )  # fmt: skip


def record_statement(returned: Any, spec: Any, data: bytes, *, filename: str, actor: str) -> Any:
    """The statement's recorder (declared in ``tasks.returned.RECORDERS``): the client's
    confirmation (agreed or disputed, remarks, signer, date), the returned file and the
    statement's event, in one transaction. The same file again is a duplicate (nothing new);
    an older version, a changed content, a statement already confirmed, a date before the
    statement was issued or in the future, a dispute without a word, are refused."""
    return record_confirmation(_statement(), returned, data, filename=filename, actor=actor)


def record_confirmation(
    c: Confirmable, returned: Any, data: bytes, *, filename: str, actor: str
) -> Any:
    """A returned confirmation of ``c``'s kind, checked and recorded in one transaction
    (the steps below, in order); a dispute is then told (``c.on_dispute``)."""
    from changeflow.db.store import document_path, sha256_bytes

    from ..signoff import check_content, verify_stored

    source, sha = returned.source, sha256_bytes(data)
    with transaction() as s:
        st = _issued_version(s, c, returned)
        if st.evidence_sha256 == sha:
            return _result(c, st, st.signed_document.path if st.signed_document else None, True)
        _check_newest(s, c, st, source)
        check_content(returned, verify_stored(document_path(st.document).read_bytes(),
                                              st.document.path, c.kind))  # fmt: skip
        _check_waiting(c, st, source)
        agreed, remarks, signer, signed_on = _read_confirmation(
            returned.signoff_raw, st, source, c.noun
        )
        stored = _store_returned(s, c, st, data, filename)
        _apply(c, st, returned, stored, sha, (agreed, remarks, signer, signed_on), actor,
               filename)  # fmt: skip
        s.flush()
        out = _result(c, st, stored.path)
        dispute = None if agreed or c.on_dispute is None else c.dispute_args(st)
    if dispute is not None and c.on_dispute is not None:
        c.on_dispute(*dispute, signer=signer, signed_on=signed_on, remarks=remarks)
    return out


def _result(c: Confirmable, st: Any, stored_path: str | None, duplicate: bool = False) -> Any:
    from ..signoff import DecisionResult

    return DecisionResult(
        key=st.subject,
        kind=c.kind,
        version=st.version,
        decision="approve" if st.agreed else "reject",
        state=st.state,
        approver=st.signer,
        decided_on=st.signed_on,
        comment=st.remarks,
        channel="document",
        evidence_sha256=st.evidence_sha256,
        evidence=stored_path,
        approval_id=0,
        duplicate=duplicate,
    )


def _issued_version(s: Any, c: Confirmable, returned: Any) -> Any:
    """The issued version the file names (locked), or refused as unknown."""
    from ..signoff import Refused

    m = c.model
    st = s.scalar(
        select(m)
        .where(m.subject == returned.request, m.version == returned.version,
               m.lang == returned.lang)
        .with_for_update()
    )  # fmt: skip
    if st is None:
        raise Refused(
            returned.source,
            "version",
            f"we have no record of sending the {c.name[1]} {returned.request} v{returned.version}",
            "unknown",
        )
    return st


def _check_newest(s: Any, c: Confirmable, st: Any, source: str) -> None:
    from ..signoff import Refused

    newest = s.scalar(select(func.max(c.model.version)).where(c.series(st)))
    if newest and st.version < newest:
        raise Refused(
            source,
            "version",
            f"this is the {c.name[1]} {st.subject} v{st.version}, but v{newest} has been"
            " sent since: only the newest version can be confirmed",
            "stale",
        )


def _check_waiting(c: Confirmable, st: Any, source: str) -> None:
    from ..signoff import Refused

    if st.state != "issued":
        verb = "agreed to" if st.agreed else "disputed"
        raise Refused(
            source,
            "result",
            f"the {c.name[1]} {st.subject} v{st.version} was already {verb} by"
            f" {st.signer} on {st.signed_on}; nothing new was recorded",
            "decided",
        )


def _read_confirmation(
    raw: dict[str, str], st: Any, source: str, noun: str = "statement"
) -> tuple[bool, str, str, Any]:
    """The client's cells: the result, remarks (required for a dispute), signer, date (not
    before the version was issued, not in the future)."""
    from ..inputs import clean_text
    from ..signoff import Refused, parse_agreed, parse_date, today_local

    agreed = parse_agreed(raw.get("result", ""), source)
    remarks = clean_text(raw.get("remarks", ""), 4000)
    signer = clean_text(raw.get("signer", ""), 120)
    if not signer:
        raise Refused(source, "signer", "is blank: the signer's name is required", "approver")
    issued_on = st.issued_at.astimezone(get_settings().tz).date()
    # a date written without its year (12月6日) is read only if one year fits
    signed_on = parse_date(
        raw.get("date", ""), source, window=(issued_on, today_local() + timedelta(days=1))
    )
    if signed_on < issued_on:
        raise Refused(
            source,
            "date",
            f"{signed_on} is before the {noun} v{st.version} was issued ({issued_on})",
            "date",
        )
    if signed_on > today_local() + timedelta(days=1):
        raise Refused(source, "date", f"{signed_on} is in the future", "date")
    if not agreed and not remarks:
        raise Refused(
            source,
            "remarks",
            "is blank: a disputed statement needs the remarks saying what is disputed"
            " (有异议时请在意见栏写明)",
            "decision",
        )
    return agreed, remarks, signer, signed_on


def _store_returned(s: Any, c: Confirmable, st: Any, data: bytes, filename: str) -> Any:
    from changeflow.db.store import put_document

    return put_document(
        s,
        data,
        kind=f"{c.kind}-returned",
        request=None,
        filename=c.returned_name(st),
        version=st.version,
        lang=st.lang,
        meta={"statement": st.subject, "version": st.version, "original_name": filename},
    )


def _apply(
    c: Confirmable, st: Any, returned: Any, stored: Any, sha: str,
    answer: tuple[bool, str, str, Any], actor: str, filename: str,
) -> None:  # fmt: skip
    """The confirmation written on the version, with its event."""
    agreed, remarks, signer, signed_on = answer
    before = st.state
    st.state = "agreed" if agreed else "disputed"
    st.agreed, st.remarks, st.signer, st.signed_on = agreed, remarks, signer, signed_on
    st.signed_document, st.evidence_sha256 = stored, sha
    st.events.append(
        c.event(
            from_state=before,
            to_state=st.state,
            actor=actor,
            channel="document",
            reason=f"{c.name[1]} v{st.version} {'agreed' if agreed else 'disputed'} by"
            f" {signer} on {signed_on}" + (f": {remarks}" if remarks else ""),
            evidence_sha256=sha,
            data={"signer": signer, "raw": dict(returned.signoff_raw), "kid": returned.kid,
                  "source": filename, "evidence_document": stored.path},
        )
    )  # fmt: skip


def _tell_dispute(
    statement_id: int, contract: str, month: str, version: int, *, signer: str,
    signed_on: Any, remarks: str,
) -> None:  # fmt: skip
    """A disputed statement is told to our project lead and the duty staff by mail (once:
    the mail's key is the statement version); a failed mail is noted on the statement's
    trail, the dispute itself stays recorded."""
    from changeflow.db.maintenance import SlaStatement, SlaStatementEvent

    from .notices import duty_staff, email_addresses, send

    subject = f"[对账单有异议 statement disputed] {contract} {month} v{version}: {signer}"
    body = "\n".join(
        [
            subject,
            f"签字人 Signed by: {signer}, {signed_on}",
            f"意见 Remarks: {remarks}",
            "",
            f"下一步：核对 {month} 的对账单，答复甲方意见后重新出具"
            "（Prefect 界面「月度对账单」步骤）。",
            f"Next: check the {month} statement, answer the client's remarks and issue it again"
            " (the sla-report step in the Prefect UI).",
        ]
    )
    with transaction() as s:
        st = s.get(SlaStatement, statement_id)
        assert st is not None
        to = email_addresses([st.contract.our_lead, *duty_staff(s, st.contract)])
    try:
        if not to:
            raise InputError(f"contract {contract}", "our_lead", "no one with email")
        send(to, subject, body, f"statement-{contract}-{month}-v{version}-disputed")
    except Exception as exc:  # the dispute is recorded; say the mail did not go
        with transaction() as s:
            st = s.get(SlaStatement, statement_id)
            assert st is not None
            st.events.append(
                SlaStatementEvent(
                    from_state=st.state, to_state=st.state, actor="changeflow",
                    channel="mail", reason=f"the dispute mail was not sent: {exc}"[:2000],
                )
            )  # fmt: skip
