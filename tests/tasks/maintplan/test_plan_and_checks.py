"""The maintenance plan loaded from the lead's YAML (one line naming file and field on a
mistake), the checks due on a visit by frequency and last time done, results recorded
against the visit's dispatch order; an abnormal one opens a fault linked to the order and
every result feeds the run log; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from changeflow.errors import ConflictError, InputError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _load(any_db_url: str) -> None:
    from changeflow.db.migrate import upgrade
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.signoff.keys import ensure_secret

    upgrade(any_db_url)
    ensure_secret()
    load_contract_file(EXAMPLES / "contract.yaml")


def _check_table(rel: str) -> list[list[str]]:
    import docx

    from tests.support.maintenance import stored

    for t in docx.Document(str(stored(rel))).tables:
        if t.rows[0].cells[0].text == "系统" and t.rows[0].cells[1].text == "检查项目":
            return [[c.text for c in row.cells] for row in t.rows[1:]]
    raise AssertionError("no check table")


def test_due_by_frequency() -> None:
    from changeflow.tasks.maintplan import is_due

    d = date(2026, 11, 25)
    assert is_due("visit", d, d) and is_due("weekly", None, d)
    assert not is_due("weekly", date(2026, 11, 19), d) and is_due("weekly", date(2026, 11, 18), d)
    assert not is_due("monthly", date(2026, 11, 2), d) and is_due("monthly", date(2026, 10, 31), d)
    assert not is_due("quarterly", date(2026, 10, 1), d)
    assert is_due("quarterly", date(2026, 9, 30), d)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("systems: []", "systems"),
        ("systems:\n  - {code: oa, kind: erp, address: x, owner: y}", "systems[1].kind"),
        ("systems:\n  - {code: oa, kind: mail, owner: y}", "systems[1].address"),
        ("systems:\n  - {code: oa, kind: mail, address: x, owner: y,"
         " checks: [{kind: disk, frequency: daily}]}", "systems[1].checks[1].frequency"),
        ("systems:\n  - {code: oa, kind: mail, address: x, owner: y, colour: red}",
         "systems[1].colour"),
        ("systems:\n  - {code: oa, kind: mail, address: x, owner: y}\n"
         "  - {code: OA, kind: mail, address: x, owner: y}", "systems[2].code"),
    ],
)  # fmt: skip
def test_bad_plan_one_line(text: str, field: str, tmp_path: Path, contract: str) -> None:
    from changeflow.tasks.maintplan import load_plan

    p = tmp_path / "plan.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_plan(p, contract="OA-2026")
    msg = str(e.value)
    assert "plan.yaml" in msg and field in msg and "\n" not in msg


def test_visit_checks_recorded_abnormal_opens_fault(any_db_url: str, tmp_path: Path) -> None:
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks import maintplan as mp

    _load(any_db_url)
    v = mp.load_plan(EXAMPLES / "maintplan.yaml")
    assert v["changed"] and v["revision"] == 1 and len(v["systems"]) == 5
    assert [c["code"] for c in v["systems"][3]["checks"]] == ["files-disk"]
    assert not mp.load_plan(EXAMPLES / "maintplan.yaml")["changed"]  # same content: nothing
    o = mt.create_dispatch(kind="weekly-visit", planned_start="2026-11-25 14:00", staff=["张伟"])
    # the order the engineer takes along lists the checks due, results blank
    planned = _check_table(o["document"])
    assert ["OA 办公系统", "服务运行状态", "服务运行，页面和登录正常", "", ""] in planned
    due = mp.due_checks(o["number"])
    codes = [r["code"] for r in due["checks"]]
    # nothing done before: every check is due, every-visit ones first
    assert len(codes) == sum(len(s["checks"]) for s in v["systems"])
    freqs = [r["frequency"] for r in due["checks"]]
    assert freqs[0] == "visit" and freqs[-1] == "quarterly"
    r = mp.record_check(o["number"], "db-db-health", result="正常", value="连接 12 ms",
                        engineer="张伟", at="2026-11-25 14:20")  # fmt: skip
    assert (r["result"], r["fault"]) == ("normal", None)
    with pytest.raises(ConflictError):
        mp.record_check(o["number"], "db-db-health", result="正常", engineer="张伟",
                        at="2026-11-25 14:21")  # fmt: skip
    with pytest.raises(InputError, match="result"):
        mp.record_check(o["number"], "oa-disk", result="maybe", engineer="张伟")
    with pytest.raises(InputError, match="note"):
        mp.record_check(o["number"], "oa-disk", result="异常", engineer="张伟")
    with pytest.raises(InputError, match="not one of our staff"):
        mp.record_check(o["number"], "oa-disk", result="正常", engineer="王芳")
    mp.record_check(o["number"], "backup-backup", result="正常", value="01:00 全量备份成功",
                    engineer="张伟", at="2026-11-25 14:30")  # fmt: skip
    mp.record_check(o["number"], "oa-logs", result="正常", engineer="张伟", at="2026-11-25 14:35")
    bad = mp.record_check(o["number"], "oa-service", result="异常", value="HTTP 502",
                          note="登录页打不开", engineer="张伟",
                          at="2026-11-25 14:40")  # fmt: skip
    assert bad["fault"]
    f = mt.get_fault(bad["fault"])
    assert f["severity"] == "crash" and "OA 办公系统" in f["title"]
    assert str(f["reported_at"]).startswith("2026-11-25")
    from sqlalchemy import select

    from changeflow.db.maintenance import DispatchLink, DispatchOrder
    from changeflow.db.session import transaction

    with transaction() as s:
        order = s.scalar(select(DispatchOrder).where(DispatchOrder.number == o["number"]))
        assert [link.request.key for link in order.links] == [bad["fault"]]
        assert s.scalar(select(DispatchLink.id)) is not None
    # the order as done lists each result
    done = mt.complete_dispatch(o["number"], actual_start="2026-11-25 14:00",
                                actual_end="2026-11-25 17:00")  # fmt: skip
    rows = _check_table(done["document"])
    assert ["OA 办公系统", "服务运行状态", "服务运行，页面和登录正常", "异常",
            "HTTP 502；登录页打不开"] in rows  # fmt: skip
    assert len(rows) == len(codes)
    # the run log of the day: the engineer's entry has each result; backups verified
    [entry] = mt.list_run_log("OA-2026", date(2026, 11, 25), date(2026, 11, 25))["entries"]
    assert entry["author"] == "张伟" and entry["backups_verified"]
    assert any("OA 办公系统 服务运行状态：异常（HTTP 502）" in c for c in entry["checks"])
    assert bad["fault"] in entry["incidents"]
    # the next week's visit: the weekly log check is not due again until 7 days later
    o2 = mt.create_dispatch(kind="weekly-visit", planned_start="2026-12-01 14:00", staff=["张伟"])
    codes2 = [r["code"] for r in mp.due_checks(o2["number"])["checks"]]
    assert "oa-logs" not in codes2 and "db-db-health" in codes2
    o3 = mt.create_dispatch(kind="weekly-visit", planned_start="2026-12-02 14:00", staff=["张伟"])
    assert "oa-logs" in [r["code"] for r in mp.due_checks(o3["number"])["checks"]]
