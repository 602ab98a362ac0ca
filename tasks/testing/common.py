"""What the testing rooms share: ``actor_name``."""

from __future__ import annotations

import os


def actor_name() -> str:
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER") or "changeflow"
