"""Mail is optional until it is set up, in the Prefect UI too: with no mail settings the plan
form with 发送给甲方 ticked completes, its message saying mail is not set up (the plan
stands, unsent), and the mailbox flow completes saying the mailbox is not set up."""

from __future__ import annotations

import pytest

from tests.support.delivery import state_of

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def test_flows_complete_saying_mail_is_not_set_up(prefect_server, submitted) -> None:
    from changeflow.flows.mail import mailbox
    from changeflow.flows.plan import PlanInput, plan
    from changeflow.settings import get_settings

    assert not get_settings().smtp_host and not get_settings().imap_host
    key = submitted
    plan(request=PlanInput(key=key), return_state=True)  # the draft
    state = plan(request=PlanInput(key=key, issue=True, send=True), return_state=True)
    assert state.is_completed(), state.message
    assert "邮件未设置 mail not set up" in state.message and "CHANGEFLOW_SMTP_HOST" in state.message
    assert "changeflow send " + key in state.message and "\n" not in state.message
    assert state_of(key) == "planned"
    state = mailbox(return_state=True)
    assert state.is_completed(), state.message
    assert "mailbox is not set up" in state.message and "CHANGEFLOW_IMAP_HOST" in state.message
