"""Nothing a client writes is lost: a contact's mail without an attachment (a question, a
remark) is kept in the database with the request it belongs to, filed in the kept folder,
forwarded to our lead (the contract's lead) with the request named, and the client gets a
receipt in Chinese; the pass does not fail. Real aiosmtpd and dovecot."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.support.mail import CLIENT, LEAD, body_text, reply

pytestmark = pytest.mark.slow


def _kept_rows() -> list:
    from changeflow.db.clientmail import MailboxMessage
    from changeflow.db.session import transaction

    with transaction() as s:
        rows = list(s.scalars(select(MailboxMessage).where(MailboxMessage.state == "kept")))
        for r in rows:
            s.expunge(r)
        return rows


def test_a_reply_without_attachment_is_kept_forwarded_and_acknowledged(
    submitted, servers, cli
) -> None:
    key = submitted
    assert cli("plan", key, "--issue", "--send")[0] == 0
    (sent,) = [m for m in servers.sent_to(CLIENT) if "请审批" in m["Subject"]]
    question = "您好，计划中的上线日期能否提前一周？第三阶段的费用包括培训吗？"
    raw = reply(sent, [], body=question)
    servers.imap.append(raw)

    code, out, err = cli("mailbox", "--json")
    assert code == 0, err
    (item,) = json.loads(out)["items"]
    assert item["outcome"] == "kept" and item["key"] == key
    assert f"forwarded to {LEAD}" in item["detail"]
    assert json.loads(out)["counts"]["kept"] == 1
    # filed in the kept folder, not the refused one
    assert servers.imap.uids("INBOX") == []
    assert servers.imap.uids("changeflow-refused") == []
    assert len(servers.imap.uids("changeflow-kept")) == 1
    # our lead has the client's words with the request named, and can answer by reply
    (fwd,) = servers.sent_to(LEAD)
    assert "甲方来信" in fwd["Subject"] and key in fwd["Subject"]
    text = body_text(fwd)
    assert question in text and f"请求：{key}「" in text and "回复我方发出的邮件" in text
    assert CLIENT in text and fwd["Reply-To"] == CLIENT
    # the client: a receipt in Chinese first, threaded under their mail
    (ack,) = [m for m in servers.sent_to(CLIENT) if "已收到" in m["Subject"]]
    assert body_text(ack).startswith("您好！\n\n收到您的来信")
    assert key in body_text(ack) and ack["In-Reply-To"]
    assert not [m for m in servers.sent_to(CLIENT) if "未登记" in m["Subject"]]
    # recorded: the text with the request, shown by status
    (row,) = _kept_rows()
    assert row.request_key == key and row.data["text"] == question
    assert row.data["contract"] == "OA-2026" and row.folder == "changeflow-kept"
    code, out, _ = cli("status", key, "--json")
    assert any(v.startswith("kept:") for v in json.loads(out)["mail"].values())
    # the same message again (a second copy): filed with the first, not forwarded twice
    servers.imap.append(raw)
    code, out, _ = cli("mailbox", "--json")
    assert code == 0 and json.loads(out)["items"][0]["outcome"] == "filed"
    assert len(servers.sent_to(LEAD)) == 1
    assert len(servers.imap.uids("changeflow-kept")) == 2


def test_the_request_by_subject_key_or_the_only_open_one(submitted, servers, cli) -> None:
    key = submitted
    servers.imap.append(reply(None, [], subject=f"关于 {key} 的问题", body="请回电。"))
    code, out, err = cli("mailbox", "--json")
    assert code == 0, err
    (item,) = json.loads(out)["items"]
    assert item["outcome"] == "kept" and item["key"] == key and "(subject)" in item["detail"]
    # no key, no thread: the client's only open request
    servers.imap.append(reply(None, [], subject="一个问题", body="系统什么时候维护？"))
    code, out, _ = cli("mailbox", "--json")
    (item,) = json.loads(out)["items"]
    assert item["key"] == key and "(only-open)" in item["detail"]
    texts = [body_text(m) for m in servers.sent_to(LEAD)]
    assert len(texts) == 2 and "主题中的编号" in texts[0] and "唯一在办" in texts[1]
    # a stranger's mail without attachment is still refused: not a client's
    servers.imap.append(reply(None, [], sender="x <x@elsewhere.example>", subject="hi"))
    code, out, _ = cli("mailbox", "--json")
    assert code == 2 and json.loads(out)["items"][0]["outcome"] == "refused"
    assert len(servers.sent_to(LEAD)) == 2


def test_a_forward_that_fails_leaves_the_mail_for_the_next_pass(
    submitted, servers, cli, monkeypatch
) -> None:
    """The mail server down: the question stays in the mailbox (nothing recorded, no receipt)
    and the next pass, with the server back, keeps it and forwards it once."""
    from changeflow.settings import reset_settings
    from tests.support.smtp import free_port

    servers.imap.append(reply(None, [], subject=f"{submitted} 的问题", body="何时上线？"))
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(free_port()))  # nothing listens there
    reset_settings()
    code, out, _ = cli("mailbox", "--json")
    (item,) = json.loads(out)["items"]
    assert code == 0 and item["outcome"] == "retry" and "not forwarded" in item["detail"]
    assert len(servers.imap.uids("INBOX")) == 1 and _kept_rows() == []
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(servers.smtp_port))
    reset_settings()
    code, out, _ = cli("mailbox", "--json")
    (item,) = json.loads(out)["items"]
    assert code == 0 and item["outcome"] == "kept" and item["key"] == submitted
    assert len(servers.sent_to(LEAD)) == 1 and servers.imap.uids("INBOX") == []
    assert len([m for m in servers.sent_to(CLIENT) if "已收到" in m["Subject"]]) == 1
