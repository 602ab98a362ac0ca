"""The content check of a client document: what it says, read back with python-docx.

``check_content(path, lang)`` reads every paragraph of the body, every table cell (nested
tables too) and every header and footer, and reports what a client must never receive:

* ``path``: a machine path (``/tmp/...``, ``/home/...``, ``C:\\...``, ``<checkout>/...``);
* ``command``: a command line (``changeflow ...``, ``.venv``, ``python3 ...``, ``git ...``);
* ``placeholder``: an unfilled placeholder (``{junit}``, ``{{ x }}``, ``{% ... %}``);
* ``time-token``: a time-log token of a commit message (``@3h``, ``@2h30m``, ``@45m``);
* ``commit-prefix``: a raw conventional-commit prefix or link (``feat:``, ``fix(ui):``,
  ``refs #1``);
* ``kind-name``: an internal kind name (``testreport``, ``acceptance-returned v1``);
* ``system-as-person``: the system's own name (``changeflow``) anywhere in the text;
* ``build-machine``: facts of the machine that ran the tests (``Linux-6.1``, ``x86_64``,
  ``Python 3.11``);
* ``english`` (zh-CN documents only): an English word outside names and code. Code is a run
  in a monospace font (inline code, code blocks) or a token that reads as code (has ``_``,
  ``.``, ``/``, ``::``, digits, or is a hexadecimal commit); names are the document's
  allow-list (staff and client names, product names such as OA, SLA, Chrome, Windows) and
  request keys such as CR-2026-0001.

The patterns here are the check's own: they do not come from the filter they check
(``changeflow.tasks.documents``), so a leak the filter lets through is found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .words import CLIENT, LENIENT, TECHNICAL

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MONO_FONTS = ("consolas", "courier", "menlo", "mono", "monaco", "source code")

# names a zh-CN document may show in Latin letters: the one list (doccheck/words.py)
ALLOWED_WORDS = CLIENT | TECHNICAL | LENIENT

# a key (CR-2026-0001) and a test case's number (TC-1-2)
_KEY = re.compile(r"\b[A-Z]{2,4}-\d{4}-\d{4}(?:-v\d+)?\b|\b[A-Z]{1,4}(?:-\d+){1,3}\b")
_TAG = re.compile(r"\brelease/\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\bhttps?://\S+")
_ROOTS = r"(?:tmp|home|root|usr|var|opt|work|etc|srv|mnt|Users|private|proc|run|builds?)"
PATH = re.compile(
    rf"(?<![\w.])/{_ROOTS}/\S*|[A-Za-z]:\\\S*|<checkout>\S*|~/\S+|\S*/\.venv\b\S*|\S*/site-packages\S*"
)
COMMAND = re.compile(
    r"\bchangeflow\s+(?:[a-z][\w-]*)\b|(?<![\w-])\.venv\b|\bpython3?(?:\.\d+)?\s+\S+\.py\b"
    r"|\bpython3?\s+-m\b|\bpip3?\s+install\b|\bgit\s+(?:worktree|checkout|clone|log|tag|push)\b"
    r"|\$\s+\w+|\bsudo\b"
)
PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w.]*\}|\{\{.*?\}\}|\{%.*?%\}")
TIME_TOKEN = re.compile(r"(?<![\w@.])@\d{1,3}(?:\.\d{1,2})?(?:h(?:\d{1,2}m)?|m)?(?![\w.])")
# a raw prefix starts a message: at the start of a line or cell, or after the request key
COMMIT_PREFIX = re.compile(
    r"(?:^|(?<=[A-Z]{2}-\d{4}-\d{4} )|(?<=[|；;]))\s*"
    r"(?:feat|fix|chore|refactor|perf|docs|style|test|build|ci|revert|hotfix|bugfix)"
    r"(?:\([^)]{0,40}\))?!?\s*[:：]"
    r"|(?<![\w-])(?:refs?|close[sd]?|fixe[sd])\s*:?\s*#\d+",
    re.M,
)
KIND_NAME = re.compile(
    r"(?<![\w-])(?:testreport|techdoc|golive|taskbook(?:-form)?|plan-draft|plan-returned"
    r"|acceptance-returned|dispatch-returned|weekly-report|sla-report|fault-record)(?![\w-])"
    r"|(?<![\w-])(?<![A-Za-z] )(?:plan|acceptance|manual|dispatch)\s+v\d+\b"
)
SYSTEM = re.compile(r"changeflow", re.I)
BUILD_MACHINE = re.compile(
    r"\bLinux-\d|\bx86_64\b|\baarch64\b|\bglibc\b|\bPython\s+3\.\d+|\bDebian\b|\bUbuntu\b"
    r"|\bgit version\b",
    re.I,
)
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
_CODEISH = re.compile(r"\S*(?:[_/\\]|::|\w\.\w|\(\)|=)\S*")
_HEX = re.compile(r"\b[0-9a-f]{7,64}\b")

CHECKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("path", PATH),
    ("command", COMMAND),
    ("placeholder", PLACEHOLDER),
    ("time-token", TIME_TOKEN),
    ("commit-prefix", COMMIT_PREFIX),
    ("kind-name", KIND_NAME),
    ("system-as-person", SYSTEM),
    ("build-machine", BUILD_MACHINE),
)


@dataclass(frozen=True)
class Finding:
    kind: str
    found: str
    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.found!r} in {self.where}: {self.text[:120]!r}"


@dataclass(frozen=True)
class Block:
    """A paragraph's text as the reader sees it, and the part of it that is not code."""

    where: str
    text: str
    prose: str


def _is_mono(run: object) -> bool:
    from docx.oxml.ns import qn

    rpr = run._r.rPr  # type: ignore[attr-defined]
    names = [run.font.name or ""]
    if rpr is not None and rpr.rFonts is not None:
        names += [rpr.rFonts.get(qn(a)) or "" for a in ("w:ascii", "w:hAnsi")]
    return any(m in n.casefold() for n in names for m in MONO_FONTS)


def _paragraph(p: object, where: str) -> Block:
    runs = list(p.runs)  # type: ignore[attr-defined]
    style = (getattr(getattr(p, "style", None), "name", "") or "").casefold()
    code_style = "code" in style or any(m in style for m in MONO_FONTS)
    text = p.text  # type: ignore[attr-defined]
    if code_style:
        return Block(where, text, "")
    if runs and "".join(r.text for r in runs) == text:
        prose = "".join(" " if _is_mono(r) else r.text for r in runs)
    else:  # text in hyperlinks or fields: take it as prose
        prose = text
    return Block(where, text, prose)


def _container(container: object, where: str) -> Iterator[Block]:
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    element = container._element if hasattr(container, "_element") else container  # type: ignore[attr-defined]
    body = getattr(container, "_body", None)
    parent = body if body is not None else container
    for child in element.iterchildren():  # type: ignore[attr-defined]
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield _paragraph(Paragraph(child, parent), where)
        elif tag == "tbl":
            # each physical cell once (a merged cell is one w:tc): the XML rows, not
            # python-docx's grid, which repeats a merged cell in every column it spans
            table = Table(child, parent)
            for r, tr in enumerate(child.iterchildren(f"{{{W}}}tr"), start=1):
                for c, tc in enumerate(tr.iterchildren(f"{{{W}}}tc"), start=1):
                    yield from _container(_Cell(tc, table), f"{where} table row {r} cell {c}")
        elif tag == "sdt":
            content = child.find(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sdtContent"
            )
            if content is not None:
                yield from _container(content, where)


def blocks(path: Path | str) -> list[Block]:
    """Every paragraph of the body, the tables and the headers and footers."""
    import docx

    doc = docx.Document(str(path))
    out = list(_container(doc._body, "body"))  # type: ignore[attr-defined]
    for i, section in enumerate(doc.sections, start=1):
        for name in ("header", "footer", "first_page_header", "first_page_footer",
                     "even_page_header", "even_page_footer"):  # fmt: skip
            part = getattr(section, name)
            if part.is_linked_to_previous and i > 1:
                continue
            out.extend(_container(part, f"section {i} {name.replace('_', ' ')}"))
    return out


def english_words(prose: str, allow: Iterable[str] = ()) -> list[str]:
    """English words of a zh-CN text outside code, names and keys."""
    allowed = ALLOWED_WORDS | {w.casefold() for a in allow for w in WORD.findall(a)}
    text = prose
    for pat in (_URL, _EMAIL, _TAG, _KEY, _CODEISH, _HEX):
        text = pat.sub(" ", text)
    words = []
    for w in WORD.findall(text):
        if w.casefold() in allowed:
            continue
        if len(w) == 1 and not w.isalpha():
            continue
        if len(w) == 1:  # a lone letter: a list marker, a unit after a number (3 h)
            continue
        words.append(w)
    return words


def check_blocks(found: list[Block], lang: str, allow: Iterable[str] = ()) -> list[Finding]:
    allow = list(allow)
    out: list[Finding] = []
    for b in found:
        for kind, pat in CHECKS:
            # paths, commands and placeholders are leaks even in code; the rest in prose
            text = (
                b.text if kind in ("path", "command", "placeholder", "build-machine") else b.prose
            )
            for m in pat.finditer(text):
                out.append(Finding(kind, m.group(0), b.where, b.text))
        if lang == "zh-CN":
            for w in english_words(b.prose, allow):
                out.append(Finding("english", w, b.where, b.text))
    return out


def check_content(path: Path | str, lang: str, allow: Iterable[str] = ()) -> list[Finding]:
    """Every leak the document at ``path`` (in ``lang``) shows; [] when it is clean."""
    return check_blocks(blocks(path), lang, allow)


def contract_names() -> list[str]:
    """The names a document may show in Latin letters: the contract's people and clients
    (their names and aliases) and the words of the client's test environment as the
    contract names it (a server such as ``oa-test``), read from the database the documents
    were made from."""
    from sqlalchemy import select

    from changeflow.db.models import Client, Contract, Person
    from changeflow.db.session import transaction

    names: list[str] = []
    with transaction() as s:
        names.extend(s.scalars(select(Person.name)))
        for client in s.scalars(select(Client)):
            names.append(client.name)
            names.extend(getattr(client, "aliases", None) or [])
        for settings in s.scalars(select(Contract.settings)):
            env = (settings or {}).get("test_environment") or {}
            items = env.items() if isinstance(env, dict) else enumerate(env)
            names.extend(f"{k} {v}" for k, v in items)
    return names
