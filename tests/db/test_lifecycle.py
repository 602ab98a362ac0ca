"""The request state machine: allowed and forbidden transitions, audit, on-hold, races."""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import select

from changeflow.db import lifecycle
from changeflow.db.lifecycle import allowed_targets, load_for_update, transition
from changeflow.db.models import Request, RequestEvent
from changeflow.db.session import transaction
from changeflow.errors import ConflictError, TransitionError

DEV_ALLOWED = [
    ("submitted", "planned"),
    ("planned", "approved"),
    ("planned", "rejected"),
    ("planned", "planned"),
    ("rejected", "planned"),
    ("approved", "in_development"),
    ("in_development", "in_testing"),
    ("in_testing", "live"),
    ("in_testing", "in_development"),
    ("live", "accepted"),
    ("live", "in_testing"),
    ("live", "in_development"),
]
DEV_FORBIDDEN = [
    ("submitted", "approved"),
    ("submitted", "live"),
    ("planned", "in_development"),
    ("rejected", "approved"),
    ("approved", "accepted"),
    ("in_development", "live"),
    ("accepted", "planned"),
    ("accepted", "cancelled"),
    ("cancelled", "planned"),
    ("submitted", "reported"),
]
OPEN_DEV = ["submitted", "planned", "rejected", "approved", "in_development", "in_testing", "live"]


def _set_state(key: str, state: str) -> None:
    with transaction() as s:
        s.scalar(select(Request).where(Request.key == key)).state = state


@pytest.mark.parametrize(("src", "dst"), DEV_ALLOWED)
def test_every_allowed_transition(submitted: str, src: str, dst: str) -> None:
    _set_state(submitted, src)
    with transaction() as s:
        req = load_for_update(s, submitted)
        event = transition(s, req, dst, actor="李明", reason="test")
        assert (event.from_state, event.to_state) == (src, dst)
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == submitted))
        assert req.state == dst
        assert req.events[-1].to_state == dst and req.events[-1].actor == "李明"


@pytest.mark.parametrize(("src", "dst"), DEV_FORBIDDEN)
def test_forbidden_transitions_name_request_state_target(
    submitted: str, src: str, dst: str
) -> None:
    _set_state(submitted, src)
    with transaction() as s:
        before = len(s.scalar(select(Request).where(Request.key == submitted)).events)
    with pytest.raises(TransitionError) as info, transaction() as s:
        transition(s, load_for_update(s, submitted), dst, actor="x")
    msg = str(info.value)
    assert submitted in msg and f"'{src}'" in msg and f"'{dst}'" in msg
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == submitted))
        assert req.state == src and len(req.events) == before


@pytest.mark.parametrize("state", OPEN_DEV)
def test_every_open_state_can_hold_and_return_or_cancel(submitted: str, state: str) -> None:
    _set_state(submitted, state)
    with transaction() as s:
        req = load_for_update(s, submitted)
        transition(s, req, "on_hold", actor="lead", reason="client asked to wait")
        assert allowed_targets(req.kind, req.state, req.held_from) == {state, "cancelled"}
    # Only back to where it was.
    other = next(t for t in OPEN_DEV if t != state)
    with pytest.raises(TransitionError), transaction() as s:
        transition(s, load_for_update(s, submitted), other, actor="lead")
    with transaction() as s:
        req = load_for_update(s, submitted)
        transition(s, req, state, actor="lead", reason="resumed")
        assert req.held_from is None
        transition(s, req, "cancelled", actor="lead", reason="withdrawn")
    assert allowed_targets("dev", "cancelled") == set()


def test_fault_states_are_their_own() -> None:
    assert allowed_targets("fault", "reported") == {
        "responded", "on_site", "resolved", "on_hold", "cancelled"
    }  # fmt: skip
    assert "planned" not in allowed_targets("fault", "reported")
    assert lifecycle.is_allowed("fault", "resolved", "closed")
    assert not lifecycle.is_allowed("dev", "submitted", "responded")


def test_audit_trail_matches_state_history(submitted: str) -> None:
    path = ["planned", "rejected", "planned", "approved", "in_development", "in_testing"]
    for target in path:
        with transaction() as s:
            transition(s, load_for_update(s, submitted), target, actor="a", channel="cli")
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == submitted))
        events = req.events
        assert [e.to_state for e in events] == ["submitted", *path]
        for prev, nxt in itertools.pairwise(events):
            assert nxt.from_state == prev.to_state
            assert nxt.at >= prev.at and nxt.at.tzinfo is not None
        assert events[-1].to_state == req.state


def test_stale_copy_loses_with_conflict(submitted: str) -> None:
    """Two sessions read the same version; the second writer gets ConflictError."""
    from changeflow.db.session import make_session

    s1, s2 = make_session(), make_session()
    try:
        r1 = s1.scalar(select(Request).where(Request.key == submitted))
        r2 = s2.scalar(select(Request).where(Request.key == submitted))
        transition(s1, r1, "planned", actor="one")
        s1.commit()
        with pytest.raises(ConflictError):
            transition(s2, r2, "planned", actor="two")
        s2.rollback()
    finally:
        s1.close()
        s2.close()
    with transaction() as s:
        n = s.scalars(select(RequestEvent).where(RequestEvent.to_state == "planned")).all()
        assert len(n) == 1


@pytest.mark.postgres
def test_concurrent_transitions_on_postgres_one_wins(pg_url: str) -> None:
    """Two threads move the same request at once: exactly one succeeds (row lock)."""
    from changeflow.db.migrate import upgrade
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.intake import intake_file
    from tests.conftest import EXAMPLES

    upgrade(pg_url)
    load_contract_file(EXAMPLES / "contract.yaml")
    key = intake_file(EXAMPLES / "taskbook.yaml").key
    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker(name: str) -> None:
        try:
            with transaction() as s:
                barrier.wait()
                req = load_for_update(s, key)
                transition(s, req, "cancelled", actor=name)
                # hold the lock a moment so the other one really waits
                s.execute(select(1))
            results.append("won")
        except (TransitionError, ConflictError) as exc:
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=worker, args=(f"t{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["TransitionError", "won"] or sorted(results) == [
        "ConflictError", "won"
    ]  # fmt: skip
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == key))
        assert req.state == "cancelled"
        assert [e.to_state for e in req.events] == ["submitted", "cancelled"]
