"""Group robots (WeCom, DingTalk, Feishu) as notice channels, against a local HTTP server
that checks each vendor's signature with its own code."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from changeflow.errors import InputError
from changeflow.tasks.maintenance import robots as rb
from tests.support.robot_server import (
    DING_SECRET,
    DING_TOKEN,
    FEISHU_SECRET,
    WECOM_KEY,
    RobotServer,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def server():
    with RobotServer() as srv:
        yield srv


@pytest.fixture
def robot_env(server, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("CF_T_WECOM_URL", f"{server.base}/wecom?key={WECOM_KEY}")
    monkeypatch.setenv("CF_T_DING_URL", f"{server.base}/dingtalk?access_token={DING_TOKEN}")
    monkeypatch.setenv("CF_T_DING_SECRET", DING_SECRET)
    monkeypatch.setenv("CF_T_FEISHU_URL", f"{server.base}/feishu")
    monkeypatch.setenv("CF_T_FEISHU_SECRET", FEISHU_SECRET)
    return {
        "robots": [
            {"kind": "wecom", "url_env": "CF_T_WECOM_URL"},
            {"kind": "dingtalk", "url_env": "CF_T_DING_URL", "secret_env": "CF_T_DING_SECRET"},
            {"kind": "feishu", "url_env": "CF_T_FEISHU_URL", "secret_env": "CF_T_FEISHU_SECRET"},
        ]
    }


def test_each_robot_signed_right_and_accepted(server, robot_env) -> None:
    out = rb.notify_robots(
        robot_env, "contract T", "[SLA 超时 breach] CR-2026-0001", limit=rb.RateLimit()
    )
    assert out["failed"] == [] and len(out["sent"]) == 3
    assert [k for k, _ in server.accepted] == ["wecom", "dingtalk", "feishu"]
    assert server.accepted[2][1]["content"]["text"] == "[SLA 超时 breach] CR-2026-0001"
    assert server.refused == []


def test_wrong_secrets_are_refused_and_never_shown(server, robot_env, monkeypatch) -> None:
    monkeypatch.setenv("CF_T_DING_SECRET", "SECwrong")
    monkeypatch.setenv("CF_T_FEISHU_SECRET", "wrong")
    monkeypatch.setenv("CF_T_WECOM_URL", f"{server.base}/wecom?key=not-the-key")
    out = rb.notify_robots(robot_env, "contract T", "x", limit=rb.RateLimit())
    assert out["sent"] == [] and len(out["failed"]) == 3
    text = " ".join(out["failed"])
    assert "sign not match" in text and "refused" in text
    for secret in ("SECwrong", "not-the-key", DING_TOKEN, "?key="):
        assert secret not in text
    assert [k for k, _ in server.refused] == ["wecom", "dingtalk", "feishu"]


def test_signatures_match_the_vendors_examples() -> None:
    # the recipe the server checks, worked by hand for one fixed timestamp
    import base64
    import hashlib
    import hmac
    import urllib.parse

    ts = 1759100000000
    raw = hmac.new(b"SECabc", f"{ts}\nSECabc".encode(), hashlib.sha256).digest()
    assert rb.dingtalk_sign("SECabc", ts) == urllib.parse.quote_plus(base64.b64encode(raw).decode())
    assert not set("+/=") & set(rb.dingtalk_sign("SECabc", ts))  # URL-encoded for the query
    key = f"{ts // 1000}\nabc".encode()
    assert (
        rb.feishu_sign("abc", ts // 1000)
        == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    )
    # the two schemes differ: Feishu keys by timestamp+secret, DingTalk by the secret
    assert (
        rb.feishu_sign("abc", 1)
        != base64.b64encode(hmac.new(b"abc", b"1\nabc", hashlib.sha256).digest()).decode()
    )


def test_size_limits_are_kept(server, robot_env) -> None:
    long = "数据库连接超时" * 2000  # 42,000 bytes of UTF-8
    out = rb.notify_robots(robot_env, "contract T", long, limit=rb.RateLimit())
    assert out["failed"] == []
    wecom = server.accepted[0][1]["text"]["content"]
    assert len(wecom.encode()) <= 2048 and wecom.endswith(rb.CUT_MARK)
    assert len(server.accepted[1][1]["text"]["content"].encode()) <= 20000


def test_rate_limit_twenty_a_minute(server, robot_env) -> None:
    now = [1000.0]
    limit = rb.RateLimit(clock=lambda: now[0])
    [wecom] = rb.robots_of({"robots": robot_env["robots"][:1]}, "contract T")
    for i in range(20):
        rb.send_robot(wecom, f"m{i}", limit=limit)
    with pytest.raises(rb.Deferred):
        rb.send_robot(wecom, "m20", limit=limit)
    now[0] += 60
    rb.send_robot(wecom, "m21", limit=limit)
    assert len(server.accepted) == 21


def test_bad_robot_settings_name_the_field(monkeypatch) -> None:
    with pytest.raises(InputError) as err:
        rb.robots_of({"robots": [{"kind": "qq"}]}, "contract T")
    assert err.value.field == "settings.robots[0].kind"
    monkeypatch.delenv("CF_T_NONE", raising=False)
    with pytest.raises(InputError) as err:
        rb.robots_of({"robots": [{"kind": "wecom", "url_env": "CF_T_NONE"}]}, "contract T")
    assert err.value.field == "settings.robots[0].url_env"
    monkeypatch.setenv("CF_T_URL", "http://127.0.0.1:9/dingtalk")
    with pytest.raises(InputError) as err:
        rb.robots_of({"robots": [{"kind": "dingtalk", "url_env": "CF_T_URL"}]}, "contract T")
    assert err.value.field == "settings.robots[0].secret_env"
    assert "http://127.0.0.1:9" not in repr(rb.Robot("wecom", "http://h/x?key=SECRET"))


def test_sla_breach_reaches_the_robots_once(contract, server, robot_env, monkeypatch) -> None:
    """sla_watch: the breach mail and the three robots, once each."""
    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.settings import reset_settings
    from changeflow.tasks import maintenance as mt
    from tests.support.smtp import Sink, free_port, start_smtp

    sink = Sink()
    port = free_port()
    ctl = start_smtp(sink, port)
    monkeypatch.setenv("CHANGEFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(port))
    reset_settings()
    monkeypatch.setattr(rb, "LIMIT", rb.RateLimit())
    try:
        with transaction() as s:
            k = s.scalar(select(Contract).where(Contract.code == contract))
            k.settings = {**(k.settings or {}), **robot_env}
        r = mt.report_fault(severity="crash", title="服务器崩溃",
                            reported_at=datetime(2026, 11, 25, 2, 0, tzinfo=SH),
                            now=datetime(2026, 11, 25, 2, 1, tzinfo=SH))  # fmt: skip
        out = mt.sla_watch(now=datetime(2026, 11, 25, 2, 40, tzinfo=SH))  # response breached
        assert [(n["clock"], n["level"]) for n in out["sent"]] == [("response", "breach")]
        assert out["sent"][0]["robots"]["failed"] == [] and len(sink.messages) == 1
        assert [k for k, _ in server.accepted] == ["wecom", "dingtalk", "feishu"]
        assert r.key in server.accepted[0][1]["text"]["content"]
        again = mt.sla_watch(now=datetime(2026, 11, 25, 2, 45, tzinfo=SH))
        assert again["sent"] == [] and len(server.accepted) == 3
    finally:
        ctl.stop()
