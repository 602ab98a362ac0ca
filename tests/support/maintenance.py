"""A dispatch order (or a monthly SLA statement) returned as the client fills it in Word."""

from __future__ import annotations


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
