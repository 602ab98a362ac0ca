"""Making and recording a report: version n+1 of a client's week built, rendered and stored in
one transaction, the reports a scheduled trigger makes, and the stored versions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from changeflow.db.session import transaction
from changeflow.db.store import document_path, put_document
from changeflow.db.types import utcnow
from changeflow.db.weekly import WeeklyReport
from changeflow.errors import NotFoundError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act

from ..directory import find_client
from ..documents import document_filename, document_lang
from .document import KIND, render_report, report_markdown
from .facts import build_week
from .week import clients_due, current_week, parse_week, week_label, week_start


def mail_key(client_code: str, week: str, version: int) -> str:
    """The idempotency key of one version's mail: the same key is never mailed twice."""
    return f"weekly-report/{client_code}/{week}/v{version}"


@recorded_act("weekly report", key=None, not_before=week_start)
def make_report(
    week: str | None = None,
    client: str | None = None,
    *,
    lang: str | None = None,
    actor: str = "changeflow",
    trigger: str = "cli",
    now: datetime | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """Build, render and store version n+1 of a client's week report, in one transaction."""
    lang = document_lang(lang)
    week = week or current_week(now)
    y, w = parse_week(week)
    week = week_label(y, w)
    with transaction(url) as session:
        cl = find_client(session, client, "--client")
        data = build_week(session, cl, week, now=now)
        version = (
            session.scalar(
                select(func.max(WeeklyReport.version)).where(
                    WeeklyReport.client_id == cl.id, WeeklyReport.week == week
                )
            )
            or 0
        ) + 1
        blob = render_report(data, version=version, lang=lang)
        doc = put_document(
            session,
            blob,
            kind=KIND,
            request=None,
            filename=document_filename(f"{cl.code}-{week}", KIND, version, lang),
            version=version,
            lang=lang,
            meta={"client": cl.code, "week": week, "version": version},
        )
        contract_id = data["contract"]["id"] if data["contract"] else None
        rep = WeeklyReport(
            client_id=cl.id,
            contract_id=contract_id,
            week=week,
            version=version,
            period_start=data["period_start"],
            period_end=data["period_end"],
            due_at=data["due_at"],
            lang=lang,
            document=doc,
            created_by=actor,
            trigger=trigger,
            summary=_jsonable(data["totals"])
            | {
                "risks": len(data["risks"]),
                "markdown": report_markdown(data, version=version, lang=lang),
            },
            mail_key=mail_key(cl.code, week, version),
            mail_state="not_sent",
            mail_to=((data["client_lead"] or {}).get("email") or ""),
        )
        session.add(rep)
        session.flush()
        return {
            "id": rep.id,
            "client": cl.code,
            "week": week,
            "version": version,
            "lang": lang,
            "document": str(document_path(doc)),
            "document_id": doc.id,
            "sha256": doc.sha256,
            "mail_key": rep.mail_key,
            "markdown": report_markdown(data, version=version, lang=lang),
            "data": data,
        }


def scheduled_reports(
    *,
    lang: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
    url: str | None = None,
) -> list[dict[str, Any]]:
    """The reports a scheduled trigger at ``now`` should mail: one per client whose report is
    due and not yet mailed. A report the schedule already made this week (a retried run) is
    reused rather than made again, so its mail key, recorded as sent, stops a second mail."""
    now = now or utcnow().astimezone(get_settings().tz)
    targets: list[tuple[str, str, int | None]] = []
    with transaction(url) as s:
        only = find_client(s, client, "--client").id if client else None
        for cl, week in clients_due(s, now):
            if only is not None and cl.id != only:
                continue
            prior = s.scalar(
                select(WeeklyReport.id)
                .where(
                    WeeklyReport.client_id == cl.id,
                    WeeklyReport.week == week,
                    WeeklyReport.trigger == "schedule",
                )
                .order_by(WeeklyReport.version.desc())
                .limit(1)
            )
            targets.append((cl.code, week, prior))
    out = []
    for code, week, prior in targets:
        if prior is not None:
            out.append(stored_report(prior, url=url))
        else:
            out.append(
                make_report(
                    week, code, lang=lang, actor="schedule", trigger="schedule", now=now, url=url
                )
            )
    return out


def stored_report(report_id: int, *, url: str | None = None) -> dict[str, Any]:
    """A stored report version as ``make_report`` returns it (without the week data)."""
    with transaction(url) as s:
        rep = s.get(WeeklyReport, report_id)
        if rep is None:
            raise NotFoundError(f"no weekly report {report_id}")
        doc = rep.document
        return {
            "id": rep.id,
            "client": rep.client.code,
            "week": rep.week,
            "version": rep.version,
            "lang": rep.lang,
            "document": str(document_path(doc)) if doc else "",
            "document_id": doc.id if doc else None,
            "sha256": doc.sha256 if doc else "",
            "mail_key": rep.mail_key,
            "markdown": (rep.summary or {}).get("markdown", ""),
        }


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: format(v, "f") if isinstance(v, Decimal) else v for k, v in d.items()}


def report_rows(client: str | None = None, week: str | None = None, url: str | None = None):
    """Stored report versions (newest first) for the CLI and the flow's artifact."""
    with transaction(url) as s:
        q = select(WeeklyReport).order_by(WeeklyReport.week.desc(), WeeklyReport.version.desc())
        if client:
            q = q.where(WeeklyReport.client_id == find_client(s, client, "--client").id)
        if week:
            y, w = parse_week(week)
            q = q.where(WeeklyReport.week == week_label(y, w))
        return [
            {
                "id": r.id,
                "client": r.client.code,
                "week": r.week,
                "version": r.version,
                "mail_state": r.mail_state,
                "sent_at": r.sent_at,
                "mail_key": r.mail_key,
            }
            for r in s.scalars(q)
        ]
