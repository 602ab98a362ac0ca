"""JUnit XML from outside, parsed safely: entity resolution, DTD loading and the network
off, ``huge_tree`` off, a size limit (``JUNIT_MAX_BYTES``), any DOCTYPE/ENTITY refused outright.
Counts come from the test cases themselves, not from the (sometimes wrong) attributes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

from changeflow.db.store import sha256_bytes
from changeflow.errors import InputError

from ..inputs import clean_text, read_limited

JUNIT_MAX_BYTES = 20 * 1024 * 1024
MAX_CASES = 200_000
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(slots=True)
class CaseOutcome:
    suite: str
    name: str
    classname: str
    outcome: str  # passed | failure | error | skipped
    message: str = ""
    seconds: Decimal = Decimal("0")
    requirement: str = ""  # the case's JUnit property ``requirement``, as written


@dataclass
class JUnitResult:
    """The counts and failed cases of one or more JUnit files."""

    suites: int = 0
    cases: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    duration: Decimal = Decimal("0")
    failed: list[CaseOutcome] = field(default_factory=list)
    every: list[CaseOutcome] = field(default_factory=list)  # every case, in file order
    environment: dict[str, str] = field(default_factory=dict)
    files: list[dict[str, str]] = field(default_factory=list)

    def merge(self, other: JUnitResult) -> None:
        self.suites += other.suites
        self.cases += other.cases
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped
        self.duration += other.duration
        self.failed.extend(other.failed)
        self.every.extend(other.every)
        for k, v in other.environment.items():
            self.environment.setdefault(k, v)
        self.files.extend(other.files)


def _local(el: Any) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


_ZERO = Decimal("0")
_MS = Decimal("0.001")


def _seconds(text: str | None, source: str, where: str) -> Decimal:
    if text is None or not text.strip():
        return _ZERO
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise InputError(source, where, f"time '{text[:30]}' is not a number of seconds") from None
    if not value.is_finite() or value < 0:
        raise InputError(source, where, f"time '{text[:30]}' is not a number of seconds")
    return value.quantize(_MS)


def _text(value: str | None, limit: int) -> str:
    return clean_text(value or "", limit)


def parse_junit(data: bytes, source: str) -> JUnitResult:
    """Parse one JUnit XML file (pytest, Maven surefire, Jest, Go and most CI tools)."""
    if not data:
        raise InputError(source, "file", "is empty")
    if len(data) > JUNIT_MAX_BYTES:
        raise InputError(source, "file", f"is {len(data)} bytes; the limit is {JUNIT_MAX_BYTES}")
    if _DTD.search(data):
        raise InputError(source, "file", "declares a DOCTYPE/ENTITY (refused)")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or "?"
        raise InputError(source, f"line {line}", "is not well-formed XML") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InputError(source, "file", "declares a DOCTYPE/ENTITY (refused)")
    kind = _local(root)
    if kind not in ("testsuites", "testsuite"):
        raise InputError(
            source, "root", f"<{kind}> is not JUnit XML (expected <testsuites> or <testsuite>)"
        )
    result = JUnitResult()
    suites = [root] if kind == "testsuite" else []
    suites += list(root.iterdescendants("{*}testsuite"))
    with_cases = [s for s in suites if next(s.iterchildren("{*}testcase"), None) is not None]
    result.suites = len(with_cases) or len(suites)
    case_seconds = Decimal("0")
    # Memos for one file: a run's cases share their suite, class and most times, and the
    # per-case cleaning and Decimal parsing were most of the parse (20,000 cases: 5x lxml).
    suite_names: dict[Any, str] = {}
    seconds_of: dict[str | None, Decimal] = {}
    classnames: dict[str | None, str] = {}
    every = result.every
    failed = result.failed
    append = every.append
    n_cases = n_skipped = n_failures = n_errors = 0
    for case in root.iter("{*}testcase"):
        n_cases += 1
        if n_cases > MAX_CASES:
            raise InputError(source, "testcase", f"more than {MAX_CASES} test cases")
        parent = case.getparent()
        suite = suite_names.get(parent)
        if suite is None:
            suite = suite_names[parent] = _text(
                parent.get("name", "") if parent is not None else "", 200
            )
        raw_time = case.get("time")
        secs = seconds_of.get(raw_time)
        if secs is None:
            secs = seconds_of[raw_time] = _seconds(
                raw_time, source, f"testcase {case.get('name', '')[:40]}"
            )
        case_seconds += secs
        raw_class = case.get("classname")
        classname = classnames.get(raw_class)
        if classname is None:
            classname = classnames[raw_class] = _text(raw_class, 300)
        name = case.get("name") or ""
        # clean_text's regex only when a control character may be there (most names: none)
        name = name.strip()[:300] if name.isprintable() else clean_text(name, 300)
        if not len(case):  # no failure/error/skipped/properties: most cases of a run
            append(CaseOutcome(suite, name, classname, "passed", "", secs))
            continue
        outcome, message = "passed", ""
        requirement = ""
        for child in case:
            tag = _local(child)
            if tag in ("error", "failure") and outcome != "error":
                outcome = tag
                message = child.get("message") or (child.text or "").strip()
            elif tag == "skipped" and outcome == "passed":
                outcome = "skipped"
                message = child.get("message") or (child.text or "").strip()
        for prop in case.iter("{*}property"):
            if (prop.get("name") or "").strip().lower() == "requirement":
                requirement = _text(prop.get("value"), 40)
                break
        this = CaseOutcome(
            suite=suite,
            name=name,
            classname=classname,
            outcome=outcome,
            message=_text(message, 2000) if outcome != "passed" else "",
            seconds=secs,
            requirement=requirement,
        )
        append(this)
        if outcome == "passed":
            continue
        if outcome == "skipped":
            n_skipped += 1
            continue
        if outcome == "failure":
            n_failures += 1
        else:
            n_errors += 1
        failed.append(this)
    result.cases = n_cases
    result.skipped, result.failures, result.errors = n_skipped, n_failures, n_errors
    if result.cases == 0:
        raise InputError(source, "testcase", "contains no test cases: nothing was tested")
    total = root.get("time")
    if total is None and kind == "testsuites":
        top = [s for s in suites if s.getparent() is root]
        times = [s.get("time") for s in top if s.get("time") is not None]
        if times:
            result.duration = sum(
                (_seconds(t, source, "testsuite time") for t in times), Decimal("0")
            )
        else:
            result.duration = case_seconds
    else:
        result.duration = _seconds(total, source, "time") if total else case_seconds
    first = suites[0] if suites else root
    for attr, label in (("hostname", "host"), ("timestamp", "timestamp")):
        if first.get(attr):
            result.environment[label] = _text(first.get(attr), 200)
    for prop in root.iter("{*}property"):
        owner = prop.getparent().getparent() if prop.getparent() is not None else None
        if owner is not None and _local(owner) == "testcase":
            continue  # a case's own property (requirement ...), not the environment
        if len(result.environment) < 20:
            name, value = prop.get("name"), prop.get("value")
            if name and value is not None:
                result.environment.setdefault(_text(name, 80), _text(value, 200))
    result.files.append({"name": Path(source).name, "sha256": sha256_bytes(data)})
    return result


def read_junit_files(paths: Sequence[Path]) -> list[tuple[str, bytes]]:
    return [(str(p), read_limited(Path(p), JUNIT_MAX_BYTES)) for p in paths]


def parse_junit_many(files: Sequence[tuple[str, bytes]]) -> JUnitResult:
    out = JUnitResult()
    for source, data in files:
        out.merge(parse_junit(data, source))
    return out
