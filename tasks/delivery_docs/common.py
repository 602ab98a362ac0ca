"""What the delivery-document rooms share: ``_CONTROL`` (control characters removed from
text) and ``_pick`` (one of a zh-CN/en pair).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh-CN" else pair[1]
