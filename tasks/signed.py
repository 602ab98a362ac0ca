"""Documents a client can sign (plan now; acceptance certificate and dispatch order later).

What we send carries, in its custom document properties (which survive a re-save by Word,
WPS and LibreOffice): the request key, the document kind, its version and language, a digest
of its *canonical content*, the signing key id and an HMAC over all of these.

The canonical content is the normalised text of every table except the sign-off table (work
items, amounts, totals, dates all live in tables): each cell's text in NFKC form with
whitespace collapsed, one line per non-empty row. Word, WPS and LibreOffice re-split runs,
rewrite styles and XML on save, but leave this text alone; an edited amount changes it.

An HMAC only proves we issued the properties (they can be copied into another file), so a
returned document is also compared with the stored copy of what we sent.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from changeflow.errors import InputError

from . import signing
from .inputs import clean_text, open_docx
from .wordkit import read_custom_properties, write_custom_properties

SCHEME = "changeflow-signed-1"
P_SCHEME = "changeflow.signature"
P_KIND = "changeflow.kind"
P_REQUEST = "changeflow.request"
P_VERSION = "changeflow.version"
P_LANG = "changeflow.lang"
P_DIGEST = "changeflow.digest"
P_KID = "changeflow.kid"
P_MAC = "changeflow.mac"
SIGNED = (P_SCHEME, P_KIND, P_REQUEST, P_VERSION, P_LANG, P_DIGEST, P_KID, P_MAC)

KEY_PATTERN = re.compile(r"\b[A-Z]{2,4}-\d{4}-\d{4}\b")
_W_TBL, _W_TR, _W_TC, _W_P = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:p")
_W_T, _W_TAB, _W_BR = qn("w:t"), qn("w:tab"), qn("w:br")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACE = re.compile(r"\s+")

Decision = Literal["approve", "reject"]


class Refused(InputError):
    """A returned document we will not record; ``code`` says which class of refusal.

    Codes: ``file`` (fails the checks), ``unsigned``, ``forged``, ``edited``, ``stale``,
    ``other-request``, ``unknown`` (no such request or document), ``decided`` (already
    decided), ``state`` (request not awaiting this decision), ``decision``, ``approver``,
    ``date``, ``signoff`` (no sign-off table).
    """

    def __init__(self, source: str, field: str, problem: str, code: str) -> None:
        super().__init__(source, field, problem)
        self.code = code


# --- canonical content -------------------------------------------------------------------


def normalise(text: str, nfkc: bool = True) -> str:
    """NFKC (full-width digits and brackets become ASCII), no invisible characters, one
    space for any run of whitespace: what stays the same through every editor's save.
    Without ``nfkc`` the client's own punctuation stays (comments, names)."""
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", text.translate(_INVISIBLE)).strip()


def _own(el: Any, tag: str, owner: Any) -> Iterator[Any]:
    """Descendants ``tag`` of ``el`` whose nearest enclosing table is ``owner``."""
    for child in el.iter(tag):
        anc = child.getparent()
        while anc is not None and anc.tag != _W_TBL:
            anc = anc.getparent()
        if anc is owner:
            yield child


def _paragraph_text(p: Any) -> str:
    parts: list[str] = []
    for el in p.iter(_W_T, _W_TAB, _W_BR):
        anc = el.getparent()
        skip = False
        while anc is not None and anc is not p:
            if anc.tag == _MC_FALLBACK:  # a drawing's fallback copy repeats its text
                skip = True
                break
            anc = anc.getparent()
        if skip:
            continue
        parts.append(el.text or "" if el.tag == _W_T else " ")
    return "".join(parts)


def cell_text(tc: Any, nfkc: bool = True) -> str:
    """All text of a cell (nested tables included), paragraphs joined by a space."""
    return normalise(" ".join(_paragraph_text(p) for p in tc.iter(_W_P)), nfkc)


def _top_tables(doc: DocxDocument) -> list[Any]:
    body = doc.element.body
    out = []
    for tbl in body.iter(_W_TBL):
        anc = tbl.getparent()
        while anc is not None and anc.tag != _W_TBL:
            anc = anc.getparent()
        if anc is None:
            out.append(tbl)
    return out


def table_rows(tbl: Any, nfkc: bool = True) -> list[list[str]]:
    """The table's rows as lists of normalised cell texts (merged cells counted once)."""
    return [[cell_text(tc, nfkc) for tc in _own(tr, _W_TC, tbl)] for tr in _own(tbl, _W_TR, tbl)]


def _label_key(text: str) -> str:
    t = normalise(text).lower().rstrip(":：").strip()
    return t


def _label_variants(pair: tuple[str, str]) -> set[str]:
    out: set[str] = set()
    for label in pair:
        full = _label_key(label)
        out.add(full)
        out.add(re.sub(r"\s*\(.*?\)\s*", "", full).strip())
    return out


def _approval_labels() -> dict[str, set[str]]:
    from changeflow.docs_templates.labels import APPROVAL_FIELDS

    labels = {name: _label_variants(pair) for name, pair in APPROVAL_FIELDS.items()}
    labels["decision"] |= {"决定", "审批决定", "审批结果", "decision", "验收结论",
                           "acceptance decision"}  # fmt: skip
    labels["approver"] |= {"审批人签字", "签字", "approved by", "验收人", "accepted by"}
    labels["date"] |= {"验收日期", "acceptance date"}
    labels["comment"] |= {"审批意见", "备注", "comments", "remarks", "验收意见"}
    return labels


def signoff_field(label: str) -> str | None:
    key = _label_key(label)
    for name, variants in _approval_labels().items():
        if key in variants:
            return name
    return None


def is_signoff(rows: list[list[str]]) -> bool:
    """A sign-off table: at least two rows whose first cell is an approval label."""
    names = {signoff_field(r[0]) for r in rows if r}
    names.discard(None)
    return len(names) >= 2


def canonical_lines(doc: DocxDocument) -> list[str]:
    """The canonical content: every table but the sign-off table, one line per non-empty
    row, cells separated by `` | ``, tables separated by ``#<n>`` marker lines."""
    lines: list[str] = []
    n = 0
    for tbl in _top_tables(doc):
        rows = table_rows(tbl)
        if is_signoff(rows):
            continue
        n += 1
        lines.append(f"#{n}")
        lines.extend(" | ".join(r) for r in rows if any(r))
    return lines


def content_digest(lines: list[str]) -> str:
    return hashlib.sha256(("\n".join([SCHEME, *lines])).encode()).hexdigest()


# --- signing -------------------------------------------------------------------------------


def _message(kind: str, request: str, version: int, lang: str, digest: str) -> bytes:
    return "\n".join(
        [
            SCHEME,
            f"kind={kind}",
            f"request={request}",
            f"version={version}",
            f"lang={lang}",
            f"digest={digest}",
        ]
    ).encode()


def signed_properties(
    *, kind: str, request: str, version: int, lang: str, digest: str
) -> dict[str, str]:
    """The custom properties that identify and sign one issued document."""
    for name, value in (("kind", kind), ("request", request), ("lang", lang)):
        if not value or "\n" in value or "=" in value:
            raise ValueError(f"cannot sign: {name} {value!r}")
    kid, mac = signing.sign(_message(kind, request, version, lang, digest))
    return {
        P_SCHEME: SCHEME,
        P_KIND: kind,
        P_REQUEST: request,
        P_VERSION: str(version),
        P_LANG: lang,
        P_DIGEST: digest,
        P_KID: kid,
        P_MAC: mac,
    }


def sign_document(doc: DocxDocument, *, kind: str, request: str, version: int, lang: str) -> str:
    """Add the signature properties to an open document (keeps its other properties)."""
    digest = content_digest(canonical_lines(doc))
    props = read_custom_properties(doc)
    props.update(
        signed_properties(kind=kind, request=request, version=version, lang=lang, digest=digest)
    )
    write_custom_properties(doc, props)
    return digest


def sign_docx(data: bytes, *, kind: str, request: str, version: int, lang: str) -> bytes:
    """A rendered .docx with its signature properties added: what we store and send.

    Call it on the bytes ``wordkit.render`` returns, before ``put_document``.
    """
    import docx

    doc = docx.Document(io.BytesIO(data))
    sign_document(doc, kind=kind, request=request, version=version, lang=lang)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --- reading a returned document ---------------------------------------------------------


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


def signature_of(doc: DocxDocument, source: str) -> dict[str, str]:
    """The signature properties, verified; refuses missing or forged ones."""
    props = read_custom_properties(doc)
    missing = [p for p in SIGNED if not props.get(p)]
    if len(missing) == len(SIGNED):
        raise Refused(
            source,
            "signature",
            "carries no changeflow signature: it is not a document we issued (or its"
            " properties were removed); send back the file we sent",
            "unsigned",
        )
    if missing:
        raise Refused(
            source, "signature", f"signature incomplete (missing {', '.join(missing)})", "forged"
        )
    if props[P_SCHEME] != SCHEME:
        raise Refused(source, "signature", f"unknown signature scheme {props[P_SCHEME]}", "forged")
    try:
        version = int(props[P_VERSION])
    except ValueError:
        raise Refused(source, "signature", "version is not a number", "forged") from None
    msg = _message(props[P_KIND], props[P_REQUEST], version, props[P_LANG], props[P_DIGEST])
    if not signing.verify(msg, props[P_KID], props[P_MAC]):
        raise Refused(
            source,
            "signature",
            "signature does not verify: the document properties were altered or were not"
            " issued by this installation",
            "forged",
        )
    return props


def read_signoff_cells(doc: DocxDocument) -> dict[str, str] | None:
    """Label -> value of the (last) sign-off table, raw text; None if there is none."""
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


def read_returned(data: bytes, source: str) -> Returned:
    """Check the file, verify its signature and that its own tables still match the
    signed digest. The comparison with the stored copy needs the database (approval)."""
    doc = open_docx(data, source)
    props = signature_of(doc, source)
    lines = canonical_lines(doc)
    signoff = read_signoff_cells(doc)
    if signoff is None:
        raise Refused(
            source,
            "sign-off",
            "has no sign-off table (决定/审批人/日期/意见); it was removed or its labels changed",
            "signoff",
        )
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
    )


def describe_changes(sent: list[str], got: list[str], limit: int = 3) -> str:
    """A short account of what differs between two canonical contents."""
    import difflib

    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=sent, b=got, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace":
            for a, b in zip(sent[i1:i2], got[j1:j2], strict=False):
                out.append(_changed_row(a, b))
        elif tag == "delete":
            out.extend(f"'{_short(a)}' was removed" for a in sent[i1:i2])
        else:
            out.extend(f"'{_short(b)}' was added" for b in got[j1:j2])
    more = f" (and {len(out) - limit} more)" if len(out) > limit else ""
    return "; ".join(out[:limit]) + more


def _changed_row(a: str, b: str) -> str:
    """'2,400.00' became '240.00' (in the row '1 | 1 | 需求分析 …'): the cells that changed."""
    ca, cb = a.split(" | "), b.split(" | ")
    if len(ca) != len(cb):
        return f"'{_short(a)}' became '{_short(b)}'"
    cells = [
        f"'{_short(x, 40)}' became '{_short(y, 40)}'" for x, y in zip(ca, cb, strict=True) if x != y
    ]
    return ", ".join(cells) + f" (in the row '{_short(a, 40)}')"


def _short(line: str, n: int = 90) -> str:
    return line if len(line) <= n else line[: n - 1] + "…"


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
    raise Refused(
        returned.source,
        "content",
        f"the tables differ from the {returned.kind} v{returned.version} we sent"
        f" ({describe_changes(sent_lines, returned.lines)}); amounts, items and dates cannot be"
        " changed in the returned file: ask for a new version instead",
        "edited",
    )


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
        f"'{_short(text, 60)}' is not a clear decision:"
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
    raise Refused(source, fld, f"'{_short(text, 40)}' is not a date like 2026-12-01", "date")


def parse_signoff(raw: dict[str, str], source: str) -> SignOff:
    """The decision, approver, date and comment from the sign-off cells."""
    decision = parse_decision(raw.get("decision", ""), source)
    approver = clean_text(raw.get("approver", ""), 120)
    if not approver:
        raise Refused(source, "approver", "is blank: the approver's name is required", "approver")
    decided_on = parse_date(raw.get("date", ""), source)
    comment = clean_text(raw.get("comment", ""), 4000)
    return SignOff(decision, approver, decided_on, comment, dict(raw))


def verify_stored(data: bytes, source: str) -> list[str]:
    """Canonical content of a stored (sent) document."""
    doc = open_docx(data, source)
    return canonical_lines(doc)
