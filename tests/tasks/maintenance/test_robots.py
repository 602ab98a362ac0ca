"""Group robots (WeCom, DingTalk, Feishu) as notice channels, against a local HTTP server
that checks each vendor's signature with its own code."""

from __future__ import annotations

from datetime import datetime, timedelta
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


# --- the outbox: tried again, never twice, the rate limit across runs ---------------------


@pytest.fixture
def watched(contract, server, robot_env, monkeypatch):
    """The sample contract with the three robots, a real SMTP sink, fast retries."""
    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.settings import reset_settings
    from tests.support.smtp import Sink, free_port, start_smtp

    sink = Sink()
    port = free_port()
    ctl = start_smtp(sink, port)
    monkeypatch.setenv("CHANGEFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(port))
    reset_settings()
    monkeypatch.setattr(rb, "TIMEOUT", 0.4)
    monkeypatch.setattr(rb, "RETRY_PAUSES", (0.01, 0.01))
    server.delay = 0.8
    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == contract))
        k.settings = {**(k.settings or {}), **robot_env}
    yield sink
    ctl.stop()


def breach(minute: int = 40) -> tuple[str, datetime]:
    from changeflow.tasks import maintenance as mt

    r = mt.report_fault(severity="crash", title="服务器崩溃",
                        reported_at=datetime(2026, 11, 25, 2, 0, tzinfo=SH),
                        now=datetime(2026, 11, 25, 2, 1, tzinfo=SH))  # fmt: skip
    return r.key, datetime(2026, 11, 25, 2, minute, tzinfo=SH)


def deliveries() -> dict[str, tuple[str, int]]:
    from changeflow.db.maintenance import RobotDelivery
    from changeflow.db.session import transaction

    with transaction() as s:
        return {d.robot_name.split("@")[0]: (d.state, d.attempts)
                for d in s.query(RobotDelivery).order_by(RobotDelivery.id)}  # fmt: skip


def test_transient_failures_are_tried_again_and_sent_once(watched, server) -> None:
    """DingTalk answers 500 then times out, then takes it (3 tries in the run); WeCom says
    "too fast" (deferred to the next run a minute later); Feishu takes it at once. Each
    robot gets the notice exactly once, the mail went once."""
    from changeflow.tasks import maintenance as mt

    key, now = breach()
    server.script = {"dingtalk": ["500", "slow"], "wecom": ["too-fast"]}
    out = mt.sla_watch(now=now)
    [n] = out["sent"]
    assert sorted(n["robots"]["sent"]) == sorted(
        [f"dingtalk@{server.base[7:]}", f"feishu@{server.base[7:]}"])  # fmt: skip
    assert [k for k, _ in server.accepted] == ["dingtalk", "feishu"]
    assert server.played == [("wecom", "too-fast"), ("dingtalk", "500"), ("dingtalk", "slow")]
    assert deliveries() == {"wecom": ("pending", 1), "dingtalk": ("sent", 3),
                            "feishu": ("sent", 1)}  # fmt: skip
    assert "too fast" in n["robots"]["failed"][0]
    # 30 s later the WeCom robot is still throttled: nothing posted
    mt.sla_watch(now=now + timedelta(seconds=30))
    assert len(server.accepted) == 2
    later = mt.sla_watch(now=now + timedelta(minutes=2))
    assert later["sent"] == [] and [r["outcome"] for r in later["robots"]] == ["sent"]
    assert sorted(k for k, _ in server.accepted) == ["dingtalk", "feishu", "wecom"]
    assert key in server.accepted[2][1]["text"]["content"]
    mt.sla_watch(now=now + timedelta(minutes=10))
    assert len(server.accepted) == 3 and len(watched.messages) == 1  # never twice


def test_a_failure_past_the_run_is_tried_on_later_runs_then_given_up(watched, server):
    from changeflow.tasks import maintenance as mt

    _, now = breach()
    server.script = {"feishu": ["500"] * 4, "wecom": ["500"] * 9}
    mt.sla_watch(now=now)
    assert deliveries()["feishu"] == ("pending", 3) and deliveries()["wecom"] == ("pending", 3)
    mt.sla_watch(now=now + timedelta(seconds=30))  # not due yet (1 minute's pause)
    assert deliveries()["feishu"] == ("pending", 3)
    mt.sla_watch(now=now + timedelta(minutes=1))
    assert deliveries()["feishu"] == ("sent", 5)  # the 5th post went through
    mt.sla_watch(now=now + timedelta(minutes=4))
    assert deliveries()["wecom"] == ("failed", 9)  # given up, with the reason
    mt.sla_watch(now=now + timedelta(hours=2))
    assert sorted(k for k, _ in server.accepted) == ["dingtalk", "feishu"]
    assert [a for k, a in server.played if k == "wecom"] == ["500"] * 9


def test_a_refusal_is_not_tried_again(watched, server, monkeypatch) -> None:
    from changeflow.tasks import maintenance as mt

    monkeypatch.setenv("CF_T_DING_SECRET", "SECwrong")
    _, now = breach()
    mt.sla_watch(now=now)
    mt.sla_watch(now=now + timedelta(hours=1))
    assert deliveries()["dingtalk"] == ("failed", 1)
    assert [k for k, _ in server.refused] == ["dingtalk"]  # posted once, refused, kept


def test_rate_limit_across_runs_and_a_post_cut_off_is_not_resent(robot_env, server, db):
    """25 messages for one robot: 20 in the first minute, the other 5 a minute later,
    counted from the outbox (another process's posts count too)."""
    from changeflow.db.maintenance import RobotDelivery
    from changeflow.db.session import transaction
    from changeflow.tasks.maintenance.robot_outbox import deliver_robots, queue_robots

    wecom = {"robots": robot_env["robots"][:1]}
    with transaction() as s:
        for i in range(25):
            queue_robots(s, wecom, "contract T", f"k{i}", f"m{i}")
        queue_robots(s, wecom, "contract T", "k0", "m0 again")  # the same notice: nothing
    now = datetime(2026, 11, 25, 9, 0, tzinfo=SH)
    first = deliver_robots(now)
    assert [r["outcome"] for r in first].count("sent") == 20 and len(server.accepted) == 20
    assert [r["outcome"] for r in first].count("deferred") == 5
    deliver_robots(now + timedelta(seconds=59))
    assert len(server.accepted) == 20
    deliver_robots(now + timedelta(seconds=61))
    texts = [b["text"]["content"] for _, b in server.accepted]
    assert sorted(texts) == sorted(f"m{i}" for i in range(25))  # each once
    with transaction() as s:  # a process died while posting this one
        queue_robots(s, wecom, "contract T", "cut", "cut off")
        d = s.query(RobotDelivery).filter_by(key="cut").one()
        d.state, d.claimed_at = "sending", now
    deliver_robots(now + timedelta(minutes=11))
    with transaction() as s:
        d = s.query(RobotDelivery).filter_by(key="cut").one()
        assert d.state == "failed" and "not sent again" in d.error
    assert len(server.accepted) == 25


def test_secrets_never_in_logs_rows_or_results(watched, server, monkeypatch, caplog, capsys):
    import logging

    from changeflow.db.maintenance import RobotDelivery, SlaNotice
    from changeflow.db.session import transaction
    from changeflow.tasks import maintenance as mt

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CF_T_FEISHU_SECRET", "wrong-feishu-secret")
    server.script = {"dingtalk": ["500"] * 3, "wecom": ["slow"] * 3}
    _, now = breach()
    out = mt.sla_watch(now=now)
    with transaction() as s:
        rows = [(d.spec, d.error, d.robot, d.robot_name) for d in s.query(RobotDelivery)]
        rows += [(n.error,) for n in s.query(SlaNotice)]
    seen = " ".join([repr(out), repr(rows), caplog.text, *capsys.readouterr()])
    assert "HTTP 500" in seen and "sign match fail" in seen
    for secret in (WECOM_KEY, DING_TOKEN, DING_SECRET, FEISHU_SECRET, "wrong-feishu-secret",
                   "access_token", "?key="):  # fmt: skip
        assert secret not in seen, secret


def test_cycle_allowance_crossed_alerts_once_each_by_mail_and_robots(watched, server, tmp_path):
    """24 days a year in 12 monthly cycles: 2.00 a month. September crosses it with its
    second order (once, not again with the third); October crosses it on its own; a week's
    allowance when the contract's cycle is the week."""
    from decimal import Decimal

    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks import maintenance as mt
    from tests.support.maintenance import fill_signoff, stored

    def order(start: str, end: str) -> dict:
        o = mt.create_dispatch(kind="change", planned_start=start, staff=["张伟"])
        v = mt.complete_dispatch(o["number"], actual_start=start, actual_end=end)
        fill_signoff(stored(v["document"]), tmp_path / f"{o['number']}.docx",
                     {"accepted": "是", "satisfaction": "4", "signer": "王芳",
                      "date": end[:10]})  # fmt: skip
        mt.signoff_dispatch(tmp_path / f"{o['number']}.docx")
        return v

    def alerts() -> list[str]:
        import email
        import email.policy

        subjects = [str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])
                    for _, _, raw in watched.messages]  # fmt: skip
        return [x for x in subjects if "cycle allowance" in x]

    order("2026-09-14 09:00", "2026-09-14 17:30")  # 1 day: within 2.00
    assert alerts() == [] and server.accepted == []
    order("2026-09-15 09:00", "2026-09-16 17:30")  # 3 days in September: over
    [subject] = alerts()
    assert "2026-09" in subject and "3.00" in subject and "2.00" in subject
    robots = [b for k, b in server.accepted]
    assert len(robots) == 3 and all("2026-09" in str(b) for b in robots)
    order("2026-09-17 09:00", "2026-09-17 17:30")  # still over: not told again
    assert len(alerts()) == 1 and len(server.accepted) == 3
    order("2026-10-12 09:00", "2026-10-14 17:30")  # October: 3 days, its own alert
    assert len(alerts()) == 2 and "2026-10" in alerts()[1] and len(server.accepted) == 6
    u = mt.contract_usage("OA-2026", today=datetime(2026, 10, 31, tzinfo=SH).date())
    rows = {c["cycle"]: c for c in u["cycles"]}
    assert rows["2026-09"]["over"] and rows["2026-09"]["used"] == Decimal("4.00")
    # the week as the service cycle: 24 / 53 = 0.45 a week; the week of 10-19 crosses it
    with transaction() as s:
        s.scalar(select(Contract).where(Contract.code == "OA-2026")).service_cycle = "week"
    order("2026-10-19 09:00", "2026-10-19 12:00")  # 0.38 day: within the week's 0.45
    assert len(alerts()) == 2 + 2  # the weeks already over (W38, W42) told now, once each
    assert "2026-W38" in alerts()[2] and "2026-W42" in alerts()[3]
    order("2026-10-20 09:00", "2026-10-20 10:00")  # W43: 0.5 > 0.45
    assert "2026-W43" in alerts()[-1] and len(alerts()) == 5
