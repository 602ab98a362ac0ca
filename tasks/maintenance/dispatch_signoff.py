"""The client's sign-off of a dispatch order: what recording it does to the order.

The returned file is read and verified by the signed round trip (``tasks.signoff``: the
signature, the content against the version we sent, the sign-off table's 是/否,
satisfaction, signer and date); its kinds table names ``record_dispatch_signoff`` as the
dispatch order's recorder, so the inbox and ``changeflow dispatch signoff FILE`` take the
same path.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from changeflow.db.session import transaction

from ..documents import document_filename
from .dispatch_record import dispatch_event, dispatch_view, find_dispatch
from .quota import check_quota


def signoff_dispatch(path: Any, *, actor: str = "changeflow") -> dict[str, Any]:
    """``changeflow dispatch signoff FILE``: a returned dispatch order, read and recorded
    through the signed round trip (``tasks.signoff``) like every signed document."""
    from pathlib import Path

    from ..inputs import read_limited
    from ..signoff import Refused, read_returned, signable

    path = Path(path)
    source = str(path)
    data = read_limited(path)
    returned = read_returned(data, source)
    if returned.kind != "dispatch":
        raise Refused(
            source, "kind", f"is a {returned.kind} document, not a dispatch order", "unknown"
        )
    spec = signable(returned.kind)
    result = record_dispatch_signoff(returned, spec, data, filename=path.name, actor=actor)
    with transaction() as s:
        return dispatch_view(find_dispatch(s, result.key))


def record_dispatch_signoff(
    returned: Any, spec: Any, data: bytes, *, filename: str, actor: str
) -> Any:
    """The dispatch order's recorder (declared in ``tasks.returned.RECORDERS``): the client's
    sign-off values, the returned file and the order's event, in one transaction."""
    from changeflow.db.models import Document
    from changeflow.db.store import document_path, put_document, sha256_bytes

    from ..inputs import clean_text
    from ..signoff import (
        DecisionResult,
        Refused,
        check_content,
        parse_accepted,
        parse_date,
        parse_satisfaction,
        verify_stored,
    )

    source = returned.source
    number = returned.request
    version = returned.version
    sha = sha256_bytes(data)
    with transaction() as s:
        order = find_dispatch(s, number, lock=True)
        sent = next(
            (
                d
                for d in s.scalars(
                    select(Document).where(
                        Document.kind == "dispatch",
                        Document.version == version,
                        Document.lang == returned.lang,
                    )
                )
                if (d.meta or {}).get("dispatch") == order.number
            ),
            None,
        )
        if sent is None:
            raise Refused(
                source, "version", f"no issued dispatch order {number} v{version}", "unknown"
            )
        if order.document_id != sent.id:
            raise Refused(source, "version", f"v{version} was replaced by a newer version", "stale")
        sent_lines = verify_stored(document_path(sent).read_bytes(), sent.path, "dispatch")
        check_content(returned, sent_lines)
        raw = returned.signoff_raw
        if order.state in ("signed", "cancelled"):
            raise Refused(
                source, "state", f"dispatch order {number} is {order.state} already", "decided"
            )
        if order.actual_start is None and not order.work:
            # the planned version is confirmed for the plan, never accepted: the client
            # accepts the version issued with the work as done
            raise Refused(
                source,
                "version",
                f"v{version} is the planned order, not yet done: record the work"
                f" (changeflow dispatch done {number}) and sign the version it issues",
                "state",
            )
        accepted = parse_accepted(raw.get("accepted", ""), source)
        score = parse_satisfaction(raw.get("satisfaction", ""), source)
        signer = clean_text(raw.get("signer", ""), 120)
        if not signer:
            raise Refused(source, "signer", "is blank: the signer's name is required", "approver")
        from changeflow.settings import get_settings
        from changeflow.tasks.signoff import today_local

        tz = get_settings().tz
        worked_to = order.actual_end or max(
            (w.ended_at for w in order.work if w.ended_at), default=None
        )
        # a date written without its year (11月24日) is read only if one year fits
        since = (worked_to or sent.created_at).astimezone(tz).date()
        signed_on = parse_date(
            raw.get("date", ""), source, window=(since, today_local() + timedelta(days=1))
        )
        if worked_to is not None:
            done_on = worked_to.astimezone(tz).date()
            if signed_on < done_on:
                raise Refused(
                    source,
                    "date",
                    f"{signed_on} is before the work was done ({done_on}): sign on or after it",
                    "date",
                )
        stored = put_document(
            s,
            data,
            kind="dispatch-returned",
            request=None,
            filename=document_filename(order.number, "dispatch-returned", version, returned.lang),
            meta={"dispatch": order.number, "version": version},
        )
        order.accepted, order.satisfaction, order.signer = accepted, score, signer
        order.feedback = clean_text(raw.get("feedback", ""), 4000)
        order.signed_on, order.signed_document = signed_on, stored
        dispatch_event(
            s,
            order,
            "signed",
            actor=actor,
            channel="document",
            reason=("accepted" if accepted else "not accepted") + f", satisfaction {score}",
            evidence_sha256=sha,
            data={"signer": signer, "raw": raw},
        )
        if accepted:  # the service requests listed on the order are confirmed with it
            from ..servicereq.visits import confirm_on_order

            confirm_on_order(s, order.number, signer=signer, evidence_sha256=sha, actor=actor)
        s.flush()
        result = DecisionResult(
            key=order.number,
            kind="dispatch",
            version=version,
            decision="approve" if accepted else "reject",
            state=order.state,
            approver=signer,
            decided_on=signed_on,
            comment=order.feedback,
            channel="document",
            evidence_sha256=sha,
            evidence=stored.path,
            approval_id=0,
        )
        code = order.contract.code
    check_quota(code)
    return result
