"""One bilingual kit for every layer: the language test, ``pick`` and the label tables a
person reads (states, phases, clocks, severities, outcomes).

A label is a pair ``(中文, English)``. A zh-CN installation shows the Chinese first; where
the house shows both (forms, artifacts, mails), ``both`` gives ``中文 English``. Code that
needs a language-specific word asks this module, never tests ``lang == "zh-CN"`` itself.
"""

from __future__ import annotations

from collections.abc import Mapping

Pair = tuple[str, str]
ZH = "zh-CN"
EN = "en"
LANGS = (ZH, EN)


def is_zh(lang: str | None) -> bool:
    """True for a Chinese installation or document (the default language)."""
    return lang is None or lang == ZH or lang.lower().startswith("zh")


def pick(pair: Pair, lang: str | None) -> str:
    """The label of ``pair`` in ``lang``."""
    return pair[0] if is_zh(lang) else pair[1]


def both(pair: Pair, lang: str | None = ZH, sep: str = " ") -> str:
    """Both labels, the installation's language first (``签发 Issue`` / ``Issue 签发``)."""
    zh, en = pair
    if zh == en:
        return zh
    return f"{zh}{sep}{en}" if is_zh(lang) else f"{en}{sep}{zh}"


def label(table: Mapping[str, Pair], key: str, lang: str | None) -> str:
    """``key``'s label from ``table`` in ``lang``; an unknown key shows as itself."""
    pair = table.get(key)
    return pick(pair, lang) if pair else key
