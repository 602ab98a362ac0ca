"""Sending mail (kick-off, weekly report, SLA warnings) over SMTP, at most once per key.

A mail with an ``idempotency_key`` is claimed in the database (``sent_mail``, unique key)
before the SMTP conversation and marked sent after it: a re-run of the same step finds the
key sent and does not send again; a failed mail can be retried; a mail whose outcome is
unknown (the process died mid-send) is not resent without ``force``. Security: none,
STARTTLS or TLS from the settings; the password comes from the settings or from a Prefect
Secret block and is never logged or stored (errors are scrubbed of it).
"""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from changeflow.db.approval import SentMail
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import ConfigError, ConflictError, InputError, MailNotSetUp
from changeflow.settings import get_settings, where_to_set

Attachment = tuple[str, bytes, str]  # (file name, content, MIME type)
SECRET_BLOCK_ENV = "CHANGEFLOW_SMTP_PASSWORD_BLOCK"
UNKNOWN_AFTER = timedelta(minutes=10)  # a claim this old without an outcome: crashed mid-send
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$")


@dataclass(frozen=True)
class MailResult:
    status: str  # sent | already-sent
    message_id: str
    recipients: list[str]
    key: str | None


def mail_set_up() -> bool:
    """Whether mail is set up at all (an SMTP server named): without it the steps that would
    mail say so (``MailNotSetUp.SMTP``) and succeed."""
    return bool(get_settings().smtp_host)


def smtp_password() -> str | None:
    """From the settings (CHANGEFLOW_SMTP_PASSWORD), else from the Prefect Secret block
    named by CHANGEFLOW_SMTP_PASSWORD_BLOCK (or the setting ``smtp_password_block``)."""
    s = get_settings()
    if s.smtp_password is not None:
        return s.smtp_password.get_secret_value()
    block = getattr(s, "smtp_password_block", None) or os.environ.get(SECRET_BLOCK_ENV)
    if not block:
        return None
    return secret_block(block, "SMTP password")


def secret_block(block: str, what: str) -> str:
    """A password kept as a Prefect Secret block (the SMTP and the IMAP password alike)."""
    try:
        from prefect.blocks.system import Secret

        value = Secret.load(block).get()
    except Exception as exc:
        raise ConfigError(
            f"cannot load {what} from Prefect Secret block '{block}' ({type(exc).__name__})"
        ) from None
    return str(value)


def _check_addresses(to: Sequence[str], field: str) -> list[str]:
    out: list[str] = []
    for a in to:
        a = (a or "").strip()
        if not _ADDRESS.match(a):
            raise InputError("mail", field, f"'{a}' is not a mail address")
        if a not in out:
            out.append(a)
    return out


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def message_id_for(key: str | None) -> str:
    """Derived from the key, so even a duplicate delivery folds into one in a mail client."""
    domain = get_settings().mail_from.rsplit("@", 1)[-1] or "changeflow"
    if key is None:
        return make_msgid(domain=domain)
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_message(
    to: list[str],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
    *,
    cc: Sequence[str] = (),
    key: str | None = None,
    reply_to: str | None = None,
    in_reply_to: str | None = None,
) -> EmailMessage:
    s = get_settings()
    msg = EmailMessage()
    msg["From"] = s.mail_from
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if reply_to:
        msg["Reply-To"] = " ".join(reply_to.split())
    if in_reply_to:  # an answer threads under the client's mail
        msg["In-Reply-To"] = msg["References"] = " ".join(in_reply_to.split())
    msg["Subject"] = " ".join(subject.split())  # no header injection through a newline
    msg["Date"] = format_datetime(datetime.now(s.tz))  # the client's time (Asia/Shanghai)
    msg["Message-ID"] = message_id_for(key)
    if key:
        msg["X-Changeflow-Key"] = " ".join(key.split())
    msg.set_content(body)
    for name, blob, mime in attachments:
        maintype, _, subtype = (mime or "application/octet-stream").partition("/")
        msg.add_attachment(
            blob, maintype=maintype, subtype=subtype or "octet-stream", filename=name
        )
    return msg


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib encodes credentials as ASCII; a non-ASCII user or password goes as AUTH
    PLAIN in UTF-8 (RFC 4616), which servers that accept such passwords understand."""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    import base64

    smtp.ehlo_or_helo_if_needed()
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPException("a non-ASCII user or password needs AUTH PLAIN (not offered)")
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
    code, _resp = smtp.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, b"authentication failed")


def deliver(msg: EmailMessage, recipients: list[str], password: str | None = None) -> None:
    """One SMTP conversation with the configured server."""
    s = get_settings()
    if not s.smtp_host:
        raise MailNotSetUp()
    password = password if password is not None else smtp_password()
    ctx = ssl.create_default_context()
    try:
        if s.smtp_security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, context=ctx, timeout=30)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
        with smtp:
            if s.smtp_security == "starttls":
                smtp.starttls(context=ctx)
            if s.smtp_user and password:
                _login(smtp, s.smtp_user, password)
            smtp.send_message(msg, to_addrs=recipients)
    except (smtplib.SMTPException, OSError) as exc:
        raise ConfigError(
            f"mail to {', '.join(recipients)} not sent: {s.smtp_host}:{s.smtp_port}"
            f" ({s.smtp_security}): {_scrub(f'{type(exc).__name__}: {exc}', password)};"
            f" check {where_to_set('smtp_host', 'smtp_port', 'smtp_security', 'smtp_user')}"
        ) from None


def _claim(key: str, recipients: list[str], subject: str, names: list[str], force: bool):
    """Claim ``key`` for this send; returns the existing row when it was sent already."""
    while True:
        try:
            with transaction() as s:
                row = s.scalar(select(SentMail).where(SentMail.idempotency_key == key))
                if row is None:
                    s.add(
                        SentMail(
                            idempotency_key=key,
                            recipients=recipients,
                            subject=subject,
                            attachments=names,
                            status="sending",
                        )
                    )
                    return None
                if row.status == "sent":
                    s.expunge(row)
                    return row
                if row.status == "sending" and not force:
                    age = utcnow() - row.created_at
                    if age < UNKNOWN_AFTER:
                        raise ConflictError(f"mail '{key}' is being sent by another run")
                    raise ConflictError(
                        f"mail '{key}' was being sent at {row.created_at:%Y-%m-%d %H:%M} UTC and"
                        " its outcome is unknown (the run stopped); check the mailbox, then"
                        " send again with force"
                    )
                row.status, row.error = "sending", ""
                row.recipients, row.subject, row.attachments = recipients, subject, names
                row.created_at = utcnow()
                return None
        except IntegrityError:
            continue  # another run claimed it between our read and insert: read again


def send_mail(
    to: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
    idempotency_key: str | None = None,
    *,
    cc: Sequence[str] = (),
    password: str | None = None,
    force: bool = False,
) -> str:
    """Send one mail; returns its Message-ID. With ``idempotency_key`` a second call (a
    re-run) returns the first mail's Message-ID without sending."""
    return send_mail_result(
        to, subject, body, attachments, idempotency_key, cc=cc, password=password, force=force
    ).message_id


def send_mail_result(
    to: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
    idempotency_key: str | None = None,
    *,
    cc: Sequence[str] = (),
    password: str | None = None,
    force: bool = False,
    reply_to: str | None = None,
    in_reply_to: str | None = None,
) -> MailResult:
    to_list = _check_addresses(to, "to")
    cc_list = [a for a in _check_addresses(cc, "cc") if a not in to_list]
    if not to_list:
        raise InputError("mail", "to", "no recipient")
    if not get_settings().smtp_host:
        raise MailNotSetUp()
    recipients = to_list + cc_list
    names = [a[0] for a in attachments]
    key = idempotency_key
    if key is not None:
        done = _claim(key, recipients, subject, names, force)
        if done is not None:
            return MailResult("already-sent", done.message_id, done.recipients, key)
    msg = build_message(
        to_list,
        subject,
        body,
        attachments,
        cc=cc_list,
        key=key,
        reply_to=reply_to,
        in_reply_to=in_reply_to,
    )
    try:
        deliver(msg, recipients, password)
    except Exception as exc:
        with transaction() as s:
            if key is not None:
                row = s.scalar(select(SentMail).where(SentMail.idempotency_key == key))
                if row is not None:
                    row.status, row.error = "failed", str(exc)[:1000]
            else:
                s.add(
                    SentMail(
                        recipients=recipients,
                        subject=subject,
                        attachments=names,
                        status="failed",
                        error=str(exc)[:1000],
                    )
                )
        raise
    with transaction() as s:
        row = None
        if key is not None:
            row = s.scalar(select(SentMail).where(SentMail.idempotency_key == key))
        if row is None:
            row = SentMail(
                idempotency_key=key, recipients=recipients, subject=subject, attachments=names
            )
            s.add(row)
        row.status, row.error = "sent", ""
        row.message_id, row.sent_at = msg["Message-ID"], utcnow()
    return MailResult("sent", msg["Message-ID"], recipients, key)
