"""Waiting for the client on the 2026 working calendar: one reminder after the contract's
working days (National Day and the make-up Saturday counted right), and an acceptance deemed
given by the contract's 逾期视同验收 clause, recorded only by the explicit step."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.support.delivery import go_live, state_of
from tests.support.helpers import ROOT
from tests.support.mail import CLIENT, body_text

pytestmark = pytest.mark.slow
SH = ZoneInfo("Asia/Shanghai")
CLAUSE = "第九条 甲方收到验收申请后 5 个工作日内未提出书面异议的，视同验收合格（逾期视同验收）"
EXAMPLES = ROOT / "examples"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def load_contract(tmp_path: Path, **settings) -> None:
    """The sample contract with mail settings added, loaded as a contractor does."""
    from changeflow.tasks.contracts import load_contract_file

    data = yaml.safe_load((EXAMPLES / "contract.yaml").read_text(encoding="utf-8"))
    data["contracts"][0]["settings"].update(settings)
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    load_contract_file(path)


def backdate_send(key: str, when: datetime) -> None:
    """The certificate went out on ``when`` (the test cannot wait for October)."""
    from sqlalchemy import select

    from changeflow.db.clientmail import ClientSend
    from changeflow.db.models import Request
    from changeflow.db.session import transaction

    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == key))
        row = s.scalar(select(ClientSend).where(ClientSend.request_id == req.id))
        row.sent_at = when
        row.document.created_at = when


@pytest.fixture
def certificate_sent(submitted, tmp_path, servers, cli):
    key = go_live(submitted, tmp_path)
    load_contract(
        tmp_path,
        client_mail={"remind_after_working_days": 3},
        deemed_acceptance={"clause": CLAUSE, "working_days": 5},
    )
    code, out, err = cli("acceptance", key, "--send", "--json")
    assert code == 0, err
    assert json.loads(out)["mail"]["state"] == "sent"
    # Monday 28 September 2026, before National Day (1-7 October off, Saturday 10 October
    # a make-up workday)
    backdate_send(key, at("2026-09-28T10:00"))
    return key


def test_one_reminder_after_three_working_days(certificate_sent, servers) -> None:
    from changeflow.tasks.clientmail.waiting import follow_up

    key = certificate_sent
    before = len(servers.sent())
    assert follow_up(at("2026-09-30T17:00"))["reminders"] == []  # 29, 30: two working days
    assert follow_up(at("2026-10-07T10:00"))["reminders"] == []  # National Day holiday
    done = follow_up(at("2026-10-08T09:00"))  # 29, 30, 8: the third working day
    (r,) = done["reminders"]
    assert r["subject"] == key and r["sent_on"] == "2026-09-28"
    new = servers.sent()[before:]
    to_client = [m for m in new if CLIENT in m["To"]]
    to_lead = [m for m in new if "li.ming@contractor.example" in m["To"]]
    assert len(to_client) == 1 and len(to_lead) == 1
    text = body_text(to_client[0])
    assert "提醒" in to_client[0]["Subject"] and "2026-09-28" in text
    assert "2026-10-10" in text and "逾期视同验收" in text  # the last day to object
    assert any(p.get_filename().endswith(".docx") for p in to_client[0].iter_attachments())
    assert "已提醒甲方" in to_lead[0]["Subject"]
    # one reminder only
    assert follow_up(at("2026-10-09T09:00"))["reminders"] == []
    assert len(servers.sent()) == before + 2


def test_deemed_acceptance_by_the_clause(certificate_sent, servers, cli) -> None:
    from changeflow.errors import InputError
    from changeflow.tasks.clientmail.waiting import follow_up, record_deemed

    key = certificate_sent
    follow_up(at("2026-10-08T09:00"))  # the reminder
    # 29, 30 Sep, 8, 9 Oct and the make-up Saturday 10 Oct: the fifth working day
    assert follow_up(at("2026-10-10T12:00"))["deemed_due"] == []
    with pytest.raises(InputError, match="until 2026-10-10"):
        record_deemed(key, now=at("2026-10-10T16:00"))
    assert state_of(key) == "live"
    due = follow_up(at("2026-10-12T09:00"))["deemed_due"]
    assert due == [{"key": key, "version": 1, "deemed_on": "2026-10-10"}]
    assert state_of(key) == "live"  # never silently: listed, not recorded
    code, out, err = cli("deemed", key, "--actor", "李明", "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["state"] == "accepted" and res["channel"] == "deemed"
    assert res["sent_on"] == "2026-09-28" and res["deemed_on"] == "2026-10-10"
    assert res["reminded_at"].startswith("2026-10-08")
    # the evidence: stored, its sha256 in the audit record
    from changeflow.db.store import document_path
    from changeflow.settings import get_settings
    from changeflow.tasks.status import request_status

    ev = json.loads((get_settings().store_dir / res["evidence"]).read_text(encoding="utf-8"))
    assert ev["clause"] == CLAUSE and ev["sent_to"][0] == CLIENT
    assert ev["last_day_to_object"] == "2026-10-10" and ev["answers_received"] == 0
    st = request_status(key)
    last = st["timeline"][-1]
    assert last["to"] == "accepted" and last["channel"] == "deemed"
    assert any("(deemed)" in v for v in st["approval"].values())
    assert document_path  # imported for the reader: the store holds the evidence
    # recorded once
    code, _out, err = cli("deemed", key)
    assert code != 0 and "live" in err


def test_no_deemed_acceptance_without_the_clause_or_after_an_answer(
    submitted, tmp_path, servers, cli
) -> None:
    key = go_live(submitted, tmp_path)
    assert cli("acceptance", key, "--send")[0] == 0
    backdate_send(key, at("2026-09-28T10:00"))
    code, _out, err = cli("deemed", key)
    assert code == 2 and "no 逾期视同验收 clause" in err
    load_contract(tmp_path, deemed_acceptance={"clause": CLAUSE, "working_days": 5})
    # the client wrote back (a refused reply to the certificate's mail): not a silent client
    from tests.support.mail import attachment, reply

    (sent,) = [m for m in servers.sent_to(CLIENT) if "验收单" in m["Subject"]]
    name, _data = attachment(sent)
    servers.imap.append(reply(sent, [(name, b"not a docx")], body="有两处问题，见附件。"))
    assert cli("mailbox")[0] == 2
    code, _out, err = cli("deemed", key)
    assert code == 2 and "not a silent client" in err
    assert state_of(key) == "live"
