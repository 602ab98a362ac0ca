"""The handbook and emergency measures (维护文档和应急措施) with its revision record, made again
when the plan changes; the month's run log (运行日志) from the day entries and the visit
checks; both read back as real .docx in both languages, Chinese throughout in zh-CN."""

from __future__ import annotations

import json
import re
from pathlib import Path

import docx

from tests.support.maintenance import stored

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
LATIN_WORD = re.compile(r"\b[A-Za-z]{4,}\b")  # an English word (addresses and e-mails aside)


def _text(path: Path) -> str:
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def _month(cli) -> None:
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks import maintplan as mp

    o = mt.create_dispatch(kind="weekly-visit", planned_start="2026-11-25 14:00", staff=["张伟"])
    for code, res, value in (("backup-backup", "正常", "01:00 全量备份成功"),
                             ("backup-restore-test", "正常", "恢复到测试库用时 18 分钟"),
                             ("oa-disk", "正常", "62%")):  # fmt: skip
        mp.record_check(o["number"], code, result=res, value=value, engineer="张伟",
                        at="2026-11-25 14:30")  # fmt: skip
    code, out, err = cli("maintplan", "due", o["number"], "--json")
    assert code == 0, err
    assert [r["code"] for r in json.loads(out)["checks"] if r["result"]] == [
        "oa-disk", "backup-backup", "backup-restore-test"]  # fmt: skip
    code, out, err = cli("maintplan", "show")
    assert code == 0 and "Maintenance plan OA-2026" in out, err
    code, out, err = cli("maintplan", "show", "--json")
    assert code == 0, err
    assert json.loads(out)["systems"][2]["checks"][1]["code"] == "mail-mail-queue"
    code, out, err = cli("maintplan", "check", o["number"], "mail-mail-queue", "--result", "异常",
                         "--value", "积压 320 封", "--note", "外发被拒收", "--engineer", "张伟",
                         "--at", "2026-11-25 15:00", "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["fault"]
    mt.add_run_log(day="2026-11-24", author="张伟", checks=["远程查看 OA 日志，无异常"],
                   incidents="", changes="调整考勤导出时间")  # fmt: skip


def test_handbook_and_runlog(contract: str, cli, tmp_path: Path) -> None:
    code, _, err = cli("maintplan", "load", str(EXAMPLES / "maintplan.yaml"))
    assert code == 0, err
    _month(cli)
    code, out, err = cli("maintplan", "handbook", "--json")
    assert code == 0, err
    h1 = json.loads(out)
    assert (h1["version"], h1["change"]) == (1, "首次编制")
    text = _text(stored(h1["path"]))
    for want in ("修订记录", "服务器崩溃", "数据库损坏", "邮件服务器故障", "30\u00a0分钟内响应",
                 "6\u00a0小时内到场", "恢复到测试库用时 18 分钟", "赵强", "010-6000-5678", "李明",
                 "信息管理员", "PostgreSQL 14"):  # fmt: skip
        assert want in text, want
    # the plan changes: the handbook is made again, its revision record grows
    changed = tmp_path / "maintplan.yaml"
    changed.write_text((EXAMPLES / "maintplan.yaml").read_text(encoding="utf-8")
                       .replace("restore_test_days: 92", "restore_test_days: 61"),
                       encoding="utf-8")  # fmt: skip
    code, out, err = cli("maintplan", "load", str(changed), "--json")
    assert code == 0, err
    v = json.loads(out)
    assert v["revision"] == 2 and v["handbook"]["version"] == 2
    text2 = _text(stored(v["handbook"]["path"]))

    assert "首次编制" in text2 and "第 2 次修订" in text2 and "每 61 天" in text2
    # Chinese throughout, but for the client's own addresses and product names
    zh = "\n".join(x for x in text2.splitlines() if ".example" not in x)
    assert set(LATIN_WORD.findall(zh)) <= {"Tomcat", "PostgreSQL"}, zh
    code, out, err = cli("maintplan", "handbook", "--lang", "en", "--json")
    assert code == 0, err
    en = _text(stored(json.loads(out)["path"]))
    assert "Server crash" in en and "Revision record" in en and "First issue" in en
    # the month's run log
    code, out, err = cli("maintplan", "runlog", "--month", "2026-11", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert (r["days"], r["checks"]) == (2, 4)
    text = _text(stored(r["path"]))
    assert "调整考勤导出时间" in text and "积压 320 封；外发被拒收" in text
    assert "上门巡检 4 项（见第三部分）" in text and "邮件队列" in text
    assert "已核验：01:00 全量备份成功" in text
    code, _, err = cli("maintplan", "runlog", "--month", "2026-13")
    assert code == 2 and "month" in err
    code, out, err = cli("maintplan", "runlog", "--month", "2026-11", "--lang", "en", "--json")
    assert code == 0, err
    en = _text(stored(json.loads(out)["path"]))
    assert "Mail queue" in en and "abnormal" in en and "Checks on the visits" in en
