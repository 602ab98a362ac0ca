"""Reading a returned document: the file's checks, its signature, its content against what
we sent, and the values the client wrote in the sign-off table.

Every sign-off is read here, with the labels of ``labels``: the decision form (plan and
acceptance certificate: 决定/审批人/日期/意见, and the certificate's 退回至) and the
dispatch order's (服务是否验收/满意度/意见反馈/签字人/日期).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from docx.document import Document as DocxDocument

from ..inputs import clean_text, open_docx
from .content import _top_tables, content_digest, describe_changes, table_rows
from .labels import dispatch_signoff_values, is_signoff, return_to_labels, signoff_field
from .refused import Refused
from .sealing import (
    KEY_PATTERN,
    P_DIGEST,
    P_KID,
    P_KIND,
    P_LANG,
    P_REQUEST,
    P_VERSION,
    lines_of,
    signature_of,
)
from .text import label_key, normalise, short

Decision = Literal["approve", "reject"]


@dataclass
class SignOff:
    """What the client wrote in the sign-off table."""

    decision: Decision
    approver: str
    decided_on: date
    comment: str
    raw: dict[str, str] = field(default_factory=dict)


@dataclass
class Returned:
    """A returned document whose signature and own content check out."""

    source: str
    kind: str
    request: str
    version: int
    lang: str
    digest: str
    kid: str
    lines: list[str]
    signoff_raw: dict[str, str]
    properties: dict[str, str]
    doc: DocxDocument | None = field(default=None, repr=False)


def read_signoff_cells(doc: DocxDocument, form: str = "decision") -> dict[str, str] | None:
    """Label -> value of the (last) sign-off table of ``form``, raw text; None if none."""
    if form == "dispatch":
        raw = None
        for tbl in doc.tables:
            raw = dispatch_signoff_values(table_rows(tbl._tbl, nfkc=False)) or raw
        return raw
    found = None
    for tbl in _top_tables(doc):
        rows = table_rows(tbl, nfkc=False)
        if not is_signoff(rows):
            continue
        values: dict[str, str] = {}
        for r in rows:
            name = signoff_field(r[0]) if r else None
            if name is None:
                continue
            rest = [c for c in r[1:] if c != r[0]]
            values[name] = " ".join(c for c in rest if c)
        found = values
    return found


SIGNOFF_MISSING = {
    "decision": (
        "has no sign-off table (决定/审批人/日期/意见); it was removed or its labels changed"
    ),
    "dispatch": "has no sign-off table (服务是否验收/满意度/签字人/日期)",
}


def read_returned(data: bytes, source: str, doc: DocxDocument | None = None) -> Returned:
    """Check the file, verify its signature and that its own tables still match the
    signed digest. The comparison with the stored copy needs the database (decisions).
    ``doc``: the file already opened (by the inbox), so it is not parsed twice."""
    from .kinds import signable

    doc = doc if doc is not None else open_docx(data, source)
    props = signature_of(doc, source)
    spec = signable(props[P_KIND])
    form = spec.form if spec is not None else "decision"
    lines = lines_of(doc, props[P_KIND])
    signoff = read_signoff_cells(doc, form)
    if signoff is None:
        raise Refused(source, "sign-off", SIGNOFF_MISSING[form], "signoff")
    return Returned(
        source=source,
        kind=props[P_KIND],
        request=props[P_REQUEST],
        version=int(props[P_VERSION]),
        lang=props[P_LANG],
        digest=props[P_DIGEST],
        kid=props[P_KID],
        lines=lines,
        signoff_raw=signoff,
        properties=props,
        doc=doc,
    )


def check_content(returned: Returned, sent_lines: list[str]) -> None:
    """Refuse when the visible tables differ from what we sent (amounts, items, dates)."""
    if returned.lines == sent_lines and content_digest(sent_lines) == returned.digest:
        return
    keys = {k for line in returned.lines for k in KEY_PATTERN.findall(line)}
    if keys and returned.request not in keys:
        raise Refused(
            returned.source,
            "request",
            f"the document shows {', '.join(sorted(keys))} but is signed for"
            f" {returned.request}: a signature copied onto another request's document",
            "other-request",
        )
    what = "dispatch order" if returned.kind == "dispatch" else returned.kind
    raise Refused(
        returned.source,
        "content",
        f"the tables differ from the {what} v{returned.version} we sent"
        f" ({describe_changes(sent_lines, returned.lines)}); amounts, items and dates cannot be"
        " changed in the returned file: ask for a new version instead",
        "edited",
    )


def verify_stored(data: bytes, source: str, kind: str = "plan") -> list[str]:
    """Canonical content of a stored (sent) document."""
    return lines_of(open_docx(data, source), kind)


# --- the sign-off values -------------------------------------------------------------------

_TICK = "☑☒✓✔√■▣●◉✅"
_DATE_FORMS = (
    re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def _spellings() -> dict[str, Decision]:
    from changeflow.docs_templates.labels import APPROVAL_VALUES

    out: dict[str, Decision] = {}
    for decision, (zh, en) in APPROVAL_VALUES.items():
        for s in (*zh, *en):
            out[normalise(s).lower()] = decision  # type: ignore[assignment]
    out.update({"批准": "approve", "通过": "approve", "不批准": "reject", "不通过": "reject",
                "accept": "approve", "accepted": "approve", "not accepted": "reject",
                "reject": "reject", "rejected": "reject"})  # fmt: skip
    return out


def parse_decision(text: str, source: str) -> Decision:
    """同意/不同意 (approve/reject), typed or ticked; anything else is refused."""
    t = normalise(text).lower()
    if not t:
        raise Refused(
            source, "decision", "is blank: write 同意 or 不同意 (approve/reject)", "decision"
        )
    spellings = _spellings()
    bare = t.strip(" .。!！,，;；:：" + _TICK)
    if bare in spellings:
        return spellings[bare]
    words = "|".join(sorted(map(re.escape, spellings), key=len, reverse=True))
    # a tick before the word (☑同意 ☐不同意); only if there is none, a tick after it
    ticked = {spellings[m.group(1)] for m in re.finditer(rf"[{_TICK}]\s*({words})", t)}
    if not ticked:
        ticked = {spellings[m.group(1)] for m in re.finditer(rf"({words})\s*[{_TICK}]", t)}
    if len(ticked) == 1:
        return ticked.pop()
    if not ticked and any(box in t for box in "□☐"):
        raise Refused(source, "decision", f"'{text}': no box is ticked", "decision")
    raise Refused(
        source,
        "decision",
        f"'{short(text, 60)}' is not a clear decision:"
        " write exactly 同意 or 不同意 (approve or reject)",
        "decision",
    )


def parse_date(text: str, source: str, fld: str = "date") -> date:
    t = normalise(text)
    if not t:
        raise Refused(source, fld, "is blank: write the date of the decision (YYYY-MM-DD)", "date")
    for form in _DATE_FORMS:
        m = form.match(t)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    raise Refused(source, fld, f"'{short(text, 40)}' is not a date like 2026-12-01", "date")


def parse_signoff(raw: dict[str, str], source: str) -> SignOff:
    """The decision, approver, date and comment from the sign-off cells."""
    decision = parse_decision(raw.get("decision", ""), source)
    approver = clean_text(raw.get("approver", ""), 120)
    if not approver:
        raise Refused(source, "approver", "is blank: the approver's name is required", "approver")
    decided_on = parse_date(raw.get("date", ""), source)
    comment = clean_text(raw.get("comment", ""), 4000)
    return SignOff(decision, approver, decided_on, comment, dict(raw))


def read_return_to(doc: DocxDocument, source: str) -> str | None:
    """The state a not-accepted request returns to, from the sign-off table (None: blank)."""
    labels = return_to_labels()
    value = None
    for t in doc.tables:
        for row in table_rows(t._tbl):
            if row and label_key(row[0]) in labels:
                value = " ".join(c for c in row[1:] if c != row[0]).strip()
    if not value:
        return None
    bare = normalise(value).lower().strip(" .。")
    if bare in RETURN_VALUES:
        return RETURN_VALUES[bare]
    raise Refused(
        source,
        "return to",
        f"'{value[:40]}' is neither 测试 (testing) nor 开发 (development)",
        "decision",
    )


RETURN_VALUES = {
    "测试": "in_testing",
    "testing": "in_testing",
    "test": "in_testing",
    "开发": "in_development",
    "development": "in_development",
    "dev": "in_development",
}


def parse_accepted(text: str, source: str) -> bool:
    """是/否 (yes/no), typed or ticked (☑是 ☐否)."""
    from changeflow.docs_templates.tpl_dispatch import ACCEPT_WORDS

    t = normalise(text).lower()
    if not t:
        raise Refused(source, "accepted", "is blank: write 是 or 否 (yes/no)", "decision")
    words = {w: v for v, ws in ACCEPT_WORDS.items() for w in ws}
    bare = t.strip(" .。!！,，;；" + _TICK)
    if bare in words:
        return words[bare]
    alts = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    ticked = {words[m.group(1)] for m in re.finditer(rf"[{_TICK}]\s*({alts})", t)}
    if not ticked:
        ticked = {words[m.group(1)] for m in re.finditer(rf"({alts})\s*[{_TICK}]", t)}
    if len(ticked) == 1:
        return ticked.pop()
    raise Refused(source, "accepted", f"'{text}' is not 是 or 否 (yes or no)", "decision")


def parse_satisfaction(text: str, source: str) -> int:
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
