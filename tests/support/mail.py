"""The two mail servers of the round trip, started by the test: aiosmtpd (what we send)
and dovecot (the project's mailbox); settings point at them as a contractor sets them."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.support.imap import Imap, start_imap
from tests.support.smtp import Sink, free_port, start_smtp

PROJECT = "project@contractor.example"
CLIENT = "wang.fang@client.example"  # 王芳, the contract's client_lead
LEAD = "li.ming@contractor.example"  # 李明, our lead on the sample contract
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Servers:
    sink: Sink
    imap: Imap
    smtp_port: int

    def sent(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[misc]
            for _f, _to, raw in self.sink.messages
        ]

    def sent_to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.sent() if address in (m["To"] or "")]


def mail_env(imap: Imap, smtp_port: int) -> dict[str, str]:
    return {
        "CHANGEFLOW_SMTP_HOST": "127.0.0.1",
        "CHANGEFLOW_SMTP_PORT": str(smtp_port),
        "CHANGEFLOW_MAIL_FROM": PROJECT,
        "CHANGEFLOW_MAILBOX_ADDRESS": PROJECT,
        **imap.env(),
    }


@pytest.fixture
def servers(cf_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Servers]:
    from changeflow.settings import reset_settings

    imap = start_imap(tmp_path / "dovecot", user=PROJECT)
    sink = Sink()
    port = free_port()
    ctl = start_smtp(sink, port)
    for k, v in mail_env(imap, port).items():
        monkeypatch.setenv(k, v)
    reset_settings()
    try:
        yield Servers(sink, imap, port)
    finally:
        ctl.stop()
        imap.stop()
        reset_settings()


def attachment(msg: email.message.EmailMessage, suffix: str = ".docx") -> tuple[str, bytes]:
    for part in msg.iter_attachments():
        name = part.get_filename() or ""
        if name.endswith(suffix):
            return name, part.get_content()
    raise AssertionError(f"no {suffix} attached to {msg['Subject']}")


def reply(
    to_msg: email.message.EmailMessage | None,
    files: list[tuple[str, bytes]],
    *,
    sender: str = f"王芳 <{CLIENT}>",
    subject: str | None = None,
    body: str = "已填写，请查收。",
    message_id: str | None = None,
) -> bytes:
    """The client's answer as their mail program writes it: Re: subject, In-Reply-To, the
    files attached."""
    from email.utils import formatdate, make_msgid

    m = EmailMessage()
    m["From"] = sender
    m["To"] = PROJECT
    m["Subject"] = subject or ("Re: " + str(to_msg["Subject"]) if to_msg else "文件")
    m["Date"] = formatdate(localtime=True)
    m["Message-ID"] = message_id or make_msgid(domain="client.example")
    if to_msg is not None:
        m["In-Reply-To"] = to_msg["Message-ID"]
    m.set_content(body)
    for name, data in files:
        maintype, subtype = (DOCX if name.endswith(".docx") else "application/octet-stream").split(
            "/"
        )
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m.as_bytes()


def body_text(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return part.get_content()
