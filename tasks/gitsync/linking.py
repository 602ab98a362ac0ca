"""Who wrote a commit and what it is about: identities, request links and time tokens.

``Identities`` maps every spelling of an author to one identity (and a person when known);
``Linker`` finds the requests a message mentions; ``parse_time_tokens`` reads ``@2h``-style
time logs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Person, Request
from changeflow.errors import InputError

DEFAULT_LINK_PATTERNS = (
    r"(?<![A-Za-z0-9])(?P<key>(?:CR|GZ)-\d{4}-\d{4})(?!\d)",
    r"(?i)\b(?:refs?|fix(?:e[sd])?|close[sd]?)[ :]+#(?P<seq>\d{1,6})\b",
)
BRANCH_KEY = re.compile(r"(?:^|/)cr/(?P<key>CR-\d{4}-\d{4})$")
# A merge *of* a cr/ branch (git's and the forges' default messages), not "main into cr/...".
MERGE_KEY = re.compile(
    r"^Merge (?:remote-tracking )?branch '(?:[^'\s]+/)?cr/(?P<key>CR-\d{4}-\d{4})'"
    r"|^Merge (?:pull|merge) request \S+ from \S*?cr/(?P<key2>CR-\d{4}-\d{4})\b"
)
TIME_TOKEN = re.compile(
    r"(?<![\w@.])@(?:(?P<h>\d{1,3}(?:\.\d{1,2})?)h(?:(?P<hm>\d{1,2})m)?"
    r"|(?P<m>\d{1,4})m|(?P<bare>\d{1,3}(?:\.\d{1,2})?))(?![\w.])"
)
MAX_HOURS_PER_TOKEN = Decimal(24)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


# --------------------------------------------------------------------------- identities


class Identities:
    """Maps (name, email) to one identity and, when known, a person; cached per spelling."""

    def __init__(self, session: Session, aliases: dict[str, str]) -> None:
        self.by_key: dict[str, tuple[str, int | None]] = {}
        people = session.execute(
            select(Person.id, Person.name, Person.email, Person.git_aliases)
        ).all()
        name_count: dict[str, int] = {}
        for _pid, name, _email, _al in people:
            name_count[name.casefold()] = name_count.get(name.casefold(), 0) + 1
        for pid, name, email, git_aliases in people:
            ident = (email or name).strip().casefold()
            keys = [a.strip().casefold() for a in git_aliases or []]
            if email:
                keys.append(email.strip().casefold())
            if name_count[name.casefold()] == 1:
                keys.append(" ".join(name.split()).casefold())
            for k in keys:
                self.by_key.setdefault(k, (ident, pid))
        for spelling, canonical in (aliases or {}).items():
            target = canonical.strip().casefold()
            self.by_key[spelling.strip().casefold()] = self.by_key.get(target, (target, None))
        self.cache: dict[tuple[str, str], tuple[str, int | None]] = {}

    def resolve(self, name: str, email: str) -> tuple[str, int | None]:
        got = self.cache.get((name, email))
        if got is None:
            e = email.strip().casefold()
            n = " ".join(name.split()).casefold()
            got = self.by_key.get(e) or self.by_key.get(n) or (e or n, None)
            self.cache[(name, email)] = got
        return got


# --------------------------------------------------------------------------- links and time


class Linker:
    """Finds request links and time tokens in messages; requests are loaded once per sync."""

    def __init__(self, session: Session, patterns: Sequence[str]) -> None:
        self.default = not patterns
        try:
            self.patterns = [re.compile(p) for p in (patterns or DEFAULT_LINK_PATTERNS)]
        except re.error as exc:
            raise InputError(
                "repository", "link_patterns", f"bad regular expression: {exc}"
            ) from None
        for p in self.patterns:
            if not {"key", "seq"} & set(p.groupindex):
                raise InputError(
                    "repository", "link_patterns", f"{p.pattern!r} has no (?P<key>) or (?P<seq>)"
                )
        self.keys: dict[str, int] = {}
        self.seqs: dict[tuple[int, int], int] = {}
        for rid, key, year, seq in session.execute(  # "#N": the CR series (faults are GZ)
            select(Request.id, Request.key, Request.year, Request.seq).where(
                Request.series == "CR"
            )
        ):
            self.keys[key] = rid
            self.seqs[(year, seq)] = rid

    def find(self, message: str, dayno: int) -> list[tuple[int, int, str]]:
        """(position, request id, how) of every mention, in message order; ``dayno`` is the
        author's day (days since 1970-01-01) whose year numbers ``#N``."""
        if self.default and "CR-" not in message and "GZ-" not in message and "#" not in message:
            return []
        found: list[tuple[int, int, str]] = []
        for pat in self.patterns:
            for m in pat.finditer(message):
                gd = m.groupdict()
                if gd.get("key"):
                    rid = self.keys.get(gd["key"].upper())
                    how = "key"
                elif gd.get("seq"):
                    year = date.fromordinal(EPOCH_ORDINAL + dayno).year
                    rid = self.seqs.get((year, int(gd["seq"])))
                    how = "ref"
                else:
                    continue
                if rid is not None:
                    found.append((m.start(), rid, how))
        found.sort()
        return found


def parse_time_tokens(message: str) -> list[tuple[int, Decimal, str]]:
    """(position, hours, token) for ``@2h``, ``@1h30m``, ``@45m``, ``@1.5``; others ignored."""
    out: list[tuple[int, Decimal, str]] = []
    if "@" not in message:
        return out
    for m in TIME_TOKEN.finditer(message):
        if m["h"] is not None:
            minutes = int(m["hm"] or 0)
            if minutes >= 60:
                continue
            hours = Decimal(m["h"]) + Decimal(minutes) / 60
        elif m["m"] is not None:
            hours = Decimal(int(m["m"])) / 60
        else:
            hours = Decimal(m["bare"])
        hours = hours.quantize(Decimal("0.01"))
        if 0 < hours <= MAX_HOURS_PER_TOKEN:
            out.append((m.start(), hours, m.group(0)))
    return out
