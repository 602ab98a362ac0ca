"""Plans for many requests at once (``plan-batch``): every waiting request or the keys
given, one version each, the bad ones named without stopping the rest; two batches at once
on PostgreSQL make each plan once; concurrent intakes on PostgreSQL never run out of keys."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.helpers import counts, sample_taskbook, states


def _take_in(n: int, prefix: str = "批量") -> list[str]:
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import TaskBook

    base = sample_taskbook()
    return [
        intake(TaskBook.model_validate(base | {"project": f"{prefix} {i}"}), source="test").key
        for i in range(n)
    ]


def _plans_per_request() -> dict[str, int]:
    from changeflow.db.models import Request
    from changeflow.db.planning import Plan
    from changeflow.db.session import transaction

    with transaction() as s:
        rows = s.execute(
            select(Request.key, func.count(Plan.id))
            .join(Plan, Plan.request_id == Request.id, isouter=True)
            .group_by(Request.key)
        ).all()
    return {k: n for k, n in rows}


def test_plans_every_waiting_request_and_leaves_the_rest(contract: str) -> None:
    from changeflow.tasks.maintenance import report_fault
    from changeflow.tasks.planbatch import plan_many, waiting_keys
    from changeflow.tasks.planning import make_plan

    keys = _take_in(3)
    make_plan(keys[0], issue=True)  # already planned: not waiting
    report_fault(severity="non-crash", title="打印机无法连接")  # a fault: never planned
    assert waiting_keys() == keys[1:]
    report = plan_many(actor="李明", issue=True)
    assert [(i.key, i.outcome, i.version) for i in report.items] == [
        (keys[1], "planned", 1),
        (keys[2], "planned", 1),
    ]
    assert all(Path(i.document).is_file() for i in report.items if i.document)
    assert {k: states()[k] for k in keys} == dict.fromkeys(keys, "planned")
    assert {k: v for k, v in _plans_per_request().items() if k in keys} == {
        keys[0]: 1, keys[1]: 1, keys[2]: 1
    }  # fmt: skip
    again = plan_many(keys, issue=True)  # the same inputs again: every plan stands
    assert [i.outcome for i in again.items] == ["unchanged"] * 3
    assert plan_many().items == []  # nothing waits any more


def test_bad_keys_are_named_and_the_others_still_planned(contract: str) -> None:
    from changeflow.tasks.planbatch import plan_many

    keys = _take_in(2)
    report = plan_many([keys[0], "CR-2026-9999", keys[0], " " + keys[1]])
    assert [(i.key, i.outcome) for i in report.items] == [
        (keys[0], "planned"),
        ("CR-2026-9999", "refused"),
        (keys[1], "planned"),
    ]
    assert "CR-2026-9999" in report.refused[0].detail
    assert _plans_per_request() == {keys[0]: 1, keys[1]: 1}


def test_too_many_keys_is_one_clear_error(contract: str) -> None:
    from changeflow.errors import InputError
    from changeflow.tasks.planbatch import MAX_KEYS, plan_many

    before = counts()
    with pytest.raises(InputError, match=f"at most {MAX_KEYS}"):
        plan_many([f"CR-2026-{i:04d}" for i in range(MAX_KEYS + 1)])
    assert counts() == before


def test_cli_plan_batch(contract: str, cli) -> None:
    keys = _take_in(2)
    rc, out, err = cli("plan-batch", keys[0], "CR-2026-9999", "--json")
    assert rc == 2
    data = json.loads(out)
    assert (data["planned"], data["refused"]) == (1, 1)
    assert "CR-2026-9999" in err and err.count("\n") == 1
    rc, out, _ = cli("plan-batch", "--json")  # the one still waiting
    assert rc == 0
    assert [i["key"] for i in json.loads(out)["items"]] == [keys[1]]
    rc, out, _ = cli("plan-batch")
    assert rc == 0 and "no request is waiting" in out
    rc, _, err = cli("plan-batch", "--lang", "fr")
    assert rc == 2 and "--lang" in err


@pytest.mark.postgres
def test_two_batches_at_once_on_postgres_plan_each_request_once(pg_url: str) -> None:
    from changeflow.db.migrate import upgrade
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.planbatch import plan_many
    from changeflow.tasks.signoff.keys import ensure_secret
    from tests.conftest import EXAMPLES

    upgrade(pg_url)
    ensure_secret()
    load_contract_file(EXAMPLES / "contract.yaml")
    keys = _take_in(12)
    barrier = threading.Barrier(2)
    reports = []

    def run(order: list[str]) -> None:
        barrier.wait()
        reports.append(plan_many(order))

    threads = [threading.Thread(target=run, args=(o,)) for o in (keys, keys[::-1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    outcomes = sorted(i.outcome for r in reports for i in r.items)
    assert outcomes == ["planned"] * 12 + ["unchanged"] * 12
    assert _plans_per_request() == dict.fromkeys(keys, 1)
    assert set(states().values()) == {"submitted"}  # drafts: nothing sent yet
    # both batches issue at once, in opposite orders: one issued version each, and the
    # shared staff calendar holds (the staff rows are locked while a plan reads the holds)
    reports.clear()
    barrier.reset()

    def issue(order: list[str]) -> None:
        barrier.wait()
        reports.append(plan_many(order, issue=True))

    threads = [threading.Thread(target=issue, args=(o,)) for o in (keys, keys[::-1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    outcomes = sorted(i.outcome for r in reports for i in r.items)
    assert outcomes == ["planned"] * 12 + ["unchanged"] * 12, [
        (i.key, i.outcome, i.detail) for r in reports for i in r.items
    ]
    assert set(states().values()) == {"planned"}
    from changeflow.db.planning import Plan
    from changeflow.db.session import transaction

    per_day: dict[tuple[str, str], int] = {}
    with transaction() as s:
        issued = list(s.scalars(select(Plan).where(Plan.status == "issued")))
        assert len({p.request_id for p in issued}) == len(issued) == 12
        for p in issued:
            for who, days in p.data["load"].items():
                for day, h in days.items():
                    per_day[(who, day)] = per_day.get((who, day), 0) + h
    assert max(per_day.values()) <= 2


@pytest.mark.postgres
def test_concurrent_intakes_on_postgres_take_distinct_keys(pg_url: str) -> None:
    """Four writers at once: every intake succeeds (keys queue on one lock), none lost."""
    from changeflow.db.migrate import upgrade
    from changeflow.tasks.contracts import load_contract_file
    from tests.conftest import EXAMPLES

    upgrade(pg_url)
    load_contract_file(EXAMPLES / "contract.yaml")
    barrier = threading.Barrier(4)
    keys: list[str] = []
    errors: list[BaseException] = []

    def run(w: int) -> None:
        barrier.wait()
        try:
            keys.extend(_take_in(15, prefix=f"并发 {w}"))
        except BaseException as exc:  # the test reports it below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len(keys) == len(set(keys)) == 60
    assert sorted(int(k.rsplit("-", 1)[1]) for k in keys) == list(range(1, 61))


@pytest.mark.prefect
def test_plan_batch_flow_fails_naming_the_bad_key_after_planning_the_rest(
    prefect_server: str, contract: str
) -> None:
    from changeflow.flows.plan import PlanBatchInput, plan_batch
    from tests.support.prefect import read_artifacts

    keys = _take_in(2)
    state = plan_batch(
        batch=PlanBatchInput(request_keys=[*keys, "CR-2026-9999"]),
        planned_by="李明",
        return_state=True,
    )
    assert state.is_failed() and not state.is_crashed()
    msg = str(state.result(raise_on_failure=False))
    assert "1 request(s) not planned" in msg and "CR-2026-9999" in msg
    assert _plans_per_request() == dict.fromkeys(keys, 1)
    arts = read_artifacts(state.state_details.flow_run_id)
    table = next(a for a in arts if a.type == "table")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert [r["结果 Outcome"] for r in rows] == ["planned", "planned", "refused"]
