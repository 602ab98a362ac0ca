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

    @property
    def name(self) -> str:
        """For messages and logs: kind and host only (the URL's query holds the key)."""
        return f"{self.kind}@{urllib.parse.urlsplit(self.url).netloc}"

    def __repr__(self) -> str:  # never show the URL's key or the secret
        return f"Robot({self.name})"


class RobotError(Exception):
    """A robot refused or could not be reached (the message names no secret)."""


class Deferred(RobotError):
    """Over the robot's rate limit: not sent now."""


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
        out.append(Robot(r["kind"], url, secret))
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


# --- sending -------------------------------------------------------------------------------


def send_robot(
    robot: Robot,
    text: str,
    *,
    limit: RateLimit | None = None,
    now: float | None = None,
    timeout: float = 10,
) -> None:
    """Post one text message; raise ``Deferred`` over the rate limit, ``RobotError`` when
    the robot refuses (its answer's code) or cannot be reached."""
    limit = limit or LIMIT
    if not limit.take(robot.url):
        raise Deferred(f"{robot.name}: over {limit.per_minute} messages a minute, deferred")
    url, body = request_for(robot, text, time.time() if now is None else now)
    req = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            answer = json.loads(resp.read() or b"{}")
    except Exception as exc:  # the URL (with its key) stays out of the message
        raise RobotError(f"{robot.name}: {type(exc).__name__}") from None
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code not in (0, "0", None):
        msg = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
        raise RobotError(f"{robot.name}: refused ({code} {msg})".strip())


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
