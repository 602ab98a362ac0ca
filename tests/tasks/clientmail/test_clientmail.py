"""The document round trip by mail, against real servers: aiosmtpd for what we send and
dovecot (started here, a throwaway user and maildir in a temp folder) for the project's
mailbox. plan --send -> the client's reply with the filled plan -> recorded approval ->
the receipt in the client's mailbox; refusals; the same message twice; two passes at once;
a reminder and a deemed acceptance on the 2026 calendar."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.approval import fill
from tests.support.helpers import all_counts as counts
from tests.support.mail import CLIENT, LEAD, PROJECT, attachment, body_text, reply

pytestmark = pytest.mark.slow


def state(key: str) -> str:
    from tests.support.delivery import state_of

    return state_of(key)


def test_plan_round_trip_by_mail(submitted, servers, cli) -> None:
    key = submitted
    t0 = time.monotonic()
    code, out, err = cli("plan", key, "--issue", "--send", "--json")
    assert code == 0, err
    mail = json.loads(out)["mail"]
    assert mail["state"] == "sent" and mail["to"][0] == CLIENT
    (sent,) = servers.sent_to(CLIENT)
    assert sent["Reply-To"] == PROJECT
    assert "li.ming@contractor.example" in sent["Cc"]
    assert key in sent["Subject"] and "请审批" in sent["Subject"]
    text = body_text(sent)
    assert "决定（同意/不同意）" in text and "Decision (approve/reject)" in text
    assert "回复本邮件" in text and "reply to this mail" in text
    name, data = attachment(sent)
    assert name == f"{key}-实施计划和费用预算-v1.docx"  # tasks.documents.names
    from changeflow.tasks.pdf import available

    if available():
        pdf_name, pdf = attachment(sent, ".pdf")
        assert pdf.startswith(b"%PDF-") and pdf_name == f"{key}-实施计划和费用预算-v1.pdf"
    # the same version again: no second mail
    code, out, _ = cli("send", key, "--json")
    assert code == 0 and json.loads(out)["sends"][0]["status"] == "already-sent"
    assert len(servers.sent_to(CLIENT)) == 1
    t_sent = time.monotonic()

    # the client fills the plan in Word and answers the mail with it attached
    servers.imap.append(reply(sent, [(name, fill(data))]))
    code, out, err = cli("mailbox", "--json")
    assert code == 0, err
    (item,) = json.loads(out)["items"]
    assert item["outcome"] == "decision" and item["key"] == key
    assert json.loads(out)["counts"]["recorded"] == 1
    assert state(key) == "approved"
    t_back = time.monotonic()
    assert servers.imap.uids("INBOX") == []
    assert len(servers.imap.uids("changeflow-processed")) == 1
    receipts = [m for m in servers.sent_to(CLIENT) if "已登记" in m["Subject"]]
    assert len(receipts) == 1
    r = body_text(receipts[0])
    assert key in r and "approved by 王芳" in r and name in r
    assert receipts[0]["In-Reply-To"]  # threads under the client's mail
    # the audit: the returned document's decision, recorded through the inbox's door
    from changeflow.tasks.status import request_status

    st = request_status(key)
    assert any("approved by 王芳" in v for v in st["approval"].values()) or st
    code, out, _ = cli("status", key, "--json")
    mail_section = json.loads(out)["mail"]
    assert any("sent to" in v for v in mail_section.values())
    assert any(v.startswith("recorded") for v in mail_section.values())
    # a second pass finds nothing
    code, out, _ = cli("mailbox", "--json")
    assert code == 0 and json.loads(out)["items"] == []
    print(
        f"\nround trip: plan issued and mailed in {t_sent - t0:.2f} s,"
        f" reply taken in and answered in {t_back - t_sent:.2f} s"
    )


def _sent_plan(cli, servers, key):
    assert cli("plan", key, "--issue", "--send")[0] == 0
    (sent,) = [m for m in servers.sent_to(CLIENT) if "请审批" in m["Subject"]]
    return sent, *attachment(sent)


def _answers(servers, word: str) -> list:
    return [m for m in servers.sent_to(CLIENT) if word in m["Subject"]]


def test_refusals_each_get_a_clear_answer_and_write_nothing(submitted, servers, cli) -> None:
    key = submitted
    sent, name, data = _sent_plan(cli, servers, key)
    before = counts()
    edited = fill(data, edit=lambda d: _replace_amount(d))
    cases = [
        (
            reply(sent, [(name, fill(data)), ("其他.docx", fill(data))]),
            "several",
            "2 attached files",
        ),
        (reply(sent, [(name, edited)]), "file", "differs from the plan v1 we sent"),
        (reply(sent, [(name, b"not a zip at all")]), "file", name),
        (reply(sent, [("空.docx", b"")]), "file", "is 0 bytes"),
        (
            reply(sent, [(name, fill(data))], sender="陌生人 <stranger@elsewhere.example>"),
            "unknown-sender",
            "not among the contacts",
        ),
    ]
    for raw, _code, _why in cases:
        servers.imap.append(raw)
    code, out, err = cli("mailbox", "--json")
    assert code == 2 and "refused" in err
    items = json.loads(out)["items"]
    assert [i["outcome"] for i in items] == ["refused"] * len(cases)
    for item, (_raw, _code, why) in zip(items, cases, strict=True):
        assert why in item["detail"], item
    assert state(key) == "planned"
    after = counts()
    mail_tables = {"mailbox_message", "sent_mail"}  # the claims and the answers
    assert {k: v for k, v in after.items() if k not in mail_tables} == {
        k: v for k, v in before.items() if k not in mail_tables
    }
    assert servers.imap.uids("INBOX") == []
    assert len(servers.imap.uids("changeflow-refused")) == len(cases)
    # each sender got the reason and what to do
    answers = [m for m in servers.sent() if "未登记" in m["Subject"]]
    assert len(answers) == len(cases)
    texts = {m["To"]: body_text(m) for m in answers}
    assert "不在合同的联系人名单中" in texts["stranger@elsewhere.example"]
    client_texts = [body_text(m) for m in answers if CLIENT in m["To"]]
    assert any("原因：文档内容与我们发送的版本不一致" in t for t in client_texts)
    assert any("原因：邮件附有多个文件" in t for t in client_texts)
    for m in answers:
        t = body_text(m)
        assert "原因" in t and "Reason:" in t and "What to do:" in t and "nothing was written" in t


def _replace_amount(d) -> None:
    """The client changes a number in the budget table (an amount)."""
    import re

    for table in d.tables:
        for row in table.rows:
            for cell in row.cells:
                if re.fullmatch(r"[\d,]+\.\d\d", cell.text.strip()):
                    cell.text = "1.00"
                    return
    raise AssertionError("no amount cell")


def test_same_message_twice_and_a_resent_reply(submitted, servers, cli) -> None:
    key = submitted
    sent, name, data = _sent_plan(cli, servers, key)
    filled = fill(data)
    raw = reply(sent, [(name, filled)], message_id="<same-reply-1@client.example>")
    servers.imap.append(raw)
    servers.imap.append(raw)  # delivered twice by the server
    code, out, err = cli("mailbox", "--json")
    assert code == 0, err
    outcomes = sorted(i["outcome"] for i in json.loads(out)["items"])
    assert outcomes == ["decision", "filed"]
    assert len(servers.imap.uids("changeflow-processed")) == 2
    assert len(_answers(servers, "已登记")) == 1  # one answer for one message
    # the client sends the same file again in a new mail: already recorded, said so
    servers.imap.append(reply(sent, [(name, filled)]))
    code, out, _ = cli("mailbox", "--json")
    (item,) = json.loads(out)["items"]
    assert item["outcome"] == "duplicate" and "already recorded" in item["detail"]
    assert len(_answers(servers, "已登记")) == 2
    # another filled copy of the decided version: refused, saying it was decided already
    servers.imap.append(reply(sent, [(name, fill(data, comment="再次确认"))]))
    code, out, _ = cli("mailbox", "--json")
    (item,) = json.loads(out)["items"]
    assert code == 2 and item["outcome"] == "refused" and "already approved" in item["detail"]
    assert "该文档的决定已登记过" in body_text(_answers(servers, "未登记")[-1])
    from sqlalchemy import func, select

    from changeflow.db.approval import Approval
    from changeflow.db.session import transaction

    with transaction() as s:
        assert s.scalar(select(func.count(Approval.id))) == 1


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_two_mailbox_passes_at_once(database, request, servers, cli, tmp_path) -> None:
    """Two `changeflow mailbox` processes over the same five replies (a signed plan, four
    questions): each message is taken once, filed once and answered once
    (SQLite, and PostgreSQL when configured)."""
    if database == "postgres":
        request.getfixturevalue("pg_url")
    key = request.getfixturevalue("submitted")
    sent, name, data = _sent_plan(cli, servers, key)
    servers.imap.append(reply(sent, [(name, fill(data))]))
    for i in range(4):
        servers.imap.append(reply(sent, [], subject=f"问题 {i}"))
    env = os.environ.copy()
    exe = Path(sys.executable).with_name("changeflow")
    procs = [
        subprocess.Popen(
            [str(exe), "mailbox", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    items = [i for o, _e in outs for i in json.loads(o)["items"]]
    taken = [i for i in items if i["outcome"] in ("decision", "kept")]
    assert len(taken) == 5, "\n".join(
        f"{i['uid']} {i['outcome']} {i['subject'][:8]} {i['detail'][:150]}" for i in items
    )
    assert state(key) == "approved"
    assert servers.imap.uids("INBOX") == []
    assert len(servers.imap.uids("changeflow-processed")) == 1
    assert len(servers.imap.uids("changeflow-kept")) == 4  # questions: kept, not refused
    assert len(_answers(servers, "已登记")) == 1
    assert len(_answers(servers, "已收到")) == 4  # each question acknowledged once
    assert len(servers.sent_to(LEAD)) == 4  # and forwarded to our lead once


def test_a_failed_send_is_visible_and_sent_again(submitted, servers, cli, monkeypatch) -> None:
    from changeflow.settings import reset_settings
    from tests.support.smtp import free_port

    key = submitted
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(free_port()))  # nothing listens there
    reset_settings()
    code, out, err = cli("plan", key, "--issue", "--send", "--json")
    assert code == 6 and "failed 3 time(s)" in err
    assert json.loads(out)["state"] == "planned"  # the plan stands
    code, out, _ = cli("status", key, "--json")
    (line,) = json.loads(out)["mail"].values()
    assert line.startswith("FAILED after 3 attempt(s)")
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(servers.smtp_port))
    reset_settings()
    code, out, err = cli("remind", "--json")  # the follow-up sends failed mails again
    assert code == 0, err
    assert json.loads(out)["resent"][0]["state"] == "sent"
    assert len(servers.sent_to(CLIENT)) == 1
    code, out, _ = cli("status", key, "--json")
    assert next(iter(json.loads(out)["mail"].values())).startswith("sent to")


def test_dispatch_order_and_sla_statement_go_by_mail_and_the_contract_default(
    submitted, servers, cli, tmp_path
) -> None:
    """--send on a dispatch order (both versions), on the monthly SLA statement, and the
    contract's client_mail.send making sending the default (--no-send still wins)."""
    import yaml

    from tests.conftest import EXAMPLES

    code, out, err = cli(
        "dispatch", "create", "--kind", "weekly-visit", "--planned-start", "2026-11-25 14:00",
        "--staff", "张伟", "--work", "巡检服务器", "--send", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["mail"]["state"] == "sent"
    code, out, err = cli("dispatch", "done", "PG-2026-0001", "--start", "2026-11-25 14:05",
                         "--end", "2026-11-25 17:30", "--send", "--json")  # fmt: skip
    assert code == 0, err
    orders = [m for m in servers.sent_to(CLIENT) if "PG-2026-0001" in m["Subject"]]
    assert len(orders) == 2 and all("派工单" in m["Subject"] for m in orders)
    assert "满意度（1-5）" in body_text(orders[1])  # what to fill, from the sign-off labels
    assert attachment(orders[1])[0] == "PG-2026-0001-派工单-v2.docx"
    code, out, err = cli("sla", "report", "--month", "2026-11", "--contract", "OA-2026",
                         "--send", "--json")  # fmt: skip
    assert code == 0, err
    (stmt,) = [m for m in servers.sent_to(CLIENT) if "SLA" in m["Subject"]]
    assert (
        "请核对" in stmt["Subject"]
        and attachment(stmt)[0] == "OA-2026-2026-11-月度服务对账单-v1.docx"
    )
    # the contract says: send what is issued
    data = yaml.safe_load((EXAMPLES / "contract.yaml").read_text(encoding="utf-8"))
    data["contracts"][0]["settings"]["client_mail"] = {"send": True}
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert cli("contract", "load", str(path))[0] == 0
    n = len(servers.sent())
    code, out, err = cli("plan", submitted, "--issue", "--no-send", "--json")
    assert code == 0 and json.loads(out)["mail"] is None and len(servers.sent()) == n
    code, out, err = cli("plan", submitted, "--issue", "--json")  # the issued plan, unasked
    assert code == 0, err
    assert json.loads(out)["mail"]["state"] == "sent"
    assert len(servers.sent_to(CLIENT)) == 4
    # a draft is never sent
    code, _out, err = cli("plan", submitted, "--new-version", "--send")
    assert code == 2 and "a draft never goes to the client" in err


def test_a_task_book_by_mail_and_another_clients_file(submitted, servers, cli, tmp_path) -> None:
    """A contact mails a filled task book: taken in (intake), receipt with the new key; a
    contact of another client mailing DEMO's plan is refused, nothing written."""
    import yaml

    from tests.conftest import EXAMPLES

    data = yaml.safe_load((EXAMPLES / "contract.yaml").read_text(encoding="utf-8"))
    data["clients"].append({"code": "OTHER", "name": "另一家公司", "contacts": [
        {"name": "孙丽", "email": "sun.li@other.example", "roles": ["project_lead"]}]})  # fmt: skip
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert cli("contract", "load", str(path))[0] == 0
    # a new task book (the sample one is taken in already: the same again would be refused)
    from tests.support.helpers import fill_taskbook, sample_taskbook

    book = fill_taskbook(sample_taskbook() | {"project": "OA 会议室预订"}, tmp_path / "new.docx")
    servers.imap.append(reply(None, [("任务书.docx", book.read_bytes())], subject="新需求"))
    code, out, err = cli("mailbox", "--json")
    assert code == 0, err
    (item,) = json.loads(out)["items"]
    assert item["outcome"] == "intake" and item["key"] == "CR-2026-0002"
    (receipt,) = [m for m in servers.sent_to(CLIENT) if "已登记" in m["Subject"]]
    assert "任务书已登记为 CR-2026-0002" in body_text(receipt)

    sent, name, filled = _sent_plan(cli, servers, submitted)
    before = counts()
    servers.imap.append(reply(sent, [(name, fill(filled))], sender="孙丽 <sun.li@other.example>"))
    code, out, _ = cli("mailbox", "--json")
    (item,) = json.loads(out)["items"]
    assert (
        code == 2 and item["outcome"] == "refused" and "belongs to another client" in item["detail"]
    )
    assert state(submitted) == "planned"
    after = counts()
    assert {k: v for k, v in after.items() if k not in ("mailbox_message", "sent_mail")} == {
        k: v for k, v in before.items() if k not in ("mailbox_message", "sent_mail")
    }
    (answer,) = [m for m in servers.sent() if "sun.li@other.example" in m["To"]]
    assert "文件属于另一家单位的请求" in body_text(answer)
