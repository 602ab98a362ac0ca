"""Client approval: signing a plan, verifying a returned one, recording the decision; and
verifying a returned acceptance certificate with its per-row 验收结论 (the requirements
table's conclusion cells masked and read back row by row).

Floors, measured in the same run:
- signing: python-docx saving the same document (what rendering pays anyway);
- verifying and recording: python-docx opening the returned file and the stored plan and
  reading the text of every paragraph and table (what any check of the whole document
  against the stored copy must pay).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT, fresh_home, interleaved, row, timed


def _setup(home: Path) -> None:
    fresh_home(home)


def _planned(n: int) -> list[tuple[bytes, bytes]]:
    """``n`` requests with a plan each: (returned file filled by the client, stored plan)."""
    from changeflow.tasks.inputs import load_yaml
    from changeflow.tasks.intake import intake
    from changeflow.tasks.planning import make_plan
    from changeflow.tasks.taskbook import validate
    from tests.support.approval import fill

    book = load_yaml((ROOT / "examples" / "taskbook.yaml").read_bytes(), "taskbook.yaml")
    out = []
    for _ in range(n):
        key = intake(validate(book, "bench"), source="bench").key
        stored = Path(make_plan(key, issue=True)["document"]).read_bytes()
        out.append((fill(stored), stored))
    return out


def _certificate(tmp: Path) -> tuple[bytes, bytes]:
    """A live request's certificate: (returned with every row ticked 通过, stored)."""
    from changeflow.tasks.acceptance import issue_certificate
    from changeflow.tasks.inputs import load_yaml
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import validate
    from tests.support.delivery import fill_certificate, go_live

    book = load_yaml((ROOT / "examples" / "taskbook.yaml").read_bytes(), "taskbook.yaml")
    key = intake(validate(book, "bench"), source="bench").key
    go_live(key, tmp / "cert")
    stored = Path(issue_certificate(key, actor="bench").document).read_bytes()
    return fill_certificate(stored), stored


def _read_both(blobs: tuple[bytes, bytes]) -> None:
    import docx

    for blob in blobs:
        d = docx.Document(io.BytesIO(blob))
        [p.text for p in d.paragraphs]
        [[c.text for c in r.cells] for t in d.tables for r in t.rows]


def run(quick: bool) -> list[dict[str, Any]]:
    import docx

    from changeflow.tasks.returned import approve_document
    from changeflow.tasks.signoff import (
        check_content,
        parse_row_decisions,
        read_returned,
        sign_document,
        verify_stored,
    )

    n = 6 if quick else 40
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp) / "var")
        files = _planned(n)
        returned, stored = files[0]
        doc = docx.Document(io.BytesIO(stored))

        def sign() -> None:
            sign_document(doc, kind="plan", request="CR-2026-0001", version=1, lang="zh-CN")

        def save() -> None:
            doc.save(io.BytesIO())

        def verify() -> None:
            r = read_returned(returned, "r.docx")
            check_content(r, verify_stored(stored, "s.docx"))

        def floor() -> None:
            for blob in (returned, stored):
                d = docx.Document(io.BytesIO(blob))
                [p.text for p in d.paragraphs]
                [[c.text for c in r.cells] for t in d.tables for r in t.rows]

        # in turns, as the other figures: a busy neighbour slows the figure and its floor alike
        got = interleaved({"save": save, "sign": sign}, repeat=n, warmup=2)
        sign_s, save_s = got["sign"], got["save"]
        floor_s = timed(floor, repeat=n, warmup=2)
        verify_s = timed(verify, repeat=n, warmup=2)
        it = iter(files)

        def record() -> None:
            data, _ = next(it)
            approve_document(data, "bench.docx")

        record_s = timed(record, repeat=n)
        cert = _certificate(Path(tmp))

        def verify_cert() -> None:
            r = read_returned(cert[0], "c.docx")
            check_content(r, verify_stored(cert[1], "s.docx", "acceptance"))
            assert [x.conclusion for x in parse_row_decisions(r.rows_raw, "c.docx")] == [
                "passed"
            ] * 3

        cert_s = timed(verify_cert, repeat=n, warmup=2)
        cert_floor = timed(lambda: _read_both(cert), repeat=n, warmup=2)
    return [
        row("sign a plan document (the whole page as shown + HMAC properties)", sign_s,
            "python-docx save of the same document", save_s, target="-"),
        # the whole page as Word draws it (styles resolved, list numbers, bound controls,
        # floating objects, comments) on both files: 0.80-0.99x on 2026-12-06, 0.87-0.92x before
        row("verify a returned plan (checks, HMAC, whole page vs stored copy, sign-off)",
            verify_s, "python-docx open + read paragraphs and tables of both files", floor_s,
            target="<= 1.5x"),
        row(f"record a decision from a returned plan (verify + one transaction + archive, n={n})",
            record_s, "python-docx open + read paragraphs and tables of both files", floor_s,
            target="-",
            per_second=round(1 / min(record_s), 1)),
        row("verify a returned acceptance certificate (as a plan, and 验收结论 read per row)",
            cert_s, "python-docx open + read paragraphs and tables of both files", cert_floor,
            target="-"),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run(quick=True):
        print(r)
