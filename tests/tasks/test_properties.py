"""Property-based tests of the parsers that read what other people typed: the task book,
the approval table's cells, and commit messages (request links and time tokens).

Each parser either returns a well-formed value or raises our one error type; nothing else
escapes, and what we write out is read back the same.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from changeflow.errors import InputError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# --- the task book ---------------------------------------------------------------------------

json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_like = st.recursive(
    json_leaf,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=4)
    ),
    max_leaves=25,
)
FIELDS = ("project", "client", "contact", "phone", "email", "requested_by", "date", "kind",
          "priority", "desired_date", "background", "requirements", "attachments")  # fmt: skip


@SETTINGS
@given(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), json_like, max_size=14))
def test_taskbook_validate_returns_a_book_or_one_input_error(data: dict[str, Any]) -> None:
    from changeflow.tasks.taskbook import TaskBook, validate

    try:
        book = validate(data, "fuzz.yaml")
    except InputError as exc:
        assert exc.source == "fuzz.yaml" and exc.field and exc.problem
        assert "\n" not in str(exc)
        return
    assert isinstance(book, TaskBook) and book.requirements


@SETTINGS
@given(st.binary(max_size=3000))
@example(b"a: &x 1\nb: *x\n")
@example(b"\xef\xbb\xbfproject: x\n")
@example(b"date: 2026-02-30\n")
def test_yaml_loader_never_crashes_on_bytes(data: bytes) -> None:
    from changeflow.tasks.inputs import load_yaml

    try:
        load_yaml(data, "fuzz.yaml")
    except InputError as exc:
        assert "\n" not in str(exc)


@SETTINGS
@given(st.text(max_size=400))
def test_yaml_loader_never_crashes_on_text(text: str) -> None:
    from changeflow.tasks.inputs import load_yaml

    with contextlib.suppress(InputError):
        load_yaml(text.encode("utf-8", "surrogatepass"), "fuzz.yaml")


# NEL, LS and PS are line breaks to YAML (a dumped '0\x850' loads as '0 0'): not text a
# client types into a one-line field, and not ours to keep.
words = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x85\u2028\u2029"),
    min_size=1,
    max_size=60,
).filter(lambda s: CONTROL.sub("", s).strip())
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


@st.composite
def taskbooks(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 6))
    return {
        "project": draw(words),
        "client": "示例集团有限公司",
        "contact": draw(words),
        "requested_by": draw(words),
        "date": draw(dates).isoformat(),
        "kind": draw(st.sampled_from(["dev", "change", "开发", "变更"])),
        "priority": draw(st.sampled_from(["high", "medium", "low", "高", "中", "低"])),
        "background": draw(st.text(max_size=200)),
        "requirements": [
            {
                "no": i,
                "text": draw(words),
                "priority": draw(st.sampled_from(["high", "low", "中"])),
                "acceptance": draw(st.text(max_size=80)),
            }
            for i in range(1, n + 1)
        ],
        "attachments": draw(st.lists(words, max_size=3)),
    }


def _expected(text: str, limit: int = 20000) -> str:
    from changeflow.tasks.inputs import clean_text

    return clean_text(text, limit)


@SETTINGS
@given(taskbooks())
def test_taskbook_yaml_round_trip(data: dict[str, Any]) -> None:
    """Whatever a client types (any Unicode, control characters) comes back as clean text."""
    from changeflow.tasks.inputs import load_yaml
    from changeflow.tasks.taskbook import validate

    blob = yaml.safe_dump(data, allow_unicode=True).encode("utf-8")
    try:
        book = validate(load_yaml(blob, "t.yaml"), "t.yaml")
    except InputError as exc:  # only a length limit after cleaning may refuse it
        assert "at most" in exc.problem or "at least" in exc.problem, exc
        return
    assert book.project == _expected(data["project"])[:300]
    assert [r.text for r in book.requirements] == [
        _expected(r["text"]) for r in data["requirements"]
    ]
    for value in (book.project, book.background, *(r.acceptance for r in book.requirements)):
        assert not CONTROL.search(value)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(taskbooks())
def test_taskbook_docx_round_trip(data: dict[str, Any]) -> None:
    """The filled Word template reads back as the same book (cell text, any Unicode)."""
    import tempfile

    from changeflow.tasks.taskbook import parse_docx, validate
    from tests.support.helpers import fill_taskbook

    data = {**data, "kind": "dev", "priority": "high"}
    for r in data["requirements"]:
        r["priority"] = "high"
    cleaned = {
        **data,
        "project": _expected(data["project"]),
        "contact": _expected(data["contact"]),
        "requested_by": _expected(data["requested_by"]),
        "background": _expected(data["background"]),
        "requirements": [
            {**r, "text": _expected(r["text"]), "acceptance": _expected(r["acceptance"])}
            for r in data["requirements"]
        ],
        "attachments": [_expected(a) for a in data["attachments"]],
    }
    assume(all(len(cleaned[f]) <= 120 for f in ("contact", "requested_by")))
    with tempfile.TemporaryDirectory() as tmp:
        # python-docx refuses control characters, as Word does: type the cleaned text
        path = fill_taskbook(cleaned, Path(tmp) / "t.docx")
        raw = parse_docx(path.read_bytes(), str(path))
    try:
        book = validate(raw, "t.docx")
    except InputError as exc:
        assert "at most" in exc.problem, exc
        return
    assert book.project == cleaned["project"].strip()
    assert [r.text for r in book.requirements] == [
        r["text"].strip() for r in cleaned["requirements"]
    ]
    assert book.date.isoformat() == data["date"]


# --- the approval table ----------------------------------------------------------------------


@SETTINGS
@given(st.text(max_size=200))
@example("☐同意 ☑不同意")
@example("同意不同意")
@example("")
def test_decision_is_approve_reject_or_refused(text: str) -> None:
    from changeflow.tasks.signoff import Refused, parse_decision

    try:
        assert parse_decision(text, "returned.docx") in ("approve", "reject")
    except Refused as exc:
        assert exc.field == "decision" and "\n" not in exc.problem.replace(text, "")


@SETTINGS
@given(
    st.sampled_from(["同意", "不同意", "approve", "Approved", "REJECT", "rejected"]),
    st.sampled_from(["", " ", "。", "!", "\u3000"]),
    st.sampled_from(["", " ", "☑"]),
)
def test_decision_spellings_read_back(word: str, tail: str, tick: str) -> None:
    from changeflow.tasks.signoff import parse_decision

    want = "reject" if word.lower().startswith(("不", "reject")) else "approve"
    assert parse_decision(f"{tick}{word}{tail}", "r.docx") == want


@SETTINGS
@given(st.text(max_size=60))
def test_signoff_date_parser_total(text: str) -> None:
    from changeflow.tasks.signoff import Refused, parse_date

    try:
        assert isinstance(parse_date(text, "r.docx"), dt.date)
    except Refused as exc:
        assert exc.field == "date"


DATE_FORMS = ["{:%Y-%m-%d}", "{:%Y/%m/%d}", "{:%Y年%m月%d日}", "{:%Y%m%d}",
              "{d.year}年{d.month}月{d.day}日", "{d.year}.{d.month}.{d.day}"]  # fmt: skip


@SETTINGS
@given(dates, st.sampled_from(DATE_FORMS))
def test_signoff_date_forms_read_back(day: dt.date, form: str) -> None:
    from changeflow.tasks.signoff import parse_date

    text = form.format(day, d=day)
    assert parse_date(text, "r.docx") == day
    # full-width digits, as a Chinese input method types them
    full = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert parse_date(full, "r.docx") == day


# --- commit messages -------------------------------------------------------------------------


class _Requests:
    """The request keys a Linker looks up (a stand-in for the query result)."""

    def __init__(self, rows: list[tuple[int, str, int, int]]) -> None:
        self.rows = rows

    def execute(self, _query: Any) -> list[tuple[int, str, int, int]]:
        return self.rows


KEYS = [(1, "CR-2026-0001", 2026, 1), (2, "CR-2026-0042", 2026, 42), (3, "CR-2027-0001", 2027, 1)]


def _linker() -> Any:
    from changeflow.tasks.gitsync import DEFAULT_LINK_PATTERNS, Linker

    return Linker(_Requests(KEYS), DEFAULT_LINK_PATTERNS)  # type: ignore[arg-type]


@SETTINGS
@given(st.text(max_size=500), st.integers(2000, 2100))
def test_commit_links_never_crash_and_point_at_known_requests(message: str, year: int) -> None:
    found = _linker().find(message, year)
    assert [p for p, _, _ in found] == sorted(p for p, _, _ in found)
    assert all(rid in {1, 2, 3} and how in ("key", "ref") for _, rid, how in found)


sep = st.sampled_from([" ", "\n", "(", "[", "：", "，", "\t", ""])


@SETTINGS
@given(st.sampled_from(KEYS), st.text(max_size=40), sep, sep, st.text(max_size=40))
def test_commit_key_is_found_wherever_it_stands(
    key: tuple[int, str, int, int], before: str, s1: str, s2: str, after: str
) -> None:
    rid, text = key[0], key[1]
    assume(not re.search(r"[A-Za-z0-9]$", before + s1) and not re.match(r"^\d", s2 + after))
    message = f"{before}{s1}{text}{s2}{after}"
    found = _linker().find(message, 2026)
    assert (len(before + s1), rid, "key") in found


@SETTINGS
@given(st.text(max_size=300))
def test_time_tokens_never_crash_and_stay_in_range(message: str) -> None:
    from changeflow.tasks.gitsync import parse_time_tokens

    for pos, hours, token in parse_time_tokens(message):
        assert message[pos : pos + len(token)] == token
        assert Decimal(0) < hours <= Decimal(24)
        assert hours == hours.quantize(Decimal("0.01"))


@SETTINGS
@given(st.integers(0, 23), st.integers(0, 59), st.text(max_size=30), st.text(max_size=30))
def test_time_token_reads_back(h: int, m: int, before: str, after: str) -> None:
    from changeflow.tasks.gitsync import parse_time_tokens

    assume(h or m)
    assume(not re.search(r"[\w@.]$", before) and not re.match(r"^[\w.]", after))
    token = f"@{h}h{m}m" if h and m else (f"@{h}h" if h else f"@{m}m")
    got = parse_time_tokens(f"{before}{token}{after}")
    want = (Decimal(h) + Decimal(m) / 60).quantize(Decimal("0.01"))
    assert (len(before), want, token) in got
