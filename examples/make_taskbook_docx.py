"""Fill the shipped task-book template the way a client does in Word, from taskbook.yaml.

    python examples/make_taskbook_docx.py [OUT.docx]

Typing into the cells of the blank template is exactly what a client does; the result is
``examples/taskbook.docx``, which ``changeflow intake`` reads back.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import docx

from changeflow.docs_templates import labels
from changeflow.tasks.inputs import load_yaml
from changeflow.tasks.wordkit import template_path

HERE = Path(__file__).parent
PRIORITY_ZH = {"high": "高", "medium": "中", "low": "低"}
KIND_ZH = {"dev": "开发", "change": "变更"}


def fill(data: dict[str, Any], out: Path, lang: str = "zh-CN") -> Path:
    doc = docx.Document(str(template_path("taskbook", lang)))
    basic, reqs, atts = doc.tables[0], doc.tables[1], doc.tables[2]
    values = dict(data)
    values["kind"] = KIND_ZH[data["kind"]] if lang == "zh-CN" else data["kind"]
    values["priority"] = PRIORITY_ZH[data["priority"]] if lang == "zh-CN" else data["priority"]
    for row, field in zip(basic.rows, labels.TASKBOOK_FIELDS, strict=True):
        value = values.get(field)
        if isinstance(value, date) and lang == "zh-CN":  # as a client writes it
            value = f"{value.year}年{value.month}月{value.day}日"
        row.cells[1].text = "" if value is None else str(value).strip()
    for i, req in enumerate(data["requirements"], start=1):
        row = reqs.rows[i] if i < len(reqs.rows) else reqs.add_row()
        prio = PRIORITY_ZH[req["priority"]] if lang == "zh-CN" else req["priority"]
        for cell, text in zip(row.cells, [req["no"], req["text"], prio, req["acceptance"]],
                              strict=True):  # fmt: skip
            cell.text = str(text)
    for i, name in enumerate(data.get("attachments", []), start=1):
        row = atts.rows[i] if i < len(atts.rows) else atts.add_row()
        row.cells[0].text, row.cells[1].text = str(i), name
    doc.save(out)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "taskbook.docx"
    spec = load_yaml((HERE / "taskbook.yaml").read_bytes(), "taskbook.yaml")
    print(fill(spec, target))
