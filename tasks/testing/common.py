"""What the testing rooms share: ``_pick`` (one of a zh-CN/en pair) and ``actor_name``."""

from __future__ import annotations

import os


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh-CN" else pair[1]


def actor_name() -> str:
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER") or "changeflow"
