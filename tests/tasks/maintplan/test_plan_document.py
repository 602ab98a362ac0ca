"""The plan document (日常维护服务计划) rendered from the loaded plan in both languages, read
back as a real .docx; the client's confirmation returned through the inbox and recorded; a
doctored copy (a threshold changed before signing) refused with nothing recorded."""

from __future__ import annotations

import json
from pathlib import Path

import docx

from tests.support.maintenance import fill_signoff, stored

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _cells(path: Path) -> list[str]:
    d = docx.Document(str(path))
    return [c.text for t in d.tables for row in t.rows for c in row.cells]


def test_plan_document_signed_and_doctored(contract: str, cli, tmp_path: Path) -> None:
    from changeflow.docs_templates.tpl_maintplan import CONFIRM_FIELDS
    from changeflow.settings import get_settings
    from changeflow.tasks import maintplan as mp
    from changeflow.tasks.inbox import process_inbox
    from changeflow.tasks.maintplan.documents import list_plan_documents
    from changeflow.tasks.signoff import today_local

    code, out, err = cli("maintplan", "load", str(EXAMPLES / "maintplan.yaml"), "--json")
    assert code == 0, err
    assert json.loads(out)["revision"] == 1
    code, out, err = cli("maintplan", "document", "--contract", "OA-2026", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert (r["subject"], r["version"], r["state"]) == ("OA-2026/maintplan", 1, "issued")
    sent = stored(r["path"])
    assert sent.name == "OA-2026-日常维护服务计划-v1.docx"
    cells = _cells(sent)
    assert "https://oa.client.example" in cells and "使用率低于 85%" in cells
    assert "每次上门" in cells and "每季度" in cells and "备份恢复测试" in cells
    paras = "\n".join(p.text for p in docx.Document(str(sent)).paragraphs)
    assert "每周固定上门一次（周三 14:00）" in paras and "26 小时" in paras
    # the English one: English throughout where we write it
    code, out, err = cli("maintplan", "document", "--lang", "en", "--json")
    assert code == 0, err
    en = _cells(stored(json.loads(out)["path"]))
    assert "every visit" in en and "below 85 % used" in en and "OA office system" in en
    # a doctored copy: a threshold changed before signing; refused, nothing recorded
    doctored = tmp_path / "doctored.docx"
    d = docx.Document(str(sent))
    for t in d.tables:
        for row in t.rows:
            for c in row.cells:
                if c.text == "使用率低于 85%":
                    c.text = "使用率低于 99%"
    d.save(str(doctored))
    fill_signoff(doctored, doctored, {"result": "无异议", "signer": "王芳",
                                      "date": str(today_local())}, CONFIRM_FIELDS)  # fmt: skip
    code, _, err = cli("maintplan", "confirm", str(doctored))
    assert code == 2 and "content" in err.lower(), err
    assert [v["state"] for v in list_plan_documents("OA-2026")] == ["issued", "issued"]
    # the signed one, handed in through the inbox
    inbox = get_settings().inbox
    inbox.mkdir(parents=True, exist_ok=True)
    fill_signoff(sent, inbox / "维护计划-已确认.docx",
                 {"result": "无异议", "remarks": "同意按计划执行", "signer": "王芳",
                  "date": str(today_local())}, CONFIRM_FIELDS)  # fmt: skip
    [item] = process_inbox(settle_seconds=0).items
    assert item.outcome == "decision", item.detail
    zh = next(v for v in list_plan_documents("OA-2026") if v["lang"] == "zh-CN")
    assert (zh["state"], zh["signer"], zh["remarks"]) == ("agreed", "王芳", "同意按计划执行")
    assert (
        stored(zh["signed_document"]).read_bytes()
        == (inbox / "done" / "维护计划-已确认.docx").read_bytes()
    )
    assert mp.show_plan("OA-2026")["revision"] == 1
