"""An upgrade's plan approved or rejected by the client, and its record after (升级记录).

The returned plan is read and verified by the signed round trip (``tasks.signoff``: the
signature, the content against the version we sent, the decision table's 决定, 审批人,
日期, 意见); the kinds table names ``record_upgrade_approval`` as the recorder of kind
``upgrade`` (``tasks.returned.RECORDERS``), so the inbox, ``changeflow approve FILE`` and
``changeflow upgrade approve FILE`` take the same path. Only an approved upgrade is carried
out and recorded: the record (``record_upgrade``) holds the window as it was, each check and
access test with its result and the outcome (done or rolled back), rendered and stored in the
same transaction as the change's state and its audit record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from changeflow.bilingual import is_zh, pick
from changeflow.db.session import transaction
from changeflow.errors import ConflictError, InputError
from changeflow.settings import get_settings

from ..acttime import parse_when, show
from ..documents import document_filename, store_issued
from ..inputs import clean_text
from .plans import KIND, find_change, plan_context, upgrade_event, upgrade_view

OUTCOMES = {"done": ("完成", "done"), "rolled_back": ("已回退", "rolled back")}
OK_WORDS = ("ok", "pass", "通过", "正常", "成功", "yes")
FAIL_WORDS = ("不通过", "未通过", "失败", "异常", "fail", "not ok")


def passed(text: str) -> bool:
    """A result passes when it says so (通过, 正常, ok ...) and says nothing of failing."""
    t = text.strip().lower()
    return not any(w in t for w in FAIL_WORDS) and any(w in t for w in OK_WORDS)


def approve_upgrade_file(path: Any, *, actor: str = "changeflow") -> dict[str, Any]:
    """``changeflow upgrade approve FILE``: the returned plan, read and recorded through the
    signed round trip like every signed document."""
    from ..inputs import read_limited
    from ..signoff import Refused, read_returned, signable

    path = Path(path)
    data = read_limited(path)
    returned = read_returned(data, str(path))
    if returned.kind != KIND:
        raise Refused(str(path), "kind", f"is a {returned.kind} document, not an upgrade plan",
                      "unknown")  # fmt: skip
    result = record_upgrade_approval(returned, signable(KIND), data, filename=path.name,
                                     actor=actor)  # fmt: skip
    with transaction() as s:
        return upgrade_view(find_change(s, result.key))


def record_upgrade_approval(
    returned: Any, spec: Any, data: bytes, *, filename: str, actor: str
) -> Any:
    """The upgrade plan's recorder: the decision, the returned file and the event, in one
    transaction."""
    from changeflow.db.models import Document
    from changeflow.db.store import document_path, put_document, sha256_bytes

    from ..signoff import (
        DecisionResult,
        Refused,
        check_content,
        parse_signoff,
        today_local,
        verify_stored,
    )

    source, number, version = returned.source, returned.request, returned.version
    sha = sha256_bytes(data)
    with transaction() as s:
        row = find_change(s, number, lock=True)
        sent = next(
            (d for d in s.scalars(select(Document).where(
                Document.kind == KIND, Document.version == version, Document.lang == returned.lang))
             if (d.meta or {}).get("upgrade") == row.number),
            None,
        )  # fmt: skip
        if sent is None:
            raise Refused(source, "version", f"no issued upgrade plan {number} v{version}",
                          "unknown")  # fmt: skip
        if row.document_id != sent.id:
            raise Refused(source, "version", f"v{version} was replaced by a newer version", "stale")
        check_content(returned, verify_stored(document_path(sent).read_bytes(), sent.path, KIND))
        if row.state != spec.awaiting:
            raise Refused(source, "state", f"upgrade {number} is {row.state} already", "decided")
        tz = get_settings().tz
        so = parse_signoff(
            returned.signoff_raw, source,
            window=(sent.created_at.astimezone(tz).date(), today_local() + timedelta(days=1)),
        )  # fmt: skip
        stored = put_document(
            s, data, kind="upgrade-returned", request=None,
            filename=document_filename(row.number, "upgrade-returned", version, returned.lang),
            meta={"upgrade": row.number, "version": version},
        )  # fmt: skip
        row.approver, row.decided_on, row.comment = so.approver, so.decided_on, so.comment
        row.signed_document = stored
        to = spec.on_approve if so.decision == "approve" else spec.on_reject
        upgrade_event(
            row, to, actor=actor, channel="document", reason=so.comment or to,
            evidence_sha256=sha, data={"approver": so.approver, "raw": so.raw},
        )  # fmt: skip
        s.flush()
        return DecisionResult(
            key=row.number, kind=KIND, version=version, decision=so.decision, state=row.state,
            approver=so.approver, decided_on=so.decided_on, comment=so.comment,
            channel="document", evidence_sha256=sha, evidence=stored.path, approval_id=0,
        )  # fmt: skip


def _results(row: Any, given: Sequence[str], source: str) -> list[dict[str, Any]]:
    """Each planned check and access test with its result: ``N=text`` (N: its number in
    checks then tests, 1-based); every item needs one."""
    items = [*row.checks, *row.tests]
    found: dict[int, str] = {}
    for g in given:
        no, sep, text = str(g).partition("=")
        if not sep or not no.strip().isdigit() or not 1 <= int(no) <= len(items):
            raise InputError(source, "results", f"'{g}' is not N=result with N in 1..{len(items)}")
        found[int(no)] = clean_text(text, 500)
    missing = [str(i) for i in range(1, len(items) + 1) if not found.get(i)]
    if missing:
        raise InputError(source, "results", f"no result for item(s) {', '.join(missing)}")
    return [
        {"item": it, "result": found[i], "ok": passed(found[i])} for i, it in enumerate(items, 1)
    ]


def record_upgrade(
    number: str,
    *,
    started: str | datetime,
    ended: str | datetime,
    results: Sequence[str],
    outcome: str = "done",
    notes: str = "",
    lang: str | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
) -> dict[str, Any]:
    """The upgrade carried out: its record rendered and stored, the change done or rolled
    back, in one transaction. Refused before the client approved the plan."""
    source = f"upgrade {number}"
    if outcome not in OUTCOMES:
        raise InputError(source, "outcome", f"'{outcome}' is not one of {', '.join(OUTCOMES)}")
    start = parse_when(started, source, "started")
    end = parse_when(ended, source, "ended")
    if end <= start:
        raise InputError(source, "ended", "is not after started")
    lang = lang or get_settings().lang
    with transaction() as s:
        row = find_change(s, number, lock=True)
        if row.state != "approved":
            raise ConflictError(
                f"upgrade {row.number} is {row.state}: only an approved plan is carried out"
            )
        row.results = _results(row, results, source)
        bad = [r["item"] for r in row.results if not r["ok"]]
        if outcome == "done" and bad:
            raise InputError(source, "outcome", f"is done but '{bad[0][:60]}' did not pass:"
                             " record it as rolled_back, or give its passing result")  # fmt: skip
        row.started_at, row.ended_at, row.notes = start, end, clean_text(notes, 4000)
        row.record_document = _render_record(s, row, outcome, lang)
        upgrade_event(row, outcome, actor=actor, channel=channel,
                      reason=f"{len(row.results)} checks and tests recorded")  # fmt: skip
        s.flush()
        return upgrade_view(row)


def _render_record(s: Any, row: Any, outcome: str, lang: str) -> Any:
    from ..wordkit import render

    zh = is_zh(lang)
    ok = ("通过", "passed")
    ctx = {
        **plan_context(s, row, lang),
        "version": 1,
        "started": show(row.started_at)[:16], "ended": show(row.ended_at)[:16],
        "outcome": pick(OUTCOMES[outcome], lang),
        "approval": (f"{row.approver}，{row.decided_on.year}年{row.decided_on.month}月"
                     f"{row.decided_on.day}日同意" if zh
                     else f"approved by {row.approver} on {row.decided_on.isoformat()}"),
        "results": [
            {"no": i, "item": r["item"], "result": r["result"],
             "verdict": pick(ok, lang) if r["ok"] else pick(("未通过", "failed"), lang)}
            for i, r in enumerate(row.results, 1)
        ],
        "notes": row.notes or ("无" if zh else "none"),
    }  # fmt: skip
    data = render("upgrade-record", ctx, lang=lang,
                  title=("升级记录 " if zh else "Upgrade Record ") + row.number,
                  subject=row.contract.code, contract=row.contract)  # fmt: skip
    return store_issued(s, data, subject=row.number, kind="upgrade-record", version=1, lang=lang,
                        meta={"upgrade": row.number, "outcome": outcome})  # fmt: skip
