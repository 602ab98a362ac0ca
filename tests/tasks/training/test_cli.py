"""``changeflow training`` and ``changeflow manual`` through the real CLI: a plan, a bad
field refused with one line and a non-zero exit, the list, the merge with nothing new."""

from __future__ import annotations

import json


def test_training_and_manual_commands(contract: str, cli) -> None:
    args = ["training", "plan", "--topic", "OA 公文管理", "--start", "2026-12-02 14:00",
            "--end", "2026-12-02 15:30", "--place", "三楼会议室", "--trainer", "李明",
            "--department", "办公室", "--material", "第5章 公文管理", "--json"]  # fmt: skip
    code, out, err = cli(*args)
    assert code == 0, err
    v = json.loads(out)
    assert v["number"] == "PX-2026-0001" and v["materials"] == ["第5章 公文管理"]
    code, _, err = cli(*[a if a != "2026-12-02 15:30" else "2026-12-02 13:00" for a in args])
    assert code != 0 and "ends_at" in err and "not after starts_at" in err
    code, out, _ = cli("training", "record", "PX-2026-0001", "--attendee", "赵强/办公室")
    assert code == 0 and "attended: 1" in out and "service minutes: 90" in out
    code, out, _ = cli("training", "list", "--state", "held", "--json")
    assert [t["number"] for t in json.loads(out)] == ["PX-2026-0001"]
    code, _, err = cli("training", "record", "PX-2026-0001", "--attendee", "孙丽")
    assert code != 0 and "held already" in err
    code, out, _ = cli("manual", "merge", "--contract", "OA-2026")
    assert code == 0 and "nothing new to merge" in out
    code, _, err = cli("manual", "build", "--contract", "OA-2026")
    assert code != 0 and "no OA manual yet" in err
