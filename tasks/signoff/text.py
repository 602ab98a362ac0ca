"""Text as it stays the same through every editor's save: the bottom of the sign-off room.

NFKC (full-width digits and brackets become ASCII), no invisible characters, one space for
any run of whitespace. Labels are compared by ``label_key``; ``short`` shortens a line for
a message.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACE = re.compile(r"\s+")


def normalise(text: str, nfkc: bool = True) -> str:
    """NFKC (full-width digits and brackets become ASCII), no invisible characters, one
    space for any run of whitespace: what stays the same through every editor's save.
    Without ``nfkc`` the client's own punctuation stays (comments, names)."""
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def label_key(text: str) -> str:
    """A label as the reader compares it: normalised, lower case, no trailing colon."""
    return normalise(text).lower().rstrip(":：").strip()


def short(line: str, n: int = 90) -> str:
    return line if len(line) <= n else line[: n - 1] + "…"
