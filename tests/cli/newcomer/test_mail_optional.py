"""Mail is optional until it is set up: with no mail settings ``--send``, the kick-off's team
mail and ``changeflow send`` say once that mail is not set up and how to set it, succeed
(exit 0) and leave the document waiting (nothing recorded as sent or failed); ``mailbox``
says it is not configured and exits 0. Once a server is set up and fails, the retries and
exit 6 stand (tests/tasks/test_clientmail.py)."""

from __future__ import annotations

from sqlalchemy import func, select


def _sends() -> int:
    from changeflow.db.clientmail import ClientSend
    from changeflow.db.session import transaction

    with transaction() as s:
        return s.scalar(select(func.count()).select_from(ClientSend)) or 0


def test_send_without_mail_settings_says_so_once_and_succeeds(submitted: str, cli) -> None:
    from changeflow.settings import get_settings

    assert not get_settings().smtp_host
    key = submitted
    assert cli("plan", key)[0] == 0
    code, out, err = cli("plan", key, "--issue", "--send")
    text = " ".join((out + err).split())
    assert code == 0, text
    assert text.count("mail is not set up") == 1 and "CHANGEFLOW_SMTP_HOST" in text
    assert f"the document waits to be sent: changeflow send {key}" in text
    assert _sends() == 0  # nothing recorded as sent or failed: it waits
    code, out, err = cli("send", key)
    assert code == 0 and "nothing sent: mail is not set up" in " ".join(out.split()), out + err
    code, out, err = cli("send", key, "--json")
    assert code == 0 and '"not-set-up"' in out


def test_mailbox_without_settings_is_not_configured_and_exits_0(cf_home, cli) -> None:
    assert cli("init")[0] == 0
    code, out, err = cli("mailbox")
    assert code == 0, err
    said = " ".join(out.split())
    assert "project mailbox is not set up" in said and "CHANGEFLOW_IMAP_HOST" in said
    code, out, _ = cli("mailbox", "--json")
    assert code == 0 and '"configured": false' in out


def test_an_imap_host_without_a_user_is_an_error(cf_home, cli, monkeypatch) -> None:
    from changeflow.settings import reset_settings

    assert cli("init")[0] == 0
    monkeypatch.setenv("CHANGEFLOW_IMAP_HOST", "127.0.0.1")
    reset_settings()
    code, _, err = cli("mailbox")
    assert code == 6 and "CHANGEFLOW_IMAP_USER" in err
