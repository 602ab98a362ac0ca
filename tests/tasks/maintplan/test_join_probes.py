"""The join of the plan and the probes (issue #37): each probe target belongs to the plan
system of its kind (``maintplan show`` and the handbook's systems name what watches each),
the backup watches take their limits from the plan, and the handbook's backup procedure
shows the last verified restore from the OA backup records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx
from sqlalchemy import select

from changeflow.db.probes import ProbeTarget
from changeflow.db.session import transaction
from tests.support.maintenance import stored

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


def _text(path: Path) -> str:
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def _probes() -> None:
    from changeflow.tasks.probes import add_target

    add_target(name="oa-web", kind="http", secret="env:CF_P_OA", contract="OA-2026")
    add_target(name="oa-cert", kind="tls", secret="env:CF_P_OA", contract="OA-2026")
    add_target(name="oa-db", kind="db", secret="env:CF_P_DB", contract="OA-2026")
    add_target(name="mail-imap", kind="imap", secret="env:CF_P_IMAP", contract="OA-2026")


def test_show_and_handbook_name_each_systems_probes(contract: str, cli) -> None:
    from changeflow.tasks import probes

    code, _, err = cli("maintplan", "load", str(EXAMPLES / "maintplan.yaml"))
    assert code == 0, err
    _probes()
    code, out, err = cli("maintplan", "show", "--json")
    assert code == 0, err
    by = {x["code"]: [p["name"] for p in x["probes"]] for x in json.loads(out)["systems"]}
    assert by == {"oa": ["oa-cert", "oa-web"], "db": ["oa-db"], "mail": ["mail-imap"],
                  "files": [], "backup": []}  # fmt: skip
    code, out, err = cli("maintplan", "show")
    assert code == 0 and "Watched by probes" in out and "oa-web (http" in out, err
    # a backup recorded starts the two backup watches: they join the plan's backup target
    probes.record("restore-test", what="OA 数据库恢复演练", location="测试服务器",
                  at="2026-11-18 10:00", verified_by="张伟", restore_minutes=42,
                  contract="OA-2026")  # fmt: skip
    code, out, err = cli("maintplan", "handbook", "--json")
    assert code == 0, err
    d = docx.Document(str(stored(json.loads(out)["path"])))
    systems = next(t for t in d.tables if t.rows[0].cells[-1].text == "远程监测")
    rows = {r.cells[0].text: r.cells[-1].text for r in systems.rows[1:]}
    assert rows["OA 办公系统"] == "网页可用性与响应时间、证书有效期", rows
    assert "备份记录时效、恢复测试时效" in rows.values(), rows
    assert list(rows.values()).count("无") == 1, rows  # the file storage: nothing watches it
    text = _text(stored(json.loads(out)["path"]))
    assert ("最近一次验证通过的恢复测试：2026年11月18日，张伟 核验，恢复用时 42\u00a0分钟"
            "（OA 数据库恢复演练，测试服务器）。") in text, text  # fmt: skip


def test_handbook_says_when_no_restore_is_recorded_yet(contract: str, cli) -> None:
    code, _, err = cli("maintplan", "load", str(EXAMPLES / "maintplan.yaml"))
    assert code == 0, err
    code, out, err = cli("maintplan", "handbook", "--json")
    assert code == 0, err
    assert "最近一次验证通过的恢复测试：尚无记录。" in _text(stored(json.loads(out)["path"]))


def _watch(kind: str) -> str:
    from changeflow.tasks.probes.backups import check_records

    with transaction() as s:
        t = s.scalar(select(ProbeTarget).where(ProbeTarget.kind == kind))
        return check_records(s, t, NOW).status


def test_backup_watches_take_their_limits_from_the_plan(contract: str, cli,
                                                        tmp_path: Path) -> None:  # fmt: skip
    from changeflow.tasks import probes

    probes.record("backup", what="OA 数据库全量备份", at="2026-11-19 20:00", verified=True,
                  verified_by="张伟", contract="OA-2026")  # 14 hours before NOW
    probes.record("restore-test", what="OA 恢复演练", at="2026-09-01 10:00",
                  verified_by="张伟", restore_minutes=30, contract="OA-2026")  # 80 days
    # no plan: the defaults (26 hours, 92 days)
    assert (_watch("backup-log"), _watch("restore-log")) == ("pass", "pass")
    plan = tmp_path / "maintplan.yaml"
    plan.write_text((EXAMPLES / "maintplan.yaml").read_text(encoding="utf-8")
                    .replace("backup_max_age_hours: 26", "backup_max_age_hours: 12")
                    .replace("restore_test_days: 92", "restore_test_days: 61"),
                    encoding="utf-8")  # fmt: skip
    code, _, err = cli("maintplan", "load", str(plan))
    assert code == 0, err
    assert (_watch("backup-log"), _watch("restore-log")) == ("fail", "fail")
