"""Reading a returned document: the file's checks, its signature, its content against what
we sent, and the values the client wrote in the sign-off table.

Every sign-off is read here, with the labels of ``labels``: the decision form (plan and
acceptance certificate: 决定/审批人/日期/意见, and the certificate's 退回至) and the
dispatch order's (服务是否验收/满意度/意见反馈/签字人/日期); and the per-row conclusions
(验收结论 通过/不通过 on every requirement row of an acceptance certificate), with the same
tick rule (``parse_choice``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from docx.document import Document as DocxDocument

from ..inputs import clean_text, open_docx
from .content import (
    OLD_SCHEMES,
    SCHEME,
    content_digest,
    describe_changes,
    fill_rows,
    lines_from,
    register_rows,
)
from .content import read as read_content
from .kinds import rows_of
from .labels import (
    REMARKS_FIELD,
    SIGNING_FIELD,
    form_printed,
    row_decision_options,
    signoff_row,
)
from .refused import Refused
from .sealing import (
    KEY_PATTERN,
    P_DIGEST,
    P_KID,
    P_KIND,
    P_LANG,
    P_REQUEST,
    P_SCHEME,
    P_VERSION,
    form_of,
    signature_of,
)
from .text import normalise, short
from .visible import Table, Unreadable, Visible, cell_text

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
    signoff_raw: dict[str, str]  # what the client wrote in the one sign-off table
    properties: dict[str, str]
    doc: DocxDocument | None = field(default=None, repr=False)
    # (row, what the client wrote) of each per-row conclusion cell (acceptance certificate)
    rows_raw: list[tuple[str, str]] = field(default_factory=list)
    # the rows of a sign-in register (序号, then what the attendee wrote in each cell)
    register_raw: list[list[str]] = field(default_factory=list)


@dataclass
class RowDecision:
    """The client's conclusion on one row (a requirement of the acceptance certificate)."""

    row: str  # the row's first cell (the requirement number)
    conclusion: str | None  # passed | failed | None (not ticked)
    written: str  # what the cell shows

    def as_dict(self) -> dict[str, Any]:
        no: int | str = int(self.row) if self.row.isdigit() else self.row
        return {"no": no, "conclusion": self.conclusion, "written": self.written}


def read_signoff_cells(vis: Visible, source: str, form: str = "decision") -> dict[str, str]:
    """Field -> what the client wrote, from the document's ONE sign-off table of ``form``.

    Refused: no sign-off table; two of them, or a field written twice (two decisions in
    one file); a sign-off cell holding a table or a picture (the cells take text only)."""
    tables = [t for t in vis.tables() if t.signoff]
    if not tables:
        raise Refused(source, "sign-off", SIGNOFF_MISSING[form], "signoff")
    if len(tables) > 1:
        raise Refused(
            source,
            "sign-off",
            f"holds {len(tables)} sign-off tables: two decisions in one file; return the"
            " document we sent with its one sign-off table filled in",
            "two-decisions",
        )
    values: dict[str, str] = {}
    for row in tables[0].rows:
        if not row:
            continue
        label = normalise(cell_text(row[0]), nfkc=False)
        name = signoff_row(label, form)
        if name is None:
            continue
        if name in values:
            raise Refused(
                source,
                name,
                f"is filled in twice ('{short(label, 30)}' rows): two decisions in one file",
                "two-decisions",
            )
        text = " ".join(cell_text(c) for c in row[1:])
        for cell in row[1:]:
            if any(isinstance(b, Table) for b in cell.blocks) or (
                "[图片" in cell_text(cell) and name != SIGNING_FIELD.get(form)
            ):
                raise Refused(
                    source,
                    name,
                    "holds a table or a picture: the sign-off cells take text only",
                    "decision",
                )
        pictures = _PICTURE.findall(text)
        if pictures:
            text = _PICTURE.sub(" ", text)
            if not normalise(text):
                zh, en = form_printed(form)[name]
                raise Refused(
                    source,
                    name,
                    f"签字图片旁没有写姓名：请在“{zh}”栏的签字图片旁写上姓名 / holds a signature"
                    f" picture but no name: write the name beside the picture in the {en} cell",
                    "approver",
                )
            values[f"{name}_picture"] = " ".join(pictures)
        values[name] = normalise(text, nfkc=False)
    return values


_PICTURE = re.compile(r"\[图片(?: [0-9a-f]+)?\]")


def check_comments(vis: Visible, source: str, form: str) -> None:
    """A returned document with comments in the margin is never recorded as a plain
    decision (one rule for every kind): refused, each comment quoted back, with the request
    to write them in the remarks cell (意见) of the sign-off table."""
    if not vis.comments:
        return
    zh, en = form_printed(form)[REMARKS_FIELD[form]]
    quoted = "；".join(
        f"「{short(normalise(text, nfkc=False), 80)}」" + (f"（{who}）" if who else "")
        for who, text in vis.comments[:5]
    )
    more = f" …（共 {len(vis.comments)} 条）" if len(vis.comments) > 5 else ""
    raise Refused(
        source,
        "comments",
        f"含有 {len(vis.comments)} 条批注：{quoted}{more}。批注不会被登记：请把这些意见写进签署表的"
        f"“{zh}”栏，删除批注后重新发送 / has {len(vis.comments)} comment(s) in the margin,"
        f" which are not recorded: write them in the {en} ({zh}) cell of the sign-off table,"
        " delete the comments and send the file again",
        "comments",
    )


def read_row_cells(vis: Visible, source: str) -> list[tuple[str, str]]:
    """(row, text) of every per-row conclusion cell the reader marked (``content.read`` with
    ``rows``); a cell holding a table or a picture is refused (text only)."""
    out: list[tuple[str, str]] = []
    for t in vis.tables():
        col = t.fill_column
        for row in fill_rows(t):
            assert col is not None
            key = normalise(cell_text(row[0]))
            cell = row[col]
            if any(isinstance(b, Table) for b in cell.blocks) or "[图片" in cell_text(cell):
                raise Refused(
                    source,
                    _row_field(key),
                    "holds a table or a picture: the conclusion cells take text only",
                    "decision",
                )
            out.append((key, normalise(cell_text(cell), nfkc=False)))
    return out


def _row_field(row: str) -> str:
    return f"需求{row} 验收结论 (requirement {row})" if row.isdigit() else f"验收结论 ({row})"


def parse_row_decisions(rows: list[tuple[str, str]], source: str) -> list[RowDecision]:
    """Each row's conclusion: 通过 / 不通过 typed or ticked (the one tick rule,
    ``parse_choice``); a row left unticked is None, an unclear one is refused naming it."""
    options = row_decision_options()
    out = []
    for row, text in rows:
        value = parse_choice(
            text, options, source, _row_field(row), "通过 or 不通过 (passed or failed)",
            blank_ok=True,
        )  # fmt: skip
        out.append(RowDecision(row, value, text))
    return out


def check_rows_accepted(rows: list[RowDecision], source: str) -> None:
    """An accepted certificate needs 通过 on every requirement row: the first row that says
    不通过 or is left unticked is refused, by name."""
    for r in rows:
        if r.conclusion == "passed":
            continue
        said = "says 不通过 (failed)" if r.conclusion == "failed" else "is not ticked"
        raise Refused(
            source,
            _row_field(r.row),
            f"{said}, but the overall 验收结论 is 通过: accepting needs 通过 ticked on every"
            " requirement row (or write 不通过 as the overall conclusion)",
            "decision",
        )


SIGNOFF_MISSING = {
    "decision": (
        "has no sign-off table (决定/审批人/日期/意见); it was removed or its labels changed"
    ),
    "dispatch": "has no sign-off table (服务是否验收/满意度/签字人/日期): a planned order"
    " (the version before the work is done) is not signed; sign the version issued when"
    " the work was done",
    "statement": "has no confirmation table (对账结果/意见/签字人/日期)",
    "signin": "has no confirmation table (实到人数/满意度/培训反馈/确认人/日期)",
}


def _read(
    doc: DocxDocument, source: str, form: str, rows: bool = False
) -> tuple[Visible, list[str]]:
    try:
        vis = read_content(doc, form, rows)
    except Unreadable as exc:
        raise Refused(
            source,
            "content",
            f"contains {exc.what}, which cannot be verified against what we sent: return the"
            " document we sent with only its sign-off table filled in",
            "unreadable",
        ) from None
    return vis, lines_from(vis, form)


def read_returned(data: bytes, source: str, doc: DocxDocument | None = None) -> Returned:
    """Check the file, verify its signature, read what it shows and its sign-off values.
    The comparison with the stored copy needs the database (``decisions``).
    ``doc``: the file already opened (by the inbox), so it is not parsed twice."""
    doc = doc if doc is not None else open_docx(data, source)
    props = signature_of(doc, source)
    form = form_of(props[P_KIND])
    rows = rows_of(props[P_KIND])
    vis, lines = _read(doc, source, form, rows)
    check_comments(vis, source, form)
    signoff = read_signoff_cells(vis, source, form)
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
        rows_raw=read_row_cells(vis, source) if rows else [],
        register_raw=register_rows(vis) if form == "signin" else [],
    )


def check_content(returned: Returned, sent_lines: list[str]) -> None:
    """Refuse when what the document shows differs from what we sent (outside the
    sign-off cells), naming the first changed place."""
    scheme = returned.properties.get(P_SCHEME, SCHEME)
    same_digest = scheme in OLD_SCHEMES or content_digest(sent_lines) == returned.digest
    if returned.lines == sent_lines and same_digest:
        return
    keys = {k for line in returned.lines for k in KEY_PATTERN.findall(line)}
    # a subject that is not a key (a statement: OA-2026/2026-09) is not named by one
    if keys and KEY_PATTERN.fullmatch(returned.request) and returned.request not in keys:
        raise Refused(
            returned.source,
            "request",
            f"the document shows {', '.join(sorted(keys))} but is signed for"
            f" {returned.request}: a signature copied onto another request's document",
            "other-request",
        )
    from .kinds import signable

    spec = signable(returned.kind)
    what = spec.name[1] if spec is not None else returned.kind
    raise Refused(
        returned.source,
        "content",
        f"differs from the {what} v{returned.version} we sent"
        f" ({describe_changes(sent_lines, returned.lines)}); only the sign-off cells may be"
        " filled in: ask for a new version instead",
        "edited",
    )


def verify_stored(data: bytes, source: str, kind: str = "plan") -> list[str]:
    """Canonical content of a stored (sent) document."""
    return _read(open_docx(data, source), source, form_of(kind), rows_of(kind))[1]


# --- the sign-off values -------------------------------------------------------------------

# Boxes as people fill them: ticked, empty, and marks that could mean either (refused).
TICKED = "☑☒✓✔√■▣●◉✅"
EMPTY = "☐□❑❒○◯◻⬜"
CROSSED = "✗✘×xX"
_DATE_FORMS = (
    re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
# 12月6日: the year left to the reader (read only when one year fits, ``parse_date``)
_YEARLESS = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]$")
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")}
_CN_DIGITS.update({"零": "0", "○": "0", "O": "0", "Ｏ": "0", "两": "2"})
_CN_NUMBER = re.compile(r"[〇○零一二两三四五六七八九十]+")


def _cn_number(word: str, year: bool) -> str:
    """二〇二六 -> 2026 (a year digit by digit), 十二 -> 12, 二十六 -> 26, 三十一 -> 31."""
    if year or "十" not in word:
        return "".join(_CN_DIGITS.get(c, c) for c in word)
    tens, _, ones = word.partition("十")
    n = (int(_CN_DIGITS[tens]) if tens else 1) * 10 + (int(_CN_DIGITS[ones]) if ones else 0)
    return str(n)


def _arabic(text: str) -> str:
    """A date written in Chinese numerals in digits: 二〇二六年十二月六日 -> 2026年12月6日."""
    out, pos = [], 0
    for m in _CN_NUMBER.finditer(text):
        out.append(text[pos : m.start()])
        after = text[m.end() : m.end() + 1]
        try:
            out.append(_cn_number(m.group(), year=after == "年"))
        except (KeyError, ValueError):
            return text
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


_FILLER = re.compile(r"[\s.。!！,，;；:：、()（）\[\]【】/|]+")


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


def parse_choice(
    text: str, options: dict[str, Any], source: str, fld: str, hint: str, blank_ok: bool = False
) -> Any:
    """The one option a client chose: typed alone (同意), or ticked among boxes, the box
    before or after its word (☑同意 ☐不同意, 同意☑ 不同意☐, 是☑ 否☐). Both or none
    ticked, a box that belongs to no word, a cross, or other words beside are unclear.
    With ``blank_ok`` a blank cell or one with no box ticked is None (not chosen yet)."""
    t = _paper_boxes(normalise(text).lower())
    if not t:
        if blank_ok:
            return None
        raise Refused(source, fld, f"is blank: write {hint}", "decision")
    bare = _FILLER.sub(" ", t).strip()
    if bare in options:
        return options[bare]
    words = "|".join(sorted(map(re.escape, options), key=len, reverse=True))
    token = re.compile(rf"({words})|([{TICKED}])|([{EMPTY}])|([{CROSSED}])")
    tokens: list[tuple[str, Any]] = []
    pos = 0
    for m in token.finditer(t):
        if _FILLER.sub("", t[pos : m.start()]):
            return _unclear(text, source, fld, hint)  # other words beside the options
        pos = m.end()
        if m.group(1):
            tokens.append(("word", options[m.group(1)]))
        elif m.group(2):
            tokens.append(("box", True))
        elif m.group(3):
            tokens.append(("box", False))
        else:
            return _unclear(text, source, fld, hint)
    if _FILLER.sub("", t[pos:]) or not tokens:
        return _unclear(text, source, fld, hint)
    kinds = [k for k, _ in tokens]
    if "box" not in kinds:
        return _unclear(text, source, fld, hint)
    # pair each box with its word: boxes before their words, or after them, never mixed
    first = kinds[0]
    if len(tokens) % 2 or any(k != (first if i % 2 == 0 else _other(first))
                              for i, k in enumerate(kinds)):  # fmt: skip
        return _unclear(text, source, fld, hint)
    pairs = [tokens[i : i + 2] for i in range(0, len(tokens), 2)]
    chosen = set()
    for pair in pairs:
        box = next(v for k, v in pair if k == "box")
        word = next(v for k, v in pair if k == "word")
        if box:
            chosen.add(word)
    if len(chosen) == 1:
        return chosen.pop()
    if not chosen and blank_ok:
        return None
    if not chosen:
        raise Refused(source, fld, f"'{short(text, 60)}': no box is ticked", "decision")
    raise Refused(
        source, fld, f"'{short(text, 60)}': more than one box is ticked ({hint})", "decision"
    )


# A box drawn the paper way: 同意（√） 不同意（ ）, (✓), [√], 【 】
_PAPER_BOX = re.compile(r"[(\[【]\s*([^()\[\]【】\s]?)\s*[)\]】]")


def _paper_boxes(t: str) -> str:
    """（√） -> ☑ and （ ） -> ☐ (a cross stays a cross: unclear); other brackets stay."""

    def box(m: re.Match[str]) -> str:
        mark = m.group(1)
        if not mark:
            return " ☐ "
        if mark in TICKED:
            return " ☑ "
        if mark in CROSSED:
            return f" {mark} "
        return m.group(0)

    return _PAPER_BOX.sub(box, t).strip()


def _other(kind: str) -> str:
    return "box" if kind == "word" else "word"


def _unclear(text: str, source: str, fld: str, hint: str) -> Any:
    raise Refused(
        source,
        fld,
        f"'{short(text, 60)}' is not a clear decision: write exactly {hint}",
        "decision",
    )


def parse_decision(text: str, source: str) -> Decision:
    """同意/不同意 (approve/reject), typed or ticked; anything else is refused."""
    return parse_choice(
        text, _spellings(), source, "decision", "同意 or 不同意 (approve or reject)"
    )


def parse_date(
    text: str, source: str, fld: str = "date", window: tuple[date, date] | None = None
) -> date:
    """A date as people write it: 2026-12-06, 2026/12/06, 2026.12.6, 2026年12月6日,
    full-width digits, Chinese numerals (二〇二六年十二月六日, 二零二六年…), and 12月6日
    when ``window`` (issued, today) leaves one year it can be in."""
    t = _arabic(normalise(text).rstrip(".。"))
    if not t:
        raise Refused(source, fld, "is blank: write the date of the decision (YYYY-MM-DD)", "date")
    for form in _DATE_FORMS:
        m = form.match(t)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    m = _YEARLESS.match(t)
    if m:
        fits = []
        if window is not None:
            for year in range(window[0].year, window[1].year + 1):
                try:
                    d = date(year, int(m.group(1)), int(m.group(2)))
                except ValueError:
                    continue
                if window[0] <= d <= window[1]:
                    fits.append(d)
        if len(fits) == 1:
            return fits[0]
        raise Refused(
            source,
            fld,
            f"'{short(text, 40)}' has no year and the year is not clear: write it with the"
            " year, e.g. 2026年12月6日",
            "date",
        )
    raise Refused(source, fld, f"'{short(text, 40)}' is not a date like 2026-12-01", "date")


def parse_signoff(
    raw: dict[str, str], source: str, window: tuple[date, date] | None = None
) -> SignOff:
    """The decision, approver, date and comment from the sign-off cells (``window``: the
    days the decision can be on, for a date written without its year)."""
    decision = parse_decision(raw.get("decision", ""), source)
    approver = clean_text(raw.get("approver", ""), 120)
    if not approver:
        raise Refused(source, "approver", "is blank: the approver's name is required", "approver")
    decided_on = parse_date(raw.get("date", ""), source, window=window)
    comment = clean_text(raw.get("comment", ""), 4000)
    return SignOff(decision, approver, decided_on, comment, dict(raw))


def read_return_to(raw: dict[str, str], source: str) -> str | None:
    """The state a not-accepted request returns to, from the sign-off's 退回至 (None: blank)."""
    value = raw.get("return_to", "").strip()
    if not value:
        return None
    return parse_choice(
        value, RETURN_VALUES, source, "return to", "测试 (testing) or 开发 (development)"
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
    """是/否 (yes/no), typed or ticked (☑是 ☐否, 是☑ 否☐)."""
    from changeflow.docs_templates.tpl_dispatch import ACCEPT_WORDS

    words = {w: v for v, ws in ACCEPT_WORDS.items() for w in ws}
    return parse_choice(text, words, source, "accepted", "是 or 否 (yes or no)")


def parse_agreed(text: str, source: str) -> bool:
    """无异议/有异议 (agreed/disputed), typed or ticked (☑无异议 ☐有异议)."""
    from changeflow.docs_templates.tpl_slareport import RESULT_WORDS

    words = {w: v for v, ws in RESULT_WORDS.items() for w in ws}
    return parse_choice(text, words, source, "result", "无异议 or 有异议 (agreed or disputed)")


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
