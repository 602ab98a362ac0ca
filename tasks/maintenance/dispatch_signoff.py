"""The client's sign-off of a dispatch order, read back through the verified path: which
tables the signature covers (all but the sign-off table), the sign-off table's labels
and values, the accepted / satisfaction answers, and recording them with the returned
file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from changeflow.db.session import transaction
from changeflow.db.types import utcnow

from .dispatch_record import _dispatch, _dispatch_event, dispatch_view
from .quota import check_quota

_TICKS = "☑☒✓✔√■▣●◉✅"


def dispatch_canonical_lines(doc: Any) -> list[str]:
    """What the client may not change: every table but the dispatch sign-off table."""
    from ..signed import table_rows

    lines: list[str] = []
    n = 0
    for tbl in doc.tables:  # body-level tables only
        rows = table_rows(tbl._tbl)
        if _signoff_values(rows) is not None:
            continue
        n += 1
        lines.append(f"#{n}")
        lines.extend(" | ".join(r) for r in rows if any(r))
    return lines


def _signoff_labels() -> dict[str, set[str]]:
    import re

    from changeflow.docs_templates.tpl_dispatch import SIGNOFF_FIELDS

    from ..signed import normalise

    out: dict[str, set[str]] = {}
    for name, pair in SIGNOFF_FIELDS.items():
        variants = set()
        for label in pair:
            key = normalise(label).lower().rstrip(":：").strip()
            variants |= {key, re.sub(r"\s*\(.*?\)\s*", "", key).strip()}
        out[name] = variants
    out["accepted"] |= {"服务是否验收", "是否验收", "验收", "accepted"}
    out["signer"] |= {"签字", "签名", "验收人", "signer", "signature"}
    out["feedback"] |= {"意见", "反馈", "comments"}
    return out


def _signoff_values(rows: list[list[str]]) -> dict[str, str] | None:
    """Label -> value when ``rows`` are the dispatch sign-off table (3+ of its labels)."""
    from ..signed import normalise

    labels = _signoff_labels()
    values: dict[str, str] = {}
    for r in rows:
        if not r:
            continue
        key = normalise(r[0]).lower().rstrip(":：").strip()
        for name, variants in labels.items():
            if key in variants:
                rest = [c for c in r[1:] if c != r[0]]
                values[name] = normalise(" ".join(c for c in rest if c), nfkc=False)
    return values if len(values) >= 3 else None


def parse_accepted(text: str, source: str) -> bool:
    """是/否 (yes/no), typed or ticked (☑是 ☐否)."""
    import re

    from changeflow.docs_templates.tpl_dispatch import ACCEPT_WORDS

    from ..signed import Refused, normalise

    t = normalise(text).lower()
    if not t:
        raise Refused(source, "accepted", "is blank: write 是 or 否 (yes/no)", "decision")
    words = {w: v for v, ws in ACCEPT_WORDS.items() for w in ws}
    bare = t.strip(" .。!！,，;；" + _TICKS)
    if bare in words:
        return words[bare]
    alts = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    ticked = {words[m.group(1)] for m in re.finditer(rf"[{_TICKS}]\s*({alts})", t)}
    if not ticked:
        ticked = {words[m.group(1)] for m in re.finditer(rf"({alts})\s*[{_TICKS}]", t)}
    if len(ticked) == 1:
        return ticked.pop()
    raise Refused(source, "accepted", f"'{text}' is not 是 or 否 (yes or no)", "decision")


def parse_satisfaction(text: str, source: str) -> int:
    import re

    from ..signed import Refused, normalise

    t = normalise(text)
    stars = t.count("★")
    if stars and not re.sub(r"[★☆\s]", "", t):
        return stars
    m = re.fullmatch(r"([1-5])\s*(分|points?|/\s*5)?", t.lower())
    if not m:
        raise Refused(
            source, "satisfaction", f"'{text}' is not a score from 1 to 5", "satisfaction"
        )
    return int(m.group(1))


def signoff_dispatch(
    path: Any, *, actor: str = "changeflow", channel: str = "document", now: datetime | None = None
) -> dict[str, Any]:
    """Read a returned dispatch order: signature, unchanged tables, sign-off values; record
    them with the returned file, all in one transaction."""
    from pathlib import Path

    from changeflow.db.models import Document
    from changeflow.db.store import document_path, put_document, sha256_bytes

    from ..inputs import clean_text, open_docx, read_limited
    from ..signed import (
        P_KIND,
        P_REQUEST,
        P_VERSION,
        Refused,
        content_digest,
        describe_changes,
        parse_date,
        signature_of,
    )

    now = now or utcnow()
    path = Path(path)
    source = str(path)
    data = read_limited(path)
    doc = open_docx(data, source)
    props = signature_of(doc, source)
    if props[P_KIND] != "dispatch":
        raise Refused(
            source, "kind", f"is a {props[P_KIND]} document, not a dispatch order", "unknown"
        )
    number = props[P_REQUEST]
    lines = dispatch_canonical_lines(doc)
    raw = None
    for tbl in doc.tables:
        from ..signed import table_rows

        raw = _signoff_values(table_rows(tbl._tbl, nfkc=False)) or raw
    if raw is None:
        raise Refused(
            source, "sign-off", "has no sign-off table (服务是否验收/满意度/签字人/日期)", "signoff"
        )
    with transaction() as s:
        order = _dispatch(s, number, lock=True)
        version = int(props[P_VERSION])
        sent = s.scalar(
            select(Document).where(
                Document.kind == "dispatch",
                Document.version == version,
                Document.lang == props["changeflow.lang"],
            )
        )
        if sent is None or (sent.meta or {}).get("dispatch") != order.number:
            raise Refused(
                source, "version", f"no issued dispatch order {number} v{version}", "unknown"
            )
        if order.document_id != sent.id:
            raise Refused(source, "version", f"v{version} was replaced by a newer version", "stale")
        sent_lines = dispatch_canonical_lines(
            open_docx(document_path(sent).read_bytes(), sent.path)
        )
        if lines != sent_lines or content_digest(lines) != props["changeflow.digest"]:
            raise Refused(
                source,
                "content",
                f"the tables differ from dispatch order {number} as sent"
                f" ({describe_changes(sent_lines, lines)})",
                "edited",
            )
        if order.state in ("signed", "cancelled"):
            raise Refused(
                source, "state", f"dispatch order {number} is {order.state} already", "decided"
            )
        accepted = parse_accepted(raw.get("accepted", ""), source)
        score = parse_satisfaction(raw.get("satisfaction", ""), source)
        signer = clean_text(raw.get("signer", ""), 120)
        if not signer:
            raise Refused(source, "signer", "is blank: the signer's name is required", "approver")
        signed_on = parse_date(raw.get("date", ""), source)
        returned = put_document(
            s,
            data,
            kind="dispatch-returned",
            request=None,
            filename=f"{order.number}-signed.docx",
            meta={"dispatch": order.number, "version": version},
        )
        order.accepted, order.satisfaction, order.signer = accepted, score, signer
        order.feedback = clean_text(raw.get("feedback", ""), 4000)
        order.signed_on, order.signed_document = signed_on, returned
        _dispatch_event(
            s,
            order,
            "signed",
            actor=actor,
            channel=channel,
            reason=("accepted" if accepted else "not accepted") + f", satisfaction {score}",
            evidence_sha256=sha256_bytes(data),
            data={"signer": signer, "raw": raw},
        )
        s.flush()
        view = dispatch_view(order)
        code = order.contract.code
    check_quota(code, now=now)
    return view
