"""A dispatch order returned as the client fills it in Word."""

from __future__ import annotations


def fill_signoff(src, out, values: dict[str, str]):
    """Type into the sign-off table's right-hand cells, as the client does in Word."""
    import docx

    from changeflow.docs_templates.tpl_dispatch import SIGNOFF_FIELDS

    doc = docx.Document(str(src))
    labels = {pair[0]: name for name, pair in SIGNOFF_FIELDS.items()}
    labels |= {pair[1]: name for name, pair in SIGNOFF_FIELDS.items()}
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


def stored(rel: str):
    from changeflow.settings import get_settings

    return get_settings().store_dir / rel
