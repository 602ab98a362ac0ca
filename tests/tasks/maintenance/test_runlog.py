"""The daily run log and its reminder."""

from __future__ import annotations

import json

from changeflow.tasks import maintenance as mt
from tests.support.maintenance import at

# --- run log -----------------------------------------------------------------------------


def test_run_log_and_reminder_once(contract: str, smtp, cli) -> None:
    code, out, err = cli("runlog", "add", "--day", "2026-11-23", "--author", "张伟",
                         "--check", "服务器巡检", "--check", "邮件队列", "--backups-verified",
                         "--json")  # fmt: skip
    assert code == 0, err and json.loads(out)["backups_verified"] is True
    code, _, err = cli("runlog", "add", "--day", "2026-11-23", "--author", "张伟")
    assert code == 2 and "already" in err
    # Friday 2026-11-27 after 17:30: Tue-Fri have no entry (Mon has one)
    out = mt.run_log_reminder(now=at("2026-11-27 18:00"), lookback_days=4)
    assert [d.isoformat() for d in out["sent"][0]["days"]] == [
        "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]  # fmt: skip
    assert len(smtp) == 1 and "2026-11-24" in smtp[0].get_content()
    assert mt.run_log_reminder(now=at("2026-11-27 18:05"), lookback_days=4)["sent"] == []
    assert len(smtp) == 1
    code, out, _ = cli("runlog", "list", "--from", "2026-11-23", "--to", "2026-11-29", "--json")
    info = json.loads(out)
    assert [e["day"] for e in info["entries"]] == ["2026-11-23"]
    assert info["missing"] == ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]


def test_run_log_one_entry_per_engineer_and_day_by_our_staff(contract: str, cli) -> None:
    mt.add_run_log(day="2026-11-23", author="张伟", checks=["服务器巡检"])
    # a second engineer on the same day stands beside the first (neither refused nor lost)
    mt.add_run_log(day="2026-11-23", author="li ming", backups_verified=True,
                   backup_note="异地备份已校验 sha256")  # fmt: skip
    code, _, err = cli("runlog", "add", "--day", "2026-11-23", "--author", "王芳")
    assert code == 2 and "author" in err and "not one of our staff" in err  # a client contact
    code, out, _ = cli("runlog", "list", "--from", "2026-11-23", "--to", "2026-11-23", "--json")
    entries = json.loads(out)["entries"]
    assert [(e["author"], e["backup_note"]) for e in entries] == [
        ("张伟", ""), ("李明", "异地备份已校验 sha256")
    ]  # fmt: skip
    code, out, _ = cli("runlog", "list", "--from", "2026-11-23", "--to", "2026-11-23")
    assert code == 0 and "sha256" in out and "backup" in out  # the note is shown (wrapped)
    replaced = mt.add_run_log(day="2026-11-23", author="张伟", checks=["邮件队列"], replace=True)
    assert replaced["checks"] == ["邮件队列"]
