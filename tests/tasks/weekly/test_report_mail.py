"""The report mailed through a real SMTP server (aiosmtpd, STARTTLS, AUTH)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import select

from changeflow.errors import InputError
from tests.tasks.weekly.helpers import SMTP_PASSWORD, SMTP_USER, Mailbox, free_port, report_row

# --- mail through a real SMTP server (aiosmtpd, STARTTLS, AUTH) ---------------------------


def test_mail_reaches_the_client_lead_with_the_report(
    project: dict[str, Any], smtp: Mailbox
) -> None:
    from changeflow.tasks import weekly

    made = weekly.make_report("2026-W40", "DEMO", lang="zh-CN", actor="李明")
    res = weekly.send_report(made["id"])
    assert res["sent"] and res["status"] == "sent"
    assert len(smtp.messages) == 1 and smtp.logins == [SMTP_USER]
    sender, rcpts, _raw = smtp.messages[0]
    assert sender == "changeflow@contractor.example"
    assert sorted(rcpts) == ["li.ming@contractor.example", "wang.fang@client.example"]
    msg = smtp.parsed()
    assert msg["Subject"] == "项目周报 示例集团有限公司 2026-W40（第 1 版）"
    assert msg["X-Changeflow-Key"] == "weekly-report/DEMO/2026-W40/v1"
    assert "王芳：您好" in msg.get_body(("plain",)).get_content()
    (att,) = list(msg.iter_attachments())
    assert att.get_filename() == "DEMO-2026-W40-项目周报-v1.docx"  # as stored and listed
    assert Path(made["document"]).name == att.get_filename()
    assert att.get_filename() in msg.get_body(("plain",)).get_content()  # named in the text
    d = docx.Document(io.BytesIO(att.get_content()))
    assert d.core_properties.title == "项目周报 示例集团有限公司 2026-W40"
    assert Path(made["document"]).read_bytes() == att.get_content()
    row = report_row(made["id"])
    assert row.mail_state == "sent" and row.sent_at is not None and row.mail_attempts == 1


def test_rerun_never_mails_the_week_twice_by_accident(
    project: dict[str, Any], smtp: Mailbox
) -> None:
    from changeflow.tasks import weekly

    v1 = weekly.make_report("2026-W40", "DEMO")
    assert weekly.send_report(v1["id"])["sent"]
    again = weekly.send_report(v1["id"])  # a retried task / a second run of the same version
    assert not again["sent"] and again["status"] == "already-sent"
    v2 = weekly.make_report("2026-W40", "DEMO")  # a re-run makes a new version...
    assert v2["version"] == 2
    skipped = weekly.send_report(v2["id"])  # ...which is not mailed without resend
    assert skipped["status"] == "skipped" and "v1" in skipped["reason"]
    assert len(smtp.messages) == 1
    fixed = weekly.send_report(v2["id"], resend=True)  # a deliberate correction
    assert fixed["sent"] and len(smtp.messages) == 2
    assert smtp.parsed()["X-Changeflow-Key"] == "weekly-report/DEMO/2026-W40/v2"
    assert not weekly.send_report(v2["id"], resend=True)["sent"]
    assert len(smtp.messages) == 2


def test_send_failure_keeps_the_report_and_hides_the_password(
    project: dict[str, Any], smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from changeflow.settings import reset_settings
    from changeflow.tasks import weekly

    made = weekly.make_report("2026-W40", "DEMO")
    dead = free_port()  # nobody listens there
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(dead))
    reset_settings()
    with pytest.raises(Exception) as e:
        weekly.send_report(made["id"])
    assert SMTP_PASSWORD not in str(e.value) and str(dead) in str(e.value)
    row = report_row(made["id"])
    assert row.mail_state == "failed" and row.mail_attempts == 1
    assert SMTP_PASSWORD not in row.mail_error
    assert Path(made["document"]).is_file()  # the report stays stored
    assert smtp.messages == []
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(smtp.port))  # the server is back: retry
    reset_settings()
    assert weekly.send_report(made["id"])["sent"]
    assert len(smtp.messages) == 1 and report_row(made["id"]).mail_attempts == 2


def test_missing_lead_email_is_a_clear_error(project: dict[str, Any], smtp: Mailbox) -> None:
    from changeflow.db.models import Person
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly

    with transaction() as s:
        s.scalar(select(Person).where(Person.name == "王芳")).email = None
    made = weekly.make_report("2026-W40", "DEMO")
    with pytest.raises(InputError) as e:
        weekly.send_report(made["id"])
    assert e.value.source == "contract OA-2026" and e.value.field == "client_lead.email"
