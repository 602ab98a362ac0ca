"""SLA due times in bulk: 100,000 non-crash response clocks (60 minutes of service time) on
the working calendar, reported at random instants over three years (holidays, make-up
workdays and the provisional 2027+ days included).

Floor: the same count of plain ``datetime + timedelta`` (what an around-the-clock rule
costs), measured in the same run. A second row shows the calendar's one-at-a-time
``due`` for comparison; both must give the same answers (checked here too).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import row, timed


def run(quick: bool) -> list[dict[str, Any]]:
    from changeflow.tasks import sla
    from changeflow.tasks.calendar import WorkingCalendar

    n = 20_000 if quick else 100_000
    repeat = 3 if quick else 5
    rng = random.Random(8)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(seconds=rng.randrange(3 * 365 * 86400)) for _ in range(n)]
    duration = timedelta(minutes=60)

    def bulk() -> list[Any]:
        # a fresh calendar each time: day classification is part of the cost
        return sla.due_times(starts, duration, sla.SERVICE, WorkingCalendar())

    def one_by_one() -> list[Any]:
        cal = WorkingCalendar()
        return [cal.due(s, duration) for s in starts]

    def floor() -> list[datetime]:
        return [s + duration for s in starts]

    assert bulk() == one_by_one(), "bulk due times differ from the calendar's"
    floor_s = timed(floor, repeat=repeat, warmup=1)
    bulk_s = timed(bulk, repeat=repeat, warmup=1)
    single_s = timed(one_by_one, repeat=repeat, warmup=0)
    return [
        row(f"SLA due times in bulk (service clock, n={n})", bulk_s,
            "datetime + timedelta", floor_s, target="< 1 s for 100,000"),
        row(f"SLA due times one by one via calendar.due (n={n})", single_s,
            "datetime + timedelta", floor_s, target="-"),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run(quick=True):
        print(r)
