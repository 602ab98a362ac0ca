"""What the maintenance tests share: a real SMTP server."""

from __future__ import annotations

import pytest


@pytest.fixture
def smtp(cf_home, monkeypatch: pytest.MonkeyPatch):
    """A real SMTP server (aiosmtpd) on a free local port; yields the received messages."""
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    from changeflow.settings import reset_settings
    from tests.support.prefect import free_port

    received: list[email.message.EmailMessage] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            msg["X-Rcpt"] = ", ".join(envelope.rcpt_tos)
            received.append(msg)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CHANGEFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(port))
    monkeypatch.setenv("CHANGEFLOW_SMTP_SECURITY", "none")
    reset_settings()
    yield received
    controller.stop()
