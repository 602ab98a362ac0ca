"""The group robots' outbox: every notice (an SLA warning or breach, a quota or cycle
alert) is queued once per robot in the transaction that records the notice, and delivered
after it, until delivered.

- once: a row per notice and robot (unique), claimed (``sending``) by one process before its
  post; a delivered row is never posted again, so a run after a partial failure sends only
  to the robots that did not get it, and a second watcher finds the row claimed;
- tried again: a transient failure (HTTP 5xx, a timeout, the connection refused or reset) is
  tried again at once (``robots.send_with_retries``) and then on later runs after a growing
  pause (1, 2, 4 ... minutes, at most ``MAX_ATTEMPTS`` tries); a "too fast" answer waits as
  long as the vendor throttles (DingTalk: 10 minutes); a refusal (a wrong key or signature)
  is not tried again and is kept with its reason;
- the rate limit across processes: at most ``robots.PER_MINUTE`` posts per robot in any 60
  seconds, counted from the rows (sent or in flight), whichever process sends them;
- a post cut off by a dying process (``sending`` for over ``STALE_SENDING``) may have
  arrived: it is marked failed, not sent again;
- no secret anywhere: a row holds the names of the environment variables with the robot's
  address and secret (read at the post), errors name the robot by kind and host.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError

from . import robots
from .robots import (
    PER_MINUTE,
    RateLimit,
    RateLimited,
    RobotError,
    Transient,
    robots_of,
    send_with_retries,
)

MAX_ATTEMPTS = 9  # posts in all (3 tries a run), then the delivery is given up
STALE_SENDING = timedelta(minutes=10)
WINDOW = timedelta(seconds=60)
_NO_LIMIT = RateLimit(per_minute=10**9)  # the outbox counts the posts itself (all processes)


def queue_robots(
    session: Session, settings: Mapping[str, Any] | None, source: str, key: str, text: str
) -> dict[str, list[str]]:
    """Queue ``text`` for every robot of a contract under the notice ``key`` (once per
    robot: queueing the same notice again adds nothing). A robot configuration problem is
    returned, one line naming the field."""
    from changeflow.db.maintenance import RobotDelivery

    try:
        robots = robots_of(settings, source)
    except InputError as exc:
        return {"queued": [], "failed": [str(exc)]}
    queued = []
    for r in robots:
        have = session.scalar(
            select(RobotDelivery.id).where(RobotDelivery.key == key, RobotDelivery.robot == r.ident)
        )
        if have is not None:
            continue
        try:
            with session.begin_nested():
                session.add(
                    RobotDelivery(
                        key=key[:200], robot=r.ident, robot_name=r.name, spec=r.spec, text=text
                    )
                )
        except IntegrityError:  # another process queued it first
            continue
        queued.append(r.name)
    return {"queued": queued, "failed": []}


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts // 3 - 1, 0), 30))


def deliver_robots(
    now: datetime | None = None,
    *,
    keys: list[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    pauses: tuple[float, ...] | None = None,
) -> list[dict[str, Any]]:
    """Post every queued robot message that is due (``keys``: only those notices'; the
    watch run posts everything owed); one row per delivery tried:
    ``{key, robot, outcome: sent|deferred|retry|failed, error}``."""
    from changeflow.db.maintenance import RobotDelivery

    now = now or utcnow()
    out: list[dict[str, Any]] = []
    with transaction() as s:
        for d in s.scalars(
            select(RobotDelivery).where(
                RobotDelivery.state == "sending", RobotDelivery.claimed_at < now - STALE_SENDING
            )
        ):
            d.state = "failed"
            d.error = "interrupted while sending: not sent again (it may have arrived)"
        q = select(RobotDelivery.id).where(
            RobotDelivery.state == "pending",
            or_(RobotDelivery.next_try_at.is_(None), RobotDelivery.next_try_at <= now),
        )
        if keys is not None:
            q = q.where(RobotDelivery.key.in_(keys))
        due = s.scalars(q.order_by(RobotDelivery.id)).all()
    for did in due:
        with transaction() as s:
            claimed = s.execute(
                update(RobotDelivery)
                .where(RobotDelivery.id == did, RobotDelivery.state == "pending")
                .values(state="sending", claimed_at=now)
            ).rowcount
            if not claimed:
                continue  # another process has it
            d = s.get(RobotDelivery, did)
            assert d is not None
            recent = s.scalars(
                select(func.coalesce(RobotDelivery.sent_at, RobotDelivery.claimed_at)).where(
                    RobotDelivery.robot == d.robot,
                    RobotDelivery.id != d.id,
                    or_(
                        and_(RobotDelivery.state == "sent", RobotDelivery.sent_at > now - WINDOW),
                        and_(
                            RobotDelivery.state == "sending",
                            RobotDelivery.claimed_at > now - WINDOW,
                        ),
                    ),
                )
            ).all()
            row = {"key": d.key, "robot": d.robot_name}
            if len(recent) >= PER_MINUTE:
                d.state, d.claimed_at = "pending", None
                d.next_try_at = min(recent) + WINDOW
                out.append({**row, "outcome": "deferred", "error": f"over {PER_MINUTE} a minute"})
                continue
            spec, text, name = dict(d.spec), d.text, d.robot_name
        outcome, error, tries, wait = "sent", "", 1, None
        try:
            robot = robots_of({"robots": [spec]}, f"robot {name}")[0]
            tries = send_with_retries(robot, text, limit=_NO_LIMIT, sleep=sleep, pauses=pauses)
        except InputError as exc:  # its variables are gone: say which
            outcome, error, tries = "failed", str(exc), 0
        except RateLimited as exc:
            outcome, error, wait = "deferred", str(exc), timedelta(seconds=exc.wait_seconds)
        except Transient as exc:
            outcome, error = "retry", str(exc)
            tries = 1 + len(robots.RETRY_PAUSES if pauses is None else pauses)
        except RobotError as exc:
            outcome, error = "failed", str(exc)
        with transaction() as s:
            d = s.get(RobotDelivery, did)
            assert d is not None
            d.attempts += tries
            d.claimed_at = None
            if outcome == "sent":
                d.state, d.sent_at, d.error = "sent", now, ""
            elif outcome == "deferred":
                d.state, d.next_try_at, d.error = "pending", now + (wait or WINDOW), error
            elif outcome == "retry" and d.attempts < MAX_ATTEMPTS:
                d.state, d.next_try_at, d.error = "pending", now + _backoff(d.attempts), error
            else:
                if outcome == "retry":
                    outcome, error = "failed", f"{error}; given up after {d.attempts} tries"
                d.state, d.error = "failed", error[:2000]
        out.append({**row, "outcome": outcome, "error": error})
    return out


def robot_results(rows: list[dict[str, Any]], key: str) -> dict[str, list[str]]:
    """What happened to one notice's robot messages: sent, and not (yet) delivered."""
    mine = [r for r in rows if r["key"] == key]
    return {
        "sent": [r["robot"] for r in mine if r["outcome"] == "sent"],
        "failed": [r["error"] for r in mine if r["outcome"] != "sent"],
    }
