"""The fault record holds its parts (tests/support/doccheck/kinds.py): assessment, root cause,
test report, solution, troubleshooting steps, prevention, the client's confirmation and the
engineer's line; 超时原因 only where a clock was breached; without them it is a draft that
lists what is missing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import docx
import pytest

from changeflow.tasks import maintenance as mt
from tests.support.doccheck.kinds import OUTLINES, check_kind, is_draft, without_section
from tests.support.maintenance import stored


def at(text: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def _fault(complete: bool, cause: str | None = None) -> str:
    r = mt.report_fault(severity="crash", title="数据库损坏", reported_at=at("2026-11-25 02:00"),
                        system="OA 数据库", engineer="张伟")  # fmt: skip
    mt.stamp(r.key, "respond", at=at("2026-11-25 02:20"))
    mt.stamp(r.key, "onsite", at=at("2026-11-25 04:00"))  # both clocks met
    if complete:
        mt.record_fault_details(
            r.key, assessment="索引页损坏，影响流程表", test_report="恢复后检查无错误",
            root_cause="磁盘控制器缓存掉电，写入不完整", solution="从夜间备份恢复并重放日志",
            steps=["停止 OA 服务", "恢复备份"], prevention="更换带电池的控制器；每日校验备份",
            confirmed_by="赵强", confirmed_on="2026-11-25", confirmation="确认恢复",
            breach_cause=cause,
        )  # fmt: skip
    return r.key


def _record(key: str, cli, lang: str = "zh-CN") -> Path:
    code, out, err = cli("fault", "record", key, "--lang", lang, "--json")
    assert code == 0, err
    return Path(stored(json.loads(out)["path"]))


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_complete_fault_record(contract, cli, lang) -> None:
    path = _record(_fault(True, cause="电话转接失败"), cli, lang)
    assert not is_draft(path)
    assert check_kind(path, "fault-record", lang) == []
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    # the response clock was met (20 minutes of 30): a cause typed anyway is no breach's cause
    assert "电话转接失败" not in text


def test_a_breached_clock_shows_its_cause(contract, cli) -> None:
    key = _fault(False)
    mt.record_fault_details(key, breach_cause="电话转接失败")
    path = _record(key, cli)
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "超时原因" not in text  # met: no cause shown
    r = mt.report_fault(severity="crash", title="再次崩溃", reported_at=at("2026-11-26 02:00"),
                        system="OA", engineer="张伟")  # fmt: skip
    mt.stamp(r.key, "respond", at=at("2026-11-26 03:30"))  # 90 minutes of 30: breached
    mt.record_fault_details(r.key, breach_cause="电话转接失败")
    text = "\n".join(p.text for p in docx.Document(str(_record(r.key, cli))).paragraphs)
    assert "超时原因：电话转接失败" in text


def test_a_sparse_fault_record_is_a_draft(contract, cli) -> None:
    path = _record(_fault(False), cli)
    assert is_draft(path)
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    for part in ("根本原因", "预防措施", "甲方确认人", "排错步骤"):
        assert part in text


def test_the_cli_takes_the_new_fields(contract, cli) -> None:
    key = _fault(False)
    code, _, err = cli("fault", "details", key, "--root-cause", "缓存掉电", "--prevention",
                       "每日校验备份", "--confirmed-by", "赵强", "--confirmed-on", "2026-11-26",
                       "--confirmation", "确认")  # fmt: skip
    assert code == 0, err
    text = "\n".join(c.text for t in docx.Document(str(_record(key, cli))).tables
                     for r in t.rows for c in r.cells)  # fmt: skip
    assert "缓存掉电" in text and "每日校验备份" in text and "赵强" in text


@pytest.mark.parametrize("part", OUTLINES["fault-record"], ids=lambda p: p.name)
def test_each_part_removed_is_found(contract, cli, tmp_path, part) -> None:
    path = _record(_fault(True), cli)
    f = tmp_path / "f.docx"
    f.write_bytes(without_section(path, part.zh))
    assert any(x.startswith(f"{part.name}:") for x in check_kind(f, "fault-record", "zh-CN"))
