"""A dispatch order (or a monthly SLA statement) returned as the client fills it in Word;
Beijing times as written (``at``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def fill_signoff(src, out, values: dict[str, str], fields: dict | None = None):
    """Type into the sign-off table's right-hand cells, as the client does in Word
    (``fields``: the labels of another sign-off table, e.g. the statement's)."""
    import docx

    from changeflow.docs_templates.tpl_dispatch import SIGNOFF_FIELDS

    printed = fields or SIGNOFF_FIELDS
    doc = docx.Document(str(src))
    labels = {pair[0]: name for name, pair in printed.items()}
    labels |= {pair[1]: name for name, pair in printed.items()}
    done = 0
    for t in doc.tables:
        for row in t.rows:
            name = labels.get(row.cells[0].text.strip())
            if name in values:
                row.cells[1].text = values[name]
                done += 1
    assert done == len(values)
    doc.save(str(out))
    return out


def fill_statement(src, out, values: dict[str, str]):
    """The monthly SLA statement with its confirmation table filled in."""
    from changeflow.docs_templates.tpl_slareport import CONFIRM_FIELDS

    return fill_signoff(src, out, values, CONFIRM_FIELDS)


def stored(rel: str):
    from changeflow.settings import get_settings

    return get_settings().store_dir / rel


SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Beijing time as written (2026-11-25 02:00)."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def accept(number: str, folder, *, accepted: bool = True, on: str | None = None) -> dict:
    """The client signs the order's latest version (as returned through ``dispatch signoff``)."""
    from changeflow.tasks import maintenance as mt

    [v] = [o for o in mt.list_dispatch() if o["number"] == number]
    day = on or (v["actual_end"] or v["planned_end"])[:10]
    filled = fill_signoff(
        stored(v["document"]), folder / f"{number}-signed.docx",
        {"accepted": "是" if accepted else "否", "satisfaction": "4", "signer": "王芳",
         "date": day},
    )  # fmt: skip
    return mt.signoff_dispatch(filled)
