"""Task-book intake: a filled .docx checked, parsed, validated and stored, per request.

Floor: python-docx opening the same file and reading its tables' text (what any reader of a
filled form must pay), measured in the same run.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT, fresh_home, row, timed


def _setup(home: Path) -> None:
    fresh_home(home, secret=False)


def run(quick: bool) -> list[dict[str, Any]]:
    import docx

    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import parse_docx, validate

    n = 10 if quick else 100
    data = (ROOT / "examples" / "taskbook.docx").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp) / "var")
        counter = iter(range(10**9))

        def one() -> None:
            # a distinct task book each time (the same bytes, or the same project, client and
            # requirements, twice are refused as a duplicate)
            i = next(counter)
            book = validate(parse_docx(data, "bench.docx"), "bench.docx")
            book = book.model_copy(update={"project": f"{book.project} {i}"})
            intake(book, source="bench.docx", original=data + str(i).encode(), filename="t.docx")

        def floor() -> None:
            d = docx.Document(io.BytesIO(data))
            [[c.text for c in r.cells] for t in d.tables for r in t.rows]

        def many(fn: Any) -> Any:
            return lambda: [fn() for _ in range(n)]

        floor_s = timed(many(floor), repeat=3, warmup=1)
        samples = timed(many(one), repeat=3, warmup=0)
    per = [s / n for s in samples]
    per_floor = [s / n for s in floor_s]
    return [
        row(f"intake of a filled .docx task book (per file, n={n})", per,
            "python-docx open + read tables", per_floor, target="-",
            per_second=round(n / min(samples), 1)),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run(quick=True):
        print(r)
