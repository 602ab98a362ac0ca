"""Watching the fault clocks: warnings and breaches mailed once each through a real SMTP
server (aiosmtpd)."""

from __future__ import annotations

import os

from changeflow.tasks import maintenance as mt
from tests.support.maintenance import at

# --- watching the clocks: mails through a real SMTP server -------------------------------


def test_watch_warns_then_breaches_once_each(contract: str, smtp) -> None:
    r = mt.report_fault(
        severity="crash", title="服务器崩溃", reported_at=at("2026-11-25 02:00"),
        now=at("2026-11-25 02:01"),
    )  # fmt: skip
    assert mt.sla_watch(now=at("2026-11-25 02:10"))["created"] == []
    assert smtp == []
    dry = mt.sla_watch(now=at("2026-11-25 02:25"), dry_run=True)
    assert dry["created"] == [{"key": r.key, "clock": "response", "level": "warning"}]
    assert smtp == []  # nothing sent, nothing recorded: the real run below still warns
    out = mt.sla_watch(now=at("2026-11-25 02:25"))  # 83 % of 30 minutes
    assert out["created"] == [{"key": r.key, "clock": "response", "level": "warning"}]
    assert len(smtp) == 1
    msg = smtp[0]
    assert "预警" in msg["Subject"] and r.key in msg["Subject"]
    assert "zhang.wei@contractor.example" in msg["X-Rcpt"]  # the engineer on duty
    assert "li.ming@contractor.example" in msg["X-Rcpt"]  # our project lead
    assert "2026-11-25 02:30" in msg.get_content()
    # the next run (5 minutes later, still before the breach) sends nothing again
    assert mt.sla_watch(now=at("2026-11-25 02:29"))["sent"] == []
    assert len(smtp) == 1
    out = mt.sla_watch(now=at("2026-11-25 02:31"))
    assert [(n["clock"], n["level"]) for n in out["sent"]] == [("response", "breach")]
    assert len(smtp) == 2 and "超时" in smtp[1]["Subject"]
    for minute in ("02:36", "02:41"):
        assert mt.sla_watch(now=at(f"2026-11-25 {minute}"))["sent"] == []
    assert len(smtp) == 2
    # responding stops the response clock; the on-site clock warns at 80 % of 6 hours
    mt.stamp(r.key, "respond", at=at("2026-11-25 02:45"), now=at("2026-11-25 02:46"))
    out = mt.sla_watch(now=at("2026-11-25 06:48"))
    assert [(n["clock"], n["level"]) for n in out["sent"]] == [("onsite", "warning")]
    mt.stamp(r.key, "onsite", at=at("2026-11-25 07:30"), now=at("2026-11-25 07:31"))
    assert mt.sla_watch(now=at("2026-11-25 09:00"))["sent"] == []
    assert len(smtp) == 3


def test_watch_skips_paused_clocks_and_retries_a_failed_mail(contract: str, smtp, monkeypatch):
    from changeflow.settings import reset_settings

    r = mt.report_fault(
        severity="crash", title="邮件服务器异常", reported_at=at("2026-11-25 02:00"),
        now=at("2026-11-25 02:01"),
    )  # fmt: skip
    mt.pause(r.key, at=at("2026-11-25 02:05"), now=at("2026-11-25 02:06"))
    assert mt.sla_watch(now=at("2026-11-25 05:00"))["created"] == []
    mt.resume(r.key, at=at("2026-11-25 05:00"), now=at("2026-11-25 05:00"))
    # 5 min used before the pause: warning at 24 min used -> 05:19, breach at 05:25
    good_port = os.environ["CHANGEFLOW_SMTP_PORT"]
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", "1")  # nobody listens there
    reset_settings()
    out = mt.sla_watch(now=at("2026-11-25 05:20"))
    assert out["created"] and out["failed"] and not out["sent"]
    assert smtp == []
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", good_port)
    reset_settings()
    out = mt.sla_watch(now=at("2026-11-25 05:21"))
    assert [(n["clock"], n["level"]) for n in out["sent"]] == [("response", "warning")]
    assert len(smtp) == 1
