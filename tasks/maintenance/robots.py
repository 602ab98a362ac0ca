"""Group robots as notice channels where Chinese teams read them: WeCom (企业微信), DingTalk
(钉钉) and Feishu (飞书) webhooks, each with its own signing, size limit and rate limit.

A contract names its robots in ``settings.robots``; the webhook address and the signing
secret are never in the contract or the database, only the names of the environment
variables holding them (where the SMTP password lives, ``CHANGEFLOW_SMTP_PASSWORD``)::

    robots:
      - {kind: dingtalk, url_env: CHANGEFLOW_ROBOT_DINGTALK_URL, secret_env: CHANGEFLOW_ROBOT_DINGTALK_SECRET}
      - {kind: feishu,   url_env: CHANGEFLOW_ROBOT_FEISHU_URL,   secret_env: CHANGEFLOW_ROBOT_FEISHU_SECRET}
      - {kind: wecom,    url_env: CHANGEFLOW_ROBOT_WECOM_URL}   # the key is in the URL

Signing (from the vendors' documentation):

- DingTalk 加签: timestamp in milliseconds; HMAC-SHA256 keyed by the secret over
  ``timestamp + "\\n" + secret``; Base64, then URL-encoded; ``&timestamp=..&sign=..`` in the URL.
- Feishu: timestamp in seconds; ``timestamp + "\\n" + secret`` is the HMAC-SHA256 KEY over an
  empty message; Base64; ``timestamp`` and ``sign`` in the JSON body.
- WeCom: no signature; the ``key`` in the URL is the secret.

Limits: WeCom text <= 2048 bytes, DingTalk text <= 20,000 bytes, Feishu body <= 20 KB (text
cut at a character boundary with a mark); about 20 messages a minute per robot (a message
over the limit is deferred, not sent). Errors name the robot by kind and host, never the
URL's query or the secret.

Failures are told apart (``send_robot``): ``Transient`` (HTTP 5xx, a timeout, the
connection refused or reset: tried again), ``RateLimited`` (HTTP 429 or the vendor's
"too fast" answer: WeCom 45009, DingTalk 130101, Feishu 9499/11232: deferred, never hammered)
and a plain ``RobotError`` (a wrong key or signature, a bad message: not tried again).
``send_with_retries`` tries a transient failure again at once a few times; what is still
not delivered is kept and tried on the next run by the outbox (``robot_outbox``), which
also keeps the rate limit across processes and never sends a delivered message again.
"""  # noqa: E501

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from changeflow.errors import InputError

KINDS = ("wecom", "dingtalk", "feishu")
TEXT_LIMIT = {"wecom": 2048, "dingtalk": 20000, "feishu": 19000}  # bytes of UTF-8 text
PER_MINUTE = 20
CUT_MARK = "…(截断 cut)"


@dataclass(frozen=True)
class Robot:
    kind: str
    url: str
    secret: str | None = None
    url_env: str = ""  # the environment variables it was read from (kept in the outbox)
    secret_env: str = ""

    @property
    def ident(self) -> str:
        """One robot (one webhook), for the outbox and the rate limit: kind and a digest
        of the address (two robots on one vendor host are two robots)."""
        return f"{self.kind}:{hashlib.sha256(self.url.encode()).hexdigest()[:12]}"

    @property
    def spec(self) -> dict[str, str]:
        """Where to find it again: the variable names only, never the address or secret."""
        out = {"kind": self.kind, "url_env": self.url_env}
        if self.secret_env:
            out["secret_env"] = self.secret_env
        return out

    @property
    def name(self) -> str:
        """For messages and logs: kind and host only (the URL's query holds the key)."""
        return f"{self.kind}@{urllib.parse.urlsplit(self.url).netloc}"

    def __repr__(self) -> str:  # never show the URL's key or the secret
        return f"Robot({self.name})"


class RobotError(Exception):
    """A robot refused or could not be reached (the message names no secret)."""


class Transient(RobotError):
    """Not delivered for a passing reason (HTTP 5xx, timeout, connection): try again."""


class RateLimited(Transient):
    """The robot said "too fast" (HTTP 429 or the vendor's code): try again later."""

    def __init__(self, message: str, wait_seconds: float = 60) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class Deferred(RateLimited):
    """Over the robot's rate limit on our side: not sent now."""


# the vendors' "sending too fast" answers, and how long they throttle (DingTalk: 10 minutes)
RATE_LIMIT_CODES = {
    "wecom": {45009: 60},
    "dingtalk": {130101: 600},
    "feishu": {9499: 60, 11232: 60},
}


def robots_of(settings: Mapping[str, Any] | None, source: str) -> list[Robot]:
    """The robots a contract's settings name, their address and secret read from the
    environment variables named there; one clear error per problem."""
    raw = (settings or {}).get("robots") or []
    if not isinstance(raw, list):
        raise InputError(source, "settings.robots", "must be a list of robots")
    out = []
    for i, r in enumerate(raw):
        field = f"settings.robots[{i}]"
        if not isinstance(r, Mapping) or r.get("kind") not in KINDS:
            raise InputError(source, f"{field}.kind", f"must be one of {', '.join(KINDS)}")
        url_env = str(r.get("url_env") or "")
        url = os.environ.get(url_env, "") if url_env else ""
        if not url.startswith(("http://", "https://")):
            raise InputError(
                source, f"{field}.url_env", f"environment variable '{url_env}' holds no http(s) URL"
            )
        secret = None
        if r["kind"] in ("dingtalk", "feishu"):
            secret_env = str(r.get("secret_env") or "")
            secret = os.environ.get(secret_env) if secret_env else None
            if not secret:
                raise InputError(
                    source, f"{field}.secret_env", f"environment variable '{secret_env}' is empty"
                )
        out.append(Robot(r["kind"], url, secret, url_env, str(r.get("secret_env") or "")))
    return out


# --- signing -------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: URL-encoded Base64 of HMAC-SHA256(key=secret, "ts\\nsecret")."""
    msg = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), msg, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu: Base64 of HMAC-SHA256(key="ts\\nsecret", empty message)."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def fit(text: str, limit: int) -> str:
    """``text`` within ``limit`` UTF-8 bytes, cut at a character with a mark."""
    data = text.encode()
    if len(data) <= limit:
        return text
    room = limit - len(CUT_MARK.encode())
    return data[:room].decode("utf-8", "ignore") + CUT_MARK


def request_for(robot: Robot, text: str, now: float) -> tuple[str, dict[str, Any]]:
    """The URL and JSON body of one text message."""
    text = fit(text, TEXT_LIMIT[robot.kind])
    if robot.kind == "wecom":
        return robot.url, {"msgtype": "text", "text": {"content": text}}
    if robot.kind == "dingtalk":
        assert robot.secret is not None
        ts = int(now * 1000)
        sep = "&" if "?" in robot.url else "?"
        url = f"{robot.url}{sep}timestamp={ts}&sign={dingtalk_sign(robot.secret, ts)}"
        return url, {"msgtype": "text", "text": {"content": text}}
    assert robot.secret is not None
    ts = int(now)
    return robot.url, {
        "timestamp": str(ts),
        "sign": feishu_sign(robot.secret, ts),
        "msg_type": "text",
        "content": {"text": text},
    }


# --- the rate limit ------------------------------------------------------------------------


class RateLimit:
    """At most ``per_minute`` messages per robot in any 60 seconds (this process)."""

    def __init__(self, per_minute: int = PER_MINUTE, clock: Callable[[], float] = time.monotonic):
        self.per_minute, self.clock = per_minute, clock
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> bool:
        with self._lock:
            now = self.clock()
            q = self._sent.setdefault(key, deque())
            while q and now - q[0] >= 60:
                q.popleft()
            if len(q) >= self.per_minute:
                return False
            q.append(now)
            return True


LIMIT = RateLimit()
TIMEOUT = 10.0  # seconds for one post
RETRY_PAUSES = (0.5, 2.0)  # between the tries of one delivery (3 tries in all)


# --- sending -------------------------------------------------------------------------------


def send_robot(
    robot: Robot,
    text: str,
    *,
    limit: RateLimit | None = None,
    now: float | None = None,
    timeout: float | None = None,
) -> None:
    """Post one text message. Raises ``Deferred`` over our rate limit, ``RateLimited`` when
    the robot says too fast, ``Transient`` when it could not take it now (5xx, timeout,
    connection), ``RobotError`` when it refuses (a wrong key or signature: its code)."""
    import urllib.error

    limit = limit or LIMIT
    if not limit.take(robot.ident):
        raise Deferred(f"{robot.name}: over {limit.per_minute} messages a minute, deferred")
    url, body = request_for(robot, text, time.time() if now is None else now)
    req = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:  # the URL (with its key) and the secret stay out of every message
        with urllib.request.urlopen(req, timeout=TIMEOUT if timeout is None else timeout) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 429:
            raise RateLimited(f"{robot.name}: HTTP 429 too many requests") from None
        if exc.code >= 500:
            raise Transient(f"{robot.name}: HTTP {exc.code}") from None
        raise RobotError(f"{robot.name}: HTTP {exc.code}") from None
    except (TimeoutError, urllib.error.URLError, OSError) as exc:  # timeout, refused, reset
        why = getattr(exc, "reason", exc)
        raise Transient(f"{robot.name}: {type(why).__name__}") from None
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        raise Transient(f"{robot.name}: the answer is not JSON") from None
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code not in (0, "0", None):
        msg = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
        try:
            wait = RATE_LIMIT_CODES[robot.kind].get(int(code))
        except (TypeError, ValueError):
            wait = None
        if wait is not None:
            raise RateLimited(f"{robot.name}: too fast ({code} {msg})".strip(), wait)
        raise RobotError(f"{robot.name}: refused ({code} {msg})".strip())


def send_with_retries(
    robot: Robot,
    text: str,
    *,
    limit: RateLimit | None = None,
    sleep: Callable[[float], None] = time.sleep,
    pauses: tuple[float, ...] | None = None,
) -> int:
    """Send, trying a transient failure again after each of ``pauses`` (a rate-limit answer
    is not tried again now: waiting is the point). Returns the tries it took; raises the
    last error."""
    pauses = RETRY_PAUSES if pauses is None else pauses
    for n in range(len(pauses) + 1):
        try:
            send_robot(robot, text, limit=limit)
            return n + 1
        except RateLimited:
            raise
        except Transient:
            if n == len(pauses):
                raise
            sleep(pauses[n])
    raise AssertionError("unreachable")


def notify_robots(
    settings: Mapping[str, Any] | None, source: str, text: str, *, limit: RateLimit | None = None
) -> dict[str, list[str]]:
    """Send ``text`` to every robot of a contract; what was sent and what failed (by robot
    name, never its address)."""
    sent: list[str] = []
    failed: list[str] = []
    try:
        robots = robots_of(settings, source)
    except InputError as exc:
        return {"sent": [], "failed": [str(exc)]}
    for r in robots:
        try:
            send_robot(r, text, limit=limit)
            sent.append(r.name)
        except RobotError as exc:
            failed.append(str(exc))
    return {"sent": sent, "failed": failed}
