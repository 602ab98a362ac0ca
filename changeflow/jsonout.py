"""Plain JSON values from the domain's results, for every layer that prints or publishes them.

``to_jsonable`` turns dicts, lists, ``Decimal`` amounts (as exact strings), dates, paths and
pydantic models into what ``json.dumps`` takes. The CLI's ``--json`` output and the flows'
table artifacts use it, so it lives at the bottom with the settings and errors.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any


def to_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump(mode="json"))
    return value


__all__ = ["to_jsonable"]
