"""The mail round trip from the Prefect forms, on a real Prefect server: the plan form with
发送给甲方 ticked mails the issued plan; the mailbox flow takes the client's reply in and
keeps a client's question (forwarded to our lead, the run completed) and fails, with one
line, when it had to refuse a mail; the box is off by default."""

from __future__ import annotations

import pytest

from tests.support.approval import fill
from tests.support.delivery import state_of
from tests.support.mail import CLIENT, LEAD, attachment, body_text, reply
from tests.support.prefect import read_artifacts

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def test_plan_form_send_box_and_mailbox_flow(prefect_server, submitted, servers) -> None:
    from changeflow.flows.mail import mailbox
    from changeflow.flows.plan import PlanInput, plan

    key = submitted
    assert PlanInput(key=key).send is False  # off by default
    state = plan(request=PlanInput(key=key), return_state=True)  # a draft: nothing sent
    assert state.is_completed() and servers.sent() == []
    state = plan(request=PlanInput(key=key, issue=True, send=True), return_state=True)
    assert state.is_completed(), state.message
    md = "\n".join(a.data for a in read_artifacts(state.state_details.flow_run_id)
                   if a.type == "markdown")  # fmt: skip
    assert "邮件 Mail: 已发送 sent to" in md and CLIENT in md
    (sent,) = servers.sent_to(CLIENT)
    name, data = attachment(sent)

    servers.imap.append(reply(sent, [(name, fill(data))]))
    servers.imap.append(reply(sent, [], subject="没有附件", body="第三条的日期能否提前？"))
    state = mailbox(return_state=True)  # the question is kept, not a failure of the run
    assert state.is_completed(), state.message
    assert "1 已登记 recorded" in state.message and "1 来信已保存并转交负责人" in state.message
    assert state_of(key) == "approved"
    (fwd,) = [m for m in servers.sent_to(LEAD) if "甲方来信" in m["Subject"]]
    assert key in fwd["Subject"] and "第三条的日期能否提前？" in body_text(fwd)
    # a stranger's mail is still refused: the run fails with one line
    servers.imap.append(reply(sent, [], sender="陌生人 <x@elsewhere.example>"))
    state = mailbox(return_state=True)
    assert state.is_failed() and not state.is_crashed()
    assert state.message.startswith("失败 Failed:") and "\n" not in state.message
    assert "1 mail(s) refused and answered" in state.message
    state = mailbox(return_state=True)  # nothing new: completed
    assert state.is_completed(), state.message
