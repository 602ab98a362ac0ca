"""The client-clean filter: every fact a client document shows from our own records goes
through here.

* Commit messages: the time-log tokens (``@3h``, ``@2h30m``) and the request links
  (``CR-2026-0001``, ``refs #1``) are internal bookkeeping; they are removed with the very
  patterns the git sync reads them by (``tasks.gitsync.linking``), and the conventional
  prefix (``feat:``, ``fix(ui):``, ``新增：``) becomes a category: 新增/修复/优化/文档/其他,
  in English New/Bug fix/Improvement/Documentation/Other (``describe``, ``change_line``).
* People: a git identity is shown as the person of the contract it belongs to (our staff,
  matched by e-mail, git alias or unique name as the git sync matches them); an identity
  nobody in the contract has is shown as 乙方 (Contractor), never as the raw git name; the
  system itself (``changeflow``, the scheduler, the inbox) is 系统 (System) (``Names``).
* Machine facts: paths, commands and unfilled placeholders never reach a client document;
  ``machine_leaks`` finds them (for a value that must not be shown) and ``scrub_paths``
  shortens a path to its file name where a line of output is shown as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from changeflow.bilingual import is_zh

# category -> ((zh-CN title, English title), prefixes recognised, lower case)
CATEGORIES: dict[str, tuple[tuple[str, str], tuple[str, ...]]] = {
    "added": (("新增", "New"), ("新增", "新功能", "feat", "feature", "add")),
    "fixed": (("修复", "Bug fix"), ("修复", "fix", "bugfix", "hotfix", "bug")),
    "improved": (
        ("优化", "Improvement"),
        ("优化", "改进", "重构", "perf", "refactor", "update", "improve", "style"),
    ),
    "docs": (("文档", "Documentation"), ("文档", "docs", "doc")),
    "other": (
        ("其他", "Other"),
        ("其他", "chore", "test", "tests", "build", "ci", "revert", "wip", "misc"),
    ),
}
_PREFIX = {p: kind for kind, (_, ps) in CATEGORIES.items() for p in ps}


def _alternation(words: list[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_EN = _alternation([p for p in _PREFIX if p.isascii()])
_ZH = _alternation([p for p in _PREFIX if not p.isascii()])
# "feat: x", "fix(sync)!: x", "[fix] x", "Fix - x"
_EN_NOTE = re.compile(
    rf"^(?:[\[【](?P<k1>{_EN})[\]】]\s*[:：-]?|(?P<k2>{_EN})(?:\([^)]{{0,60}}\))?!?\s*[:：]"
    rf"|(?P<k3>{_EN})\s+-)\s*(?P<text>.*)$",
    re.I,
)
# "新增：x", "【修复】x", "优化、x", "修复 x"
_ZH_NOTE = re.compile(
    rf"^(?:[\[【](?P<k1>{_ZH})[\]】]\s*[:：、-]?|(?P<k2>{_ZH})\s*[:：、-]|(?P<k3>{_ZH})\s+)"
    r"\s*(?P<text>.*)$"
)
_EMPTY_BRACKETS = re.compile(r"[\[【(（]\s*[,，;；]?\s*[\]】)）]")
_SPACES = re.compile(r"[ \t\u3000]{2,}")
_EDGE = " \t\u3000:：,，;；、-–—|/"  # what a removed key or token leaves at the start
_TAIL = " \t\u3000,，、-–—|/"  # ... and at the end (a user's own ; or ： stays)
_MERGE = re.compile(r"^Merge\b", re.I)


@cache
def _git_tokens() -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """The time-log token and the default request links (``tasks.gitsync.linking``), read
    when a commit message is first cleaned: a document with no commits (a plan) does not
    import the git sync (its models and writer) for them."""
    from ..gitsync.linking import DEFAULT_LINK_PATTERNS, TIME_TOKEN

    return TIME_TOKEN, tuple(re.compile(p) for p in DEFAULT_LINK_PATTERNS)


def strip_tokens(text: str, patterns: tuple[re.Pattern[str], ...] = ()) -> str:
    """``text`` without time-log tokens and request links (and the brackets they leave)."""
    time_token, links = _git_tokens()
    out = time_token.sub("", text)
    for p in (*links, *patterns):
        out = p.sub("", out)
    out = _EMPTY_BRACKETS.sub("", out)
    out = _SPACES.sub(" ", out)
    return out.lstrip(_EDGE).rstrip(_TAIL)


def category_title(kind: str, lang: str) -> str:
    zh, en = CATEGORIES.get(kind, CATEGORIES["other"])[0]
    return zh if is_zh(lang) else en


@dataclass(frozen=True)
class Change:
    """One change as the client reads it: a category and a description; ``labelled`` when the
    message named its category (a message without a prefix is shown as it is)."""

    kind: str
    text: str
    labelled: bool = True

    def line(self, lang: str) -> str:
        if not self.labelled:
            return self.text
        sep = "：" if is_zh(lang) else ": "
        return f"{category_title(self.kind, lang)}{sep}{self.text}" if self.text else ""


def describe(message: str, lang: str = "zh-CN") -> Change:
    """The change a commit message describes: its first line without tokens and links, the
    conventional prefix turned into a category (``other`` when it has none)."""
    first = next((ln for ln in (message or "").splitlines() if ln.strip()), "")
    if _MERGE.match(first):
        return Change("other", "合并开发分支" if is_zh(lang) else "Merged a development branch",
                      labelled=False)  # fmt: skip
    text = strip_tokens(first)
    for pattern in (_EN_NOTE, _ZH_NOTE):
        m = pattern.match(text)
        if m and m.group("text").strip(_TAIL):
            kind = next(m.group(k) for k in ("k1", "k2", "k3") if m.group(k))
            rest = strip_tokens(m.group("text"))
            return Change(_PREFIX[kind.lower()], rest[:1].upper() + rest[1:] if not is_zh(lang)
                          and rest[:1].isascii() else rest)  # fmt: skip
    return Change("other", text, labelled=False)


def change_line(message: str, lang: str) -> str:
    """``新增：请假统计报表`` for ``CR-2026-0001 新增：请假统计报表 @4h``."""
    return describe(message, lang).line(lang)


# --------------------------------------------------------------------------- people

SYSTEM_ACTORS = frozenset(
    {"changeflow", "system", "系统", "schedule", "scheduler", "prefect", "inbox", "demo", "ui",
     "cli", "document", "dispatch flow", "mail"}
)  # fmt: skip


def is_system(actor: str | None) -> bool:
    """The system (a flow, the scheduler, the inbox), not a person."""
    a = " ".join((actor or "").split()).casefold()
    return not a or a in SYSTEM_ACTORS or a.startswith("changeflow")


def person_shown(lang: str, *, system: bool = False) -> str:
    """The name for the system or for an identity nobody in the contract has."""
    if system:
        return "系统" if is_zh(lang) else "System"
    return "乙方" if is_zh(lang) else "Contractor"


class Names:
    """People as a client document names them: the person of the contract a git identity or
    an actor belongs to (matched as the git sync matches authors: e-mail, git alias, unique
    name), else 乙方; the system as 系统. Built once per document (one query)."""

    def __init__(self, session: Any, lang: str) -> None:
        from sqlalchemy import select

        from changeflow.db.models import Person

        from ..gitsync.linking import Identities

        self.lang = lang
        self.by_key = Identities(session, {}).by_key
        self.people: dict[int, str] = dict(session.execute(select(Person.id, Person.name)).all())
        self.names = {n.casefold(): n for n in self.people.values()}

    def person(self, person_id: int | None) -> str | None:
        return self.people.get(person_id) if person_id is not None else None

    def author(self, name: str | None, email: str | None = None, person_id: int | None = None
               ) -> str:  # fmt: skip
        """A commit author's name as the client reads it."""
        known = self.person(person_id)
        if known:
            return known
        for key in ((email or "").strip().casefold(), " ".join((name or "").split()).casefold()):
            if key and key in self.by_key:
                found = self.person(self.by_key[key][1])
                if found:
                    return found
        if name and name.strip().casefold() in self.names:
            return self.names[name.strip().casefold()]
        return person_shown(self.lang)

    def actor(self, actor: str | None) -> str:
        """Who made a stage change or a record: a person, else 系统 or 乙方."""
        if is_system(actor):
            return person_shown(self.lang, system=True)
        return self.author(actor)


def actor_shown(actor: str | None, lang: str, people: dict[str, str] | None = None) -> str:
    """An actor without a session at hand: a name in ``people`` (casefold -> name) as it is,
    the system as 系统, anyone else as 乙方."""
    if is_system(actor):
        return person_shown(lang, system=True)
    a = (actor or "").strip()
    if people is not None:
        return people.get(a.casefold(), person_shown(lang))
    return a


# --------------------------------------------------------------------------- machine facts

_WIN_PATH = r"[A-Za-z]:\\[^\s，。；：）)]*"
_POSIX_PATH = r"(?<![\w.:/])(?:~|\.{1,2})?/(?:[\w.@+-]+/)+[\w.@+-]*"
_PATH = re.compile(rf"{_WIN_PATH}|{_POSIX_PATH}|<checkout>[\\/]?\S*")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w.]*\}|\{\{.*?\}\}|\{%.*?%\}")
_COMMAND = re.compile(
    r"(?<![\w-])(?:changeflow\s+[a-z][\w-]*|python3?(?:\.\d+)?\s+[-\w./]+|\.venv\b|pip\s+install"
    r"|git\s+(?:worktree|checkout|clone|log)\b)",
    re.I,
)


def machine_leaks(text: str) -> list[str]:
    """Machine paths, commands and unfilled placeholders in ``text`` (what must not be
    shown to a client)."""
    found: list[str] = []
    for pat in (_PATH, _PLACEHOLDER, _COMMAND):
        found.extend(m.group(0) for m in pat.finditer(text or ""))
    return found


def scrub_paths(text: str) -> str:
    """A line of output with every path shortened to its last part (``.../oa/flow.py`` ->
    ``flow.py``); the rest (a test's own message) stays as it is."""

    def last(m: re.Match[str]) -> str:
        parts = [p for p in re.split(r"[\\/]", m.group(0)) if p]
        return parts[-1] if parts else ""

    return _PATH.sub(last, text or "")
