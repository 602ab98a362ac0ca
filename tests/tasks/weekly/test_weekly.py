"""The weekly report (项目周报): real git repos synced by the git-sync code, real plans from the
plan code, the real working calendar (National Day 2026, make-up workdays), a real SMTP
server (aiosmtpd) receiving the mail, the .docx read back with python-docx."""

from __future__ import annotations

import email
import io
import itertools
import json
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from email import policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
import pytest
from sqlalchemy import func, select

from changeflow.errors import InputError
from tests.support.gitrepo import GitRepo
from tests.support.helpers import ROOT

SH = ZoneInfo("Asia/Shanghai")
ZW = ("Zhang Wei", "zhang.wei@contractor.example")  # 张伟 (git alias "Zhang Wei")
LM = ("liming", "ming.li@contractor.example")  # 李明 (git aliases liming / ming.li@...)
D = date.fromisoformat


def at(text: str) -> datetime:
    """A Shanghai wall-clock time as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


# --- fixtures: a request in development with a plan, commits and logged time ---------------


def _move(key: str, target: str, when: str, actor: str = "李明") -> None:
    from changeflow.db.lifecycle import load_for_update, transition
    from changeflow.db.session import transaction

    with transaction() as s:
        req = load_for_update(s, key)
        transition(s, req, target, actor=actor, reason=f"to {target}", at=at(when))


def _sync(path: Path, url: str) -> None:
    from changeflow.tasks import gitsync

    gitsync.sync(str(path), url=url)


@pytest.fixture
def project(submitted: str, db: str, tmp_path: Path) -> dict[str, Any]:
    return make_project(submitted, db, tmp_path)


def make_project(key: str, db: str, tmp_path: Path) -> dict[str, Any]:
    """CR in development since 2026-09-14 with plan v1 (default estimates) and a git history
    across the Mid-autumn and National Day holidays of 2026, in Chinese."""
    from changeflow.tasks.planning import make_plan

    plan = make_plan(
        key, start=D("2026-09-14"), lang="zh-CN", actor="李明", issue=True, backdated=True
    )
    _move(key, "approved", "2026-09-11T10:00:00")
    _move(key, "in_development", "2026-09-14T09:00:00")
    repo = GitRepo(tmp_path / "oa")
    c = repo.commit
    c(
        f"{key} 请假审批：增加分管领导审批节点 @6h",
        {"a.txt": "1"},
        author=ZW,
        when="2026-09-14T10:00:00+08:00",
    )
    c(
        f"{key} 需求分析：整理请假流程 @4h",
        {"b.txt": "1"},
        author=LM,
        when="2026-09-15T11:00:00+08:00",
    )
    c(f"{key} 考勤接口对接 @8h", {"a.txt": "2"}, author=ZW, when="2026-09-18T16:00:00+08:00")
    # Sunday 2026-09-20 is a make-up workday (National Day), after W38's Friday report
    c(
        f"{key} 调休日：修复审批节点排序 @7h",
        {"a.txt": "3"},
        author=ZW,
        when="2026-09-20T14:00:00+08:00",
    )
    c(f"{key} 年假余额同步 @8h", {"c.txt": "1"}, author=ZW, when="2026-09-22T10:00:00+08:00")
    c(
        f"{key} 单元测试 <script>&amp; @3h",
        {"c.txt": "2"},
        author=ZW,
        when="2026-09-28T15:30:00+08:00",
    )
    c(f"{key} 审批流程联调 @8h", {"d.txt": "1"}, author=ZW, when="2026-09-29T10:00:00+08:00")
    c(
        f"{key} 统计报表：按部门汇总 @6h",
        {"e.txt": "1"},
        author=ZW,
        when="2026-09-30T10:00:00+08:00",
    )
    c(f"{key} 假期中处理紧急问题 @2h", {"e.txt": "2"}, author=LM, when="2026-10-03T20:00:00+08:00")
    c("无关提交：更新依赖", {"f.txt": "1"}, author=ZW, when="2026-09-29T11:00:00+08:00")
    _sync(repo.path, db)
    return {"key": key, "plan": plan, "repo": repo, "url": db}


def _docx(path: str) -> tuple[str, list[list[list[str]]], Any]:
    d = docx.Document(path)
    text = "\n".join(p.text for p in d.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    return text, tables, d


def _build(week: str, client: str = "DEMO") -> dict[str, Any]:
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly
    from changeflow.tasks.directory import find_client

    with transaction() as s:
        return weekly.build_week(s, find_client(s, client), week)


def _build_at(week: str, when: str, client: str = "DEMO") -> dict[str, Any]:
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly
    from changeflow.tasks.directory import find_client

    with transaction() as s:
        return weekly.build_week(s, find_client(s, client), week, now=at(when))


# --- weeks and the report day ----------------------------------------------------------------


def test_parse_week_and_bad_input() -> None:
    from changeflow.tasks import weekly

    assert weekly.parse_week("2026-W48") == (2026, 48)
    assert weekly.week_days("2026-W40") == (D("2026-09-28"), D("2026-10-04"))
    assert weekly.week_of(D("2026-10-02")) == "2026-W40"
    for bad in ("2026-48", "2026-W54", "W48", ""):
        with pytest.raises(InputError) as e:
            weekly.parse_week(bad)
        assert e.value.field == "week"
    with pytest.raises(InputError) as e:
        weekly.parse_cron("0 15 * * 1-5", "contract OA-2026")
    assert "weekly_report_cron" in str(e.value)
    r = weekly.parse_cron("30 16 * * thu")
    assert (r.weekday, r.at.hour, r.at.minute) == (4, 16, 30)
    assert weekly.parse_cron("0 9 * * 0").weekday == 7


@pytest.mark.parametrize(
    ("week", "due"),
    [
        ("2026-W38", "2026-09-18T15:00"),  # an ordinary Friday (Sunday 09-20 is a make-up day)
        ("2026-W39", "2026-09-24T15:00"),  # Friday 09-25 Mid-autumn Festival -> Thursday
        ("2026-W40", "2026-09-30T15:00"),  # Friday 10-02 National Day -> Wednesday 09-30
        ("2026-W41", "2026-10-09T15:00"),  # Mon-Wed off, Sat 10-10 make-up: Friday as usual
        ("2026-W08", None),  # Spring Festival: no working day, no report
        ("2026-W09", "2026-02-27T15:00"),
    ],
)
def test_report_due_moves_off_holidays(contract: str, week: str, due: str | None) -> None:
    from changeflow.db.models import Client
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly

    with transaction() as s:
        cl = s.scalar(select(Client).where(Client.code == "DEMO"))
        got = weekly.report_due(s, cl, week)
        assert (got.strftime("%Y-%m-%dT%H:%M") if got else None) == due
        if got is not None:
            assert got.tzinfo is not None and got.utcoffset().total_seconds() == 8 * 3600


def test_should_send_now_once_a_week_never_on_a_holiday(contract: str) -> None:
    from changeflow.db.models import Client
    from changeflow.db.session import transaction
    from changeflow.db.weekly import WeeklyReport
    from changeflow.tasks import weekly

    with transaction() as s:
        cl = s.scalar(select(Client).where(Client.code == "DEMO"))
        # the daily 15:00 trigger of W40: only Wednesday 09-30 (Friday 10-02 is National Day)
        hits = [
            d
            for d in (
                "2026-09-28",
                "2026-09-29",
                "2026-09-30",
                "2026-10-01",
                "2026-10-02",
                "2026-10-03",
                "2026-10-04",
            )
            if weekly.should_send_now(s, cl, at(f"{d}T15:00:00"))
        ]
        assert hits == ["2026-09-30"]
        assert not weekly.should_send_now(s, cl, at("2026-09-30T14:59:00"))
        assert weekly.should_send_now(s, cl, at("2026-09-30T16:10:00"))  # a late trigger
        assert [c.code for c, _ in weekly.clients_due(s, at("2026-09-30T15:00:05"))] == ["DEMO"]
        # once a version of the week is sent, the week is done
        s.add(
            WeeklyReport(
                client_id=cl.id,
                week="2026-W40",
                version=1,
                period_start=D("2026-09-26"),
                period_end=D("2026-10-04"),
                lang="zh-CN",
                mail_key="k",
                mail_state="sent",
                summary={},
            )
        )
        s.flush()
        assert not weekly.should_send_now(s, cl, at("2026-09-30T15:00:00"))


def test_contract_cron_is_configurable(contract: str) -> None:
    from changeflow.db.models import Client, Contract
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly

    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        k.settings = {**k.settings, "weekly_report_cron": "30 16 * * 4"}
    with transaction() as s:
        cl = s.scalar(select(Client).where(Client.code == "DEMO"))
        assert weekly.report_due(s, cl, "2026-W48") == at("2026-11-26T16:30:00")
    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        k.settings = {**k.settings, "weekly_report_cron": "every friday"}
    with transaction() as s, pytest.raises(InputError) as e:
        weekly.report_due(s, s.scalar(select(Client).where(Client.code == "DEMO")), "2026-W48")
    assert e.value.source == "contract OA-2026"


# --- the data ---------------------------------------------------------------------------------


def test_holiday_week_national_day(project: dict[str, Any]) -> None:
    """W40: report Wednesday 09-30; days off 10-01..04 listed with their reason; the holiday
    commit of 10-03 still shows on its day; the unlinked commit does not."""
    key = project["key"]
    data = _build("2026-W40")
    assert data["due_at"] == at("2026-09-30T15:00:00")
    # the period is the ISO week, whatever the report day
    assert (data["period_start"], data["period_end"]) == (D("2026-09-28"), D("2026-10-04"))
    assert data["working_days"] == 3
    off = {d["date"]: d["reason_zh"] for d in data["days_off"]}
    assert set(off) == {D("2026-10-01"), D("2026-10-02"), D("2026-10-03"), D("2026-10-04")}
    assert "国庆节" in off[D("2026-10-02")]
    by_day = {d["date"]: d for d in data["days"]}
    (row,) = by_day[D("2026-09-29")]["requests"]
    assert row["key"] == key
    assert [c["message"] for c in row["commits"]] == [f"{key} 审批流程联调 @8h"]
    assert row["commits"][0]["author"] == "张伟"
    assert row["hours"] == Decimal(8)
    assert by_day[D("2026-10-03")]["requests"][0]["hours"] == Decimal(2)
    assert min(by_day) == D("2026-09-28") and max(by_day) == D("2026-10-04")
    assert data["totals"]["commits"] == 4
    assert data["totals"]["hours"] == Decimal(19)
    assert data["totals"]["person_days"] == Decimal("2.38")
    (req,) = data["requests"]
    assert req["state"] == "in_development"
    assert req["planned_person_days"] == Decimal(project["plan"]["person_days"])
    # everything logged up to the period end: 6+4+8+7+8+3+8+6+2 = 52 h = 6.5 person-days
    assert req["done_person_days"] == Decimal("6.50")
    assert req["planned_to_date"] > req["done_person_days"]
    names = {p["name"]: p for p in data["people"]}
    assert set(names) == {"张伟", "李明"}
    assert names["张伟"]["days"] == 3 and names["李明"]["hours"] == Decimal(2)
    assert data["chart"] and len(data["chart"]["planned"]) == len(data["chart"]["days"])


def test_makeup_workday_after_report_stays_in_its_week(project: dict[str, Any]) -> None:
    """Sunday 2026-09-20 is a make-up workday after W38's Friday report: the Friday version
    shows it still to come; a version made after the week reports it; W39 never does."""
    friday = _build_at("2026-W38", "2026-09-18T15:00:00")
    assert friday["due_at"] == at("2026-09-18T15:00:00")
    sunday = next(d for d in friday["days"] if d["date"] == D("2026-09-20"))
    assert sunday["working"] and sunday["kind"] == "makeup_workday"
    assert sunday["future"]
    assert friday["as_of"] == D("2026-09-18") and friday["days_to_come"] == 2
    later = _build_at("2026-W38", "2026-09-21T09:00:00")
    sunday = next(d for d in later["days"] if d["date"] == D("2026-09-20"))
    assert not sunday["future"]
    assert sunday["requests"][0]["commits"][0]["message"].endswith("修复审批节点排序 @7h")
    assert later["as_of"] == D("2026-09-20") and later["days_to_come"] == 0
    # the same span in every version: the same commits and hours
    assert later["totals"] == friday["totals"]
    w39 = _build("2026-W39")
    assert w39["period_start"] == D("2026-09-21")
    assert all(d["date"] >= D("2026-09-21") for d in w39["days"])
    assert w39["working_days"] == 4  # Friday 09-25 Mid-autumn Festival
    assert [d["date"] for d in w39["days_off"]] == [
        D("2026-09-25"),
        D("2026-09-26"),
        D("2026-09-27"),
    ]


def test_empty_week(contract: str) -> None:
    from changeflow.tasks import weekly

    r = weekly.make_report("2026-W48", "DEMO", lang="zh-CN", actor="李明")
    data = r["data"]
    assert data["empty"] and data["requests"] == [] and data["totals"]["commits"] == 0
    assert data["chart"] is None
    text, _tables, d = _docx(r["document"])
    assert "本统计期间没有代码提交" in text
    assert "暂无" in text and "下周无计划工作项" in text
    assert not d.inline_shapes


def test_late_milestone_is_a_risk(project: dict[str, Any]) -> None:
    """Still in development after the development milestone: late by working days."""
    from changeflow.db.planning import Milestone, Plan
    from changeflow.db.session import transaction

    with transaction() as s:
        dev = s.scalar(select(Milestone.day).join(Plan).where(Milestone.phase == "development"))
    week = f"{dev.isocalendar()[0]}-W{dev.isocalendar()[1] + 2:02d}"
    data = _build(week)
    (req,) = data["requests"]
    late = [m for m in req["milestones"] if m["phase"] == "development"]
    assert late[0]["status"] == "late" and late[0]["slip_working_days"] > 0
    ms_slip = max(m["slip_working_days"] for m in req["milestones"] if m["status"] != "done")
    assert req["milestone_slip_working_days"] == ms_slip
    # the delay column and the risk line read the same numbers
    assert req["slip_working_days"] == max(ms_slip, req["behind_working_days"])
    behind = [x for x in data["risks"] if x["kind"] == "behind_plan"]
    assert behind and behind[0]["behind_working_days"] == req["behind_working_days"] > 0
    assert any(x["kind"] == "late_milestone" for x in data["risks"])
    # moving on to testing marks it done on that day
    _move(project["key"], "in_testing", f"{dev.isoformat()}T17:00:00")
    data = _build(week)
    m = next(m for m in data["requests"][0]["milestones"] if m["phase"] == "development")
    assert m["status"] == "done" and m["slip_working_days"] == 0


# --- the document -----------------------------------------------------------------------------


def test_report_document_zh_and_en(project: dict[str, Any]) -> None:
    from changeflow.tasks import weekly
    from changeflow.wordparts import read_custom_properties

    key = project["key"]
    r = weekly.make_report("2026-W40", "DEMO", lang="zh-CN", actor="李明")
    assert r["version"] == 1 and r["mail_key"] == "weekly-report/DEMO/2026-W40/v1"
    _text, tables, d = _docx(r["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert d.core_properties.title == "项目周报 示例集团有限公司 2026-W40"
    assert "示例集团有限公司" in flat and "2026年9月30日 15:00" in flat
    assert "2026年10月2日 周五|否|节假日：国庆节" in flat
    assert "审批流程联调（张伟）" in flat  # client-clean: no key, no time token
    assert "@8h" not in flat and f"{key} 审批" not in flat
    assert "<script>&amp;" in flat  # user text stays text
    assert "开发中" in flat and "张伟" in flat
    assert len(d.inline_shapes) == 1  # the burn-up chart
    props = read_custom_properties(d)
    assert props["changeflow.week"] == "2026-W40" and props["changeflow.version"] == "1"
    en = weekly.make_report("2026-W40", "DEMO", lang="en", actor="Li Ming")
    assert en["version"] == 2
    _text, tables, d = _docx(en["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "holiday: National Day" in flat and "In development" in flat
    assert "Weekly Project Report" in d.core_properties.title


def test_rerun_makes_a_new_version(project: dict[str, Any]) -> None:
    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.db.weekly import WeeklyReport
    from changeflow.tasks import weekly

    a = weekly.make_report("2026-W40", "DEMO")
    b = weekly.make_report("2026-W40", "DEMO")
    assert (a["version"], b["version"]) == (1, 2)
    assert a["document"] != b["document"] and a["mail_key"] != b["mail_key"]
    with transaction() as s:
        assert s.scalar(select(func.count()).select_from(WeeklyReport)) == 2
        kinds = s.scalars(select(Document.kind).where(Document.kind == weekly.KIND)).all()
        assert len(kinds) == 2


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_report_weekly(project: dict[str, Any], cli) -> None:
    code, out, err = cli("report", "weekly", "--week", "2026-W40", "--client", "DEMO", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["week"] == "2026-W40" and data["version"] == 1 and data["mail"] is None
    assert data["due_at"].startswith("2026-09-30T15:00:00+08:00")
    assert [d["date"] for d in data["days_off"]][:2] == ["2026-10-01", "2026-10-02"]
    assert data["requests"][0]["key"] == project["key"]
    assert Path(data["document"]).is_file()
    code, out, err = cli("report", "weekly", "--week", "2026-W60", "--json")
    assert code == 2 and "week" in err and out == ""
    code, out, err = cli("report", "weekly", "--client", "NOPE")
    assert code != 0 and "NOPE" in err


# --- mail through a real SMTP server (aiosmtpd, STARTTLS, AUTH) ---------------------------


class Mailbox:
    """Every message the SMTP server accepted: (envelope sender, recipients, raw bytes)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[str] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def parsed(self, i: int = -1) -> email.message.EmailMessage:
        return email.message_from_bytes(self.messages[i][2], policy=policy.default)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (trusted through SSL_CERT_FILE in the test)."""
    import ipaddress
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    crt, pem = folder / "cert.pem", folder / "key.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


SMTP_USER, SMTP_PASSWORD = "lead-mailer", "s3cret-do-not-log"


@pytest.fixture
def smtp(
    cf_home: Path, monkeypatch: pytest.MonkeyPatch, tls_cert: tuple[Path, Path]
) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 requiring STARTTLS and a login; settings point at it."""
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from changeflow.settings import reset_settings

    box = Mailbox()

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = data.login.decode() == SMTP_USER and data.password.decode() == SMTP_PASSWORD
        if ok:
            box.logins.append(data.login.decode())
        return AuthResult(success=ok)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(tls_cert[0]), str(tls_cert[1]))
    port = _free_port()
    ctl = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        tls_context=ctx,
        require_starttls=True,
        authenticator=check,
        auth_required=True,
    )
    ctl.start()
    box.port = port
    for k, v in {
        "CHANGEFLOW_SMTP_HOST": "127.0.0.1",
        "CHANGEFLOW_SMTP_PORT": str(port),
        "CHANGEFLOW_SMTP_SECURITY": "starttls",
        "CHANGEFLOW_SMTP_USER": SMTP_USER,
        "CHANGEFLOW_SMTP_PASSWORD": SMTP_PASSWORD,
        "CHANGEFLOW_MAIL_FROM": "changeflow@contractor.example",
        "SSL_CERT_FILE": str(tls_cert[0]),
    }.items():
        monkeypatch.setenv(k, v)
    reset_settings()
    try:
        yield box
    finally:
        ctl.stop()


def _report_row(report_id: int) -> Any:
    from changeflow.db.session import transaction
    from changeflow.db.weekly import WeeklyReport

    with transaction() as s:
        row = s.get(WeeklyReport, report_id)
        s.expunge(row)
        return row


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
    row = _report_row(made["id"])
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
    dead = _free_port()  # nobody listens there
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(dead))
    reset_settings()
    with pytest.raises(Exception) as e:
        weekly.send_report(made["id"])
    assert SMTP_PASSWORD not in str(e.value) and str(dead) in str(e.value)
    row = _report_row(made["id"])
    assert row.mail_state == "failed" and row.mail_attempts == 1
    assert SMTP_PASSWORD not in row.mail_error
    assert Path(made["document"]).is_file()  # the report stays stored
    assert smtp.messages == []
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(smtp.port))  # the server is back: retry
    reset_settings()
    assert weekly.send_report(made["id"])["sent"]
    assert len(smtp.messages) == 1 and _report_row(made["id"]).mail_attempts == 2


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


# --- the schedule rule and the flow --------------------------------------------------------


def test_scheduled_reports_once_on_the_report_day(project: dict[str, Any], smtp: Mailbox) -> None:
    from changeflow.tasks import weekly

    # Friday 2026-10-02 is National Day: nothing then, nothing on Tuesday either
    assert weekly.scheduled_reports(now=at("2026-10-02T15:00:00")) == []
    assert weekly.scheduled_reports(now=at("2026-09-29T15:00:00")) == []
    (first,) = weekly.scheduled_reports(now=at("2026-09-30T15:00:01"))
    assert (first["week"], first["version"]) == ("2026-W40", 1)
    (again,) = weekly.scheduled_reports(now=at("2026-09-30T15:05:00"))  # a retried run
    assert again["id"] == first["id"] and again["markdown"] == first["markdown"]
    weekly.send_report(first["id"])
    assert weekly.scheduled_reports(now=at("2026-09-30T16:00:00")) == []
    assert len(smtp.messages) == 1


@pytest.mark.prefect
def test_flow_publishes_mails_and_reruns_without_duplicate_mail(
    prefect_server: str, project: dict[str, Any], smtp: Mailbox
) -> None:
    from changeflow.flows.weekly import WeeklyInput, weekly_report
    from tests.support.prefect import read_artifacts

    params = WeeklyInput(week="2026-W40", client="DEMO", send=True)
    state = weekly_report(params, return_state=True)
    assert state.is_completed(), state.message
    (rep,) = state.result()["reports"]
    assert rep["version"] == 1 and rep["mail"]["status"] == "sent"
    assert len(smtp.messages) == 1
    arts = read_artifacts(state.state_details.flow_run_id)
    md = next(a for a in arts if a.type == "markdown")
    assert "2026-W40" in md.data and "示例集团有限公司" in md.data and "国庆节" in md.data
    assert any(a.type == "table" for a in arts)
    state = weekly_report(params, return_state=True)  # the same week again
    assert state.is_completed()
    (rep,) = state.result()["reports"]
    assert rep["version"] == 2 and rep["mail"]["status"] == "skipped"
    assert len(smtp.messages) == 1
    # on a day that is not a report day the scheduled run does nothing
    state = weekly_report(WeeklyInput(scheduled=True), return_state=True)
    assert state.is_completed() and state.result() == {"reports": []}


@pytest.mark.prefect
def test_flow_send_failure_is_retried_then_fails_with_report_stored(
    prefect_server: str, project: dict[str, Any], smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from changeflow.flows.weekly import WeeklyInput, weekly_report
    from changeflow.settings import reset_settings
    from changeflow.tasks import weekly

    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(_free_port()))
    reset_settings()
    params = WeeklyInput(
        week="2026-W40", client="DEMO", send=True, mail_retries=1, retry_delay_seconds=0
    )
    state = weekly_report(params, return_state=True)
    assert state.is_failed() and not state.is_crashed()
    assert "mail failed" in state.message and SMTP_PASSWORD not in state.message
    (row,) = weekly.report_rows("DEMO", "2026-W40")
    assert row["mail_state"] == "failed" and row["version"] == 1
    assert _report_row(row["id"]).mail_attempts == 2  # first try + one retry
    assert Path(weekly.stored_report(row["id"])["document"]).is_file()
    assert smtp.messages == []


def test_cli_send_once(project: dict[str, Any], smtp: Mailbox, cli) -> None:
    code, out, err = cli("report", "weekly", "--week", "2026-W40", "--client", "DEMO", "--send",
                         "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["mail"]["status"] == "sent" and len(smtp.messages) == 1
    code, out, err = cli("report", "weekly", "--week", "2026-W40", "--send", "--json")
    assert code == 0 and json.loads(out)["mail"]["status"] == "skipped"
    assert json.loads(out)["version"] == 2 and len(smtp.messages) == 1


def test_sla_breach_and_run_log_from_maintenance(project: dict[str, Any]) -> None:
    """A crash fault nobody answered within 30 minutes is a risk of its week; the working
    days show whether the daily run log (运行日志) was written."""
    from changeflow.tasks import maintenance, weekly

    f = maintenance.report_fault(
        severity="crash", title="邮件服务器异常", reported_at=at("2026-09-29T10:00:00"),
        contract="OA-2026", actor="值班", now=at("2026-09-29T10:00:00"),
    )  # fmt: skip
    maintenance.add_run_log(day="2026-09-28", author="张伟", checks=["服务器巡检"],
                            contract="OA-2026")  # fmt: skip
    data = _build("2026-W40")
    (risk,) = [x for x in data["risks"] if x["kind"] == "sla_breach" and x["clock"] == "response"]
    assert risk["key"] == f.key and risk["due"] == at("2026-09-29T10:30:00")
    logs = {d["date"]: d["run_log"] for d in data["days"]}
    assert logs[D("2026-09-28")] is True and logs[D("2026-09-29")] is False
    assert logs[D("2026-10-02")] is None  # a holiday needs no run log
    r = weekly.make_report("2026-W40", "DEMO")
    _text, tables, _d = _docx(r["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "2026年9月28日 周一|是|工作日|已填写" in flat
    assert "2026年9月29日 周二|是|工作日|未填写" in flat
    assert f"{f.key}（邮件服务器异常）：首次响应时限 2026年9月29日 10:30 已超时" in _text
    assert f.key not in [q["key"] for q in data["requests"]]


def test_week_data_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """The same aggregates on PostgreSQL (exact hours, the holiday week, the document)."""
    from changeflow.db.migrate import upgrade
    from changeflow.tasks import weekly
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.intake import intake_file
    from changeflow.tasks.signoff.keys import ensure_secret

    root = ROOT / "examples"
    upgrade(pg_url)
    ensure_secret()
    load_contract_file(root / "contract.yaml")
    key = intake_file(root / "taskbook.yaml").key
    make_project(key, pg_url, tmp_path)
    data = _build("2026-W40")
    assert data["totals"]["hours"] == Decimal(19) and data["totals"]["commits"] == 4
    assert data["requests"][0]["done_person_days"] == Decimal("6.50")
    assert data["days_off"][0]["date"] == D("2026-10-01")
    r = weekly.make_report("2026-W40", "DEMO")
    assert r["version"] == 1 and Path(r["document"]).is_file()


def test_chart_finds_a_cjk_font_installed_after_matplotlib_cached_its_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A font cache built before fonts-noto-cjk was installed knows no CJK font: the chart
    must still find one on disk instead of drawing empty boxes."""
    from matplotlib import font_manager

    from changeflow.tasks.weekly import CJK_FILE_HINTS, cjk_font

    on_disk = [
        f for f in font_manager.findSystemFonts()
        if any(h in Path(f).name.lower() for h in CJK_FILE_HINTS)
    ]  # fmt: skip
    if not on_disk:
        pytest.skip("no CJK font installed on this machine (CI installs fonts-noto-cjk)")
    fm = font_manager.fontManager
    stale = [e for e in fm.ttflist if not any(h in Path(e.fname).name.lower()
                                              for h in CJK_FILE_HINTS)]  # fmt: skip
    monkeypatch.setattr(fm, "ttflist", stale)  # as the stale cache has it
    fm._findfont_cached.cache_clear()
    try:
        name = cjk_font(font_manager)
        assert name is not None
        assert any(h in Path(font_manager.findfont(name)).name.lower() for h in CJK_FILE_HINTS)
    finally:
        fm._findfont_cached.cache_clear()


# --- counted once: periods, people, progress, the chart (issue 19) --------------------------

OUT = ("Wang Fang", "wang.fang@partner.example")  # an outside author, not one of our people
OUT2 = ("wang fang", "WANG.FANG@partner.example")  # the same person, spelled otherwise


def _two_more_weeks(project: dict[str, Any]) -> None:
    """W41 (10-05..10-11): National Day to Wednesday, the make-up Saturday 10-10; an outside
    author spelled two ways, 李明 by his alias; one commit linked to nothing."""
    key, repo = project["key"], project["repo"]
    c = repo.commit
    c(f"{key} 节后联调 @5h", {"g.txt": "1"}, author=ZW, when="2026-10-08T10:00:00+08:00")
    c(f"{key} 外部接口说明", {"h.txt": "1"}, author=OUT, when="2026-10-08T15:00:00+08:00")
    c(f"{key} 外部接口联调 @3h", {"h.txt": "2"}, author=OUT2, when="2026-10-09T11:00:00+08:00")
    c(f"{key} 调休日：修复导出 @6h", {"g.txt": "2"}, author=ZW, when="2026-10-10T10:00:00+08:00")
    c(f"{key} 调休日：评审 @4h", {"i.txt": "1"}, author=LM, when="2026-10-10T16:00:00+08:00")
    c(f"{key} 周日补充文档 @1h", {"i.txt": "2"}, author=LM, when="2026-10-11T21:00:00+08:00")
    c("无关提交：格式化", {"j.txt": "1"}, author=ZW, when="2026-10-09T18:00:00+08:00")
    _sync(repo.path, project["url"])


def _git_log(repo: Any, key: str, first: str, last: str) -> dict[str, Any]:
    """The linked commits and @Nh hours of a span, straight from ``git log``."""
    import re
    import subprocess

    out = subprocess.run(
        ["git", "-C", str(repo.path), "log", "--all", "--format=%H%x09%aI%x09%aE%x09%s"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    shas, hours = set(), Decimal(0)
    per_email: dict[str, list[Any]] = {}
    for line in out.splitlines():
        sha, when, mail, subject = line.split("\t", 3)
        day = when[:10]
        if key not in subject or not (first <= day <= last):
            continue
        shas.add(sha)
        h = sum((Decimal(x) for x in re.findall(r"@(\d+)h", subject)), Decimal(0))
        hours += h
        p = per_email.setdefault(mail.lower(), [0, Decimal(0)])
        p[0] += 1
        p[1] += h
    return {"shas": shas, "hours": hours, "per_email": per_email}


def _week_shas(data: dict[str, Any]) -> set[str]:
    return {c["sha"] for d in data["days"] for r in d["requests"] for c in r["commits"]}


def test_every_commit_and_hour_in_exactly_one_report(project: dict[str, Any]) -> None:
    """Four consecutive weeks (Mid-autumn, National Day, make-up Sunday and Saturday): the
    reports' commits and hours add up to the repository's, no commit is in two reports."""
    _two_more_weeks(project)
    key, repo = project["key"], project["repo"]
    weeks = ["2026-W38", "2026-W39", "2026-W40", "2026-W41"]
    datas = [_build_at(w, "2026-10-12T09:00:00") for w in weeks]
    spans = [(d["period_start"], d["period_end"]) for d in datas]
    for (_a, b), (c, _d) in itertools.pairwise(spans):
        assert (c - b).days == 1  # back to back: no overlap, no gap
    seen: set[str] = set()
    for d in datas:
        shas = _week_shas(d)
        assert not shas & seen, "a commit in two reports"
        seen |= shas
        log = _git_log(repo, key, d["period_start"].isoformat(), d["period_end"].isoformat())
        assert d["totals"]["commits"] == len(log["shas"])
        assert d["totals"]["hours"] == log["hours"]
        assert sum(p["commits"] for p in d["people"]) == d["totals"]["commits"]
        assert sum((p["hours"] for p in d["people"]), Decimal(0)) == d["totals"]["hours"]
    everything = _git_log(repo, key, "2026-09-14", "2026-10-11")
    assert {s[:8] for s in everything["shas"]} == seen
    assert sum(d["totals"]["hours"] for d in datas) == everything["hours"]
    # W41: the make-up Saturday is a working day with its 10 h; the outside author is one
    w41 = datas[3]
    sat = next(d for d in w41["days"] if d["date"] == D("2026-10-10"))
    assert sat["working"] and sat["kind"] == "makeup_workday"
    assert sum((r["hours"] for r in sat["requests"]), Decimal(0)) == Decimal(10)
    names = {p["name"]: p for p in w41["people"]}
    assert set(names) == {"张伟", "李明", "Wang Fang"}
    assert (names["Wang Fang"]["commits"], names["Wang Fang"]["hours"]) == (2, Decimal(3))
    assert w41["totals"]["people"] == 3


def test_regenerated_week_replaces_and_adds_nothing_to_the_next(project: dict[str, Any]) -> None:
    """W41 made on its report day (Friday 10-09) and again after the make-up Saturday: the
    same span, the Saturday still to come in v1 and counted in v2, W42 untouched."""
    from changeflow.db.session import transaction
    from changeflow.db.weekly import WeeklyReport
    from changeflow.tasks import weekly

    _two_more_weeks(project)
    v1 = weekly.make_report("2026-W41", "DEMO", now=at("2026-10-09T15:00:00"))
    v2 = weekly.make_report("2026-W41", "DEMO", now=at("2026-10-12T09:00:00"))
    assert (v1["version"], v2["version"]) == (1, 2)
    d1, d2 = v1["data"], v2["data"]
    assert (d1["period_start"], d1["period_end"]) == (d2["period_start"], d2["period_end"])
    sat1 = next(d for d in d1["days"] if d["date"] == D("2026-10-10"))
    sat2 = next(d for d in d2["days"] if d["date"] == D("2026-10-10"))
    assert sat1["future"] and not sat2["future"]
    assert d1["as_of"] == D("2026-10-09") and d2["as_of"] == D("2026-10-11")
    _text, tables, _d = _docx(v1["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "2026年10月10日 周六|是|调休上班：国庆节（尚未到来）|未到" in flat
    w42 = _build_at("2026-W42", "2026-10-16T15:00:00")
    assert w42["period_start"] == D("2026-10-12") and w42["totals"]["commits"] == 0
    with transaction() as s:
        rows = s.execute(
            select(WeeklyReport.version, WeeklyReport.period_start, WeeklyReport.period_end)
            .where(WeeklyReport.week == "2026-W41")
            .order_by(WeeklyReport.version)
        ).all()
    assert [(v, a, b) for v, a, b in rows] == [
        (1, D("2026-10-05"), D("2026-10-11")),
        (2, D("2026-10-05"), D("2026-10-11")),
    ]


def test_chart_planned_line_is_flat_over_days_off_and_agrees_with_the_table(
    project: dict[str, Any],
) -> None:
    from changeflow.tasks.weekly.document import chart_png

    data = _build("2026-W40")
    ch = data["chart"]
    by_day = dict(zip(ch["days"], ch["planned"], strict=True))
    for d in ("2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"):
        assert D(d) in ch["off"]
        assert by_day[D(d)] == by_day[D("2026-09-30")]  # nothing planned on a day off
    assert ch["ref_day"] == data["as_of"] == D("2026-10-04")
    (req,) = data["requests"]
    assert abs(Decimal(str(by_day[ch["ref_day"]])) - req["planned_to_date"]) < Decimal("0.01")
    actual = dict(zip(ch["days"], ch["actual"], strict=True))
    assert Decimal(str(actual[ch["ref_day"]])) == req["done_person_days"]
    assert chart_png(data, "zh-CN")[:4] == b"\x89PNG"


def test_kickoff_frozen_dates_are_the_schedule(project: dict[str, Any]) -> None:
    """Kick-off moved the plan by a working day: plan start, milestones and next week follow."""
    from changeflow.db.approval import Kickoff
    from changeflow.db.planning import Plan
    from changeflow.db.session import transaction
    from changeflow.tasks.kickoff import freeze_schedule

    with transaction() as s:
        plan = s.scalar(select(Plan))
        frozen = freeze_schedule(s, plan, D("2026-09-15"))
        assert frozen["shifted_from"] == "2026-09-14"
        s.add(
            Kickoff(
                request_id=plan.request_id,
                plan_id=plan.id,
                plan_version=plan.version,
                branch="cr/x",
                base_commit="0" * 40,
                repo_path="/x",
                planned_start=D(frozen["start"]),
                planned_end=D(frozen["end"]),
                schedule=frozen,
            )
        )
    data = _build("2026-W40")
    (req,) = data["requests"]
    assert req["plan_start"] == D(frozen["start"]) and req["plan_end"] == D(frozen["end"])
    days = {m["phase"]: m["day"] for m in req["milestones"]}
    assert days == {m["phase"]: D(m["day"]) for m in frozen["milestones"]}
    starts = {(x["title"], x["start"]) for x in data["next_week"]["items"]}
    frozen_starts = {(it["title"], D(it["start"])) for it in frozen["items"]}
    assert starts <= frozen_starts


def test_accepted_request_is_closed_at_100_and_not_planned(project: dict[str, Any]) -> None:
    key = project["key"]
    _move(key, "in_testing", "2026-09-30T17:00:00")
    _move(key, "live", "2026-09-30T18:00:00")
    _move(key, "accepted", "2026-09-30T19:00:00")
    data = _build("2026-W40")
    (req,) = data["requests"]
    assert req["closed"] and req["progress_pct"] == Decimal("100.0")
    assert req["slip_working_days"] == 0
    assert all(m["status"] == "done" for m in req["milestones"])
    assert data["next_week"]["items"] == []
    assert not [x for x in data["risks"] if x["key"] == key]


def test_milestone_past_its_day_is_done_or_late(project: dict[str, Any]) -> None:
    """No milestone past its day is left without a status: analysis (which no state ends)
    is done once the booked time reached what was planned by its day, else late."""
    data = _build("2026-W41")
    (req,) = data["requests"]
    for m in req["milestones"]:
        if m["day"] < data["as_of"]:
            assert m["status"] in ("done", "late"), m
            if m["status"] == "late":
                assert m["slip_working_days"] > 0


def test_author_added_to_staff_after_the_sync_is_counted_under_the_staff_name(
    project: dict[str, Any],
) -> None:
    """An author the sync did not know, made one of our staff later (by e-mail, a git alias
    for the other spelling): one person, under the staff name, commits and hours together."""
    from changeflow.db.models import Person
    from changeflow.db.session import transaction

    key, repo = project["key"], project["repo"]
    repo.commit(
        f"{key} 新人提交 @2h",
        {"k.txt": "1"},
        author=("Zhou Jie", "zj@home.example"),
        when="2026-10-08T10:00:00+08:00",
    )
    repo.commit(
        f"{key} 新人联调 @3h",
        {"k.txt": "2"},
        author=("ZHOU Jie", "zhou.jie@contractor.example"),
        when="2026-10-09T10:00:00+08:00",
    )
    _sync(repo.path, project["url"])
    before = {p["name"] for p in _build_at("2026-W41", "2026-10-12T09:00:00")["people"]}
    assert "周杰" not in before and {"Zhou Jie", "ZHOU Jie"} <= before  # two identities
    with transaction() as s:
        s.add(
            Person(
                name="周杰",
                email="zhou.jie@contractor.example",
                git_aliases=["zj@home.example"],
                roles=["developer"],
            )
        )
    data = _build_at("2026-W41", "2026-10-12T09:00:00")
    names = {p["name"]: p for p in data["people"]}
    assert "周杰" in names and not {"Zhou Jie", "ZHOU Jie"} & set(names)
    assert (names["周杰"]["commits"], names["周杰"]["hours"]) == (2, Decimal(5))


def test_cancelled_request_is_closed_and_not_planned(project: dict[str, Any]) -> None:
    key = project["key"]
    _move(key, "cancelled", "2026-09-30T17:00:00")
    data = _build("2026-W40")
    (req,) = data["requests"]  # still shown: it had activity in the week
    assert req["closed"] and req["state"] == "cancelled"
    assert req["slip_working_days"] == 0 and req["ahead_person_days"] is None
    assert all(m["status"] in ("done", "closed") for m in req["milestones"])
    assert data["next_week"]["items"] == []
    assert not [x for x in data["risks"] if x["key"] == key]
