"""Every page of the plan, the handbook and the month's run log, in both languages, and the
visit's dispatch order with its checks, rendered through LibreOffice and checked by the page
check (no broken token, no narrow column, no page pushed over, no stranded rows, Chinese
throughout in zh-CN) and the content check of each kind (its parts present and filled)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.doccheck.kinds import check_kind
from tests.support.doccheck.pages import check_pages, to_pdf
from tests.support.maintenance import stored

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _documents() -> dict[str, tuple[Path, str, str]]:
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks import maintplan as mp
    from changeflow.tasks.maintplan.documents import plan_document
    from changeflow.tasks.maintplan.handbook import issue_handbook, runlog_document

    mp.load_plan(EXAMPLES / "maintplan.yaml")
    o = mt.create_dispatch(kind="weekly-visit", planned_start="2026-11-25 14:00", staff=["张伟"])
    for code, res, value, note in (
        ("backup-backup", "正常", "01:00 全量备份成功", ""),
        ("backup-restore-test", "正常", "恢复到测试库用时 18 分钟", ""),
        ("oa-disk", "正常", "62%", ""),
        ("mail-mail-queue", "异常", "积压 320 封", "外发被对方拒收"),
    ):
        mp.record_check(o["number"], code, result=res, value=value, note=note, engineer="张伟",
                        at="2026-11-25 14:30")  # fmt: skip
    mt.add_run_log(day="2026-11-24", author="张伟", checks=["远程查看 OA 日志，无异常"],
                   changes="调整考勤导出时间")  # fmt: skip
    done = mt.complete_dispatch(o["number"], actual_start="2026-11-25 14:00",
                                actual_end="2026-11-25 17:00")  # fmt: skip
    out = {"dispatch-zh-CN": (stored(done["document"]), "dispatch", "zh-CN")}
    for lang in ("zh-CN", "en"):
        out[f"maintplan-{lang}"] = (stored(plan_document(lang=lang)["path"]), "maintplan", lang)
        out[f"handbook-{lang}"] = (stored(issue_handbook(lang=lang)["path"]), "handbook", lang)
        r = runlog_document("2026-11", lang=lang)
        out[f"runlog-{lang}"] = (stored(r["path"]), "runlog", lang)
    return out


@pytest.mark.slow
def test_every_page(contract: str, tmp_path: Path) -> None:
    from changeflow.tasks.maintplan import show_plan
    from tests.support.doccheck.content import contract_names

    docs = _documents()
    batch = tmp_path / "batch"
    batch.mkdir()
    copies = {}
    for name, (path, kind, lang) in docs.items():
        copies[name] = (batch / f"{name}.docx", kind, lang)
        copies[name][0].write_bytes(path.read_bytes())
    pdfs = to_pdf([p for p, _, _ in copies.values()], tmp_path / "pdf")
    # the client's own addresses, hosts and products, as the plan names them
    plan = show_plan()
    allow = [*contract_names(), *(f"{x['address']} {x['configuration']} {x['name_en']}"
                                  for x in plan["systems"])]  # fmt: skip
    found = {}
    for name, (path, kind, lang) in copies.items():
        found[name] = [str(f) for f in check_pages(path, pdfs[path], lang, allow)]
        if kind != "dispatch":
            found[name] += check_kind(path, kind, lang)
    assert not any(found.values()), {k: v for k, v in found.items() if v}
