"""Kick-off from the recorded approval: a branch in a real git repository, the frozen
schedule, the team mailed through a real SMTP server (aiosmtpd); and the mail module."""

from __future__ import annotations

import json
from datetime import date
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from pathlib import Path

import git
import pytest
from sqlalchemy import select

from changeflow.errors import ConfigError, InputError
from tests.support.approval import approve as _approve
from tests.support.approval import fill, make_plan, plan_path
from tests.support.approval import set_repo as _set_repo
from tests.support.helpers import counts
from tests.support.smtp import Sink, free_port, start_smtp


@pytest.fixture
def smtp(cf_home: Path, monkeypatch: pytest.MonkeyPatch):
    """A real SMTP server on 127.0.0.1 and the settings pointing at it."""
    from changeflow.settings import reset_settings

    handler = Sink()
    port = free_port()
    ctl = start_smtp(handler, port)
    monkeypatch.setenv("CHANGEFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(port))
    monkeypatch.setenv("CHANGEFLOW_MAIL_FROM", "changeflow@contractor.example")
    reset_settings()
    handler.port = port  # type: ignore[attr-defined]
    yield handler
    ctl.stop()


@pytest.fixture
def repo(tmp_path: Path) -> git.Repo:
    """The client's OA project: a real repository with one commit on main."""
    r = git.Repo.init(tmp_path / "oa-repo", initial_branch="main")
    with r.config_writer() as cw:
        cw.set_value("user", "name", "李明")
        cw.set_value("user", "email", "li.ming@contractor.example")
    (tmp_path / "oa-repo" / "README.md").write_text("OA 系统\n", encoding="utf-8")
    r.index.add(["README.md"])
    r.index.commit("初始提交")
    return r


@pytest.fixture
def approved(submitted: str, repo: git.Repo, tmp_path: Path) -> str:
    _set_repo(repo.working_tree_dir)
    make_plan(submitted)
    _approve(submitted, tmp_path)
    return submitted


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def test_kickoff_branch_schedule_state_and_team_mail(
    approved: str, repo: git.Repo, smtp: Sink, cli
) -> None:
    from changeflow.db.approval import Kickoff
    from changeflow.db.session import transaction

    rc, out, err = cli("kickoff", approved, "--json")
    assert rc == 0, err
    res = json.loads(out)
    name = f"cr/{approved}"
    assert res["branch"] == name and res["state"] == "in_development"
    assert name in repo.heads and repo.heads[name].commit == repo.heads["main"].commit
    assert repo.active_branch.name == "main"  # the working tree is left alone
    assert res["mail"]["status"] == "sent"
    assert sorted(res["mail"]["to"]) == [
        "li.ming@contractor.example",
        "zhang.wei@contractor.example",
    ]
    assert len(smtp.messages) == 1
    sender, rcpts, raw = smtp.messages[0]
    assert sender == "changeflow@contractor.example"
    assert sorted(rcpts) == sorted(res["mail"]["to"])
    assert approved in _subject(raw) and "Kick-off" in _subject(raw)
    body = message_from_bytes(raw).get_payload(decode=True).decode("utf-8")
    assert name in body and res["planned_start"] in body
    with transaction() as s:
        k = s.scalar(select(Kickoff))
        assert k.branch == name and k.plan_version == 1
        assert k.planned_start.isoformat() == res["planned_start"]
        assert len(k.schedule["items"]) == 11 and k.schedule["shifted_from"] is None
    from changeflow.tasks.status import request_status

    info = request_status(approved)
    timeline = info["timeline"]
    assert timeline[-1]["to"] == "in_development" and name in timeline[-1]["reason"]
    assert info["approval"]["plan v1"].startswith("approved by 王芳")
    assert info["approval"]["kickoff"].startswith(name)


def test_kickoff_again_sends_no_second_mail(approved: str, smtp: Sink) -> None:
    from changeflow.tasks.kickoff import kickoff

    first = kickoff(approved)
    before = counts()
    again = kickoff(approved)
    assert again["mail"]["status"] == "already-sent"
    assert again["branch"] == first["branch"] and again["state"] == "in_development"
    assert len(smtp.messages) == 1 and counts() == before


def test_kickoff_without_repository_is_refused(
    submitted: str, smtp: Sink, cli, tmp_path: Path
) -> None:
    make_plan(submitted)
    _approve(submitted, tmp_path)
    before = counts()
    rc, _, msg = cli("kickoff", submitted)
    assert rc == 2 and "contract OA-2026" in msg and "no git repository" in msg
    _set_repo(str(tmp_path / "missing"))
    rc, _, msg = cli("kickoff", submitted)
    assert rc == 2 and "does not exist" in msg
    (tmp_path / "plain").mkdir()
    _set_repo(str(tmp_path / "plain"))
    rc, _, msg = cli("kickoff", submitted)
    assert rc == 2 and "not a git repository" in msg
    assert counts() == before and smtp.messages == []


def test_kickoff_needs_an_approval(submitted: str, repo: git.Repo, cli) -> None:
    _set_repo(repo.working_tree_dir)
    make_plan(submitted)
    rc, _, msg = cli("kickoff", submitted)
    assert rc == 4 and "planned" in msg
    assert f"cr/{submitted}" not in repo.heads


def test_mail_failure_keeps_the_kickoff_and_a_rerun_sends_it(
    approved: str, repo: git.Repo, cf_home: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    from changeflow.settings import reset_settings

    port = free_port()  # nothing listens here yet
    monkeypatch.setenv("CHANGEFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(port))
    reset_settings()
    rc, out, err = cli("kickoff", approved, "--json")
    assert rc == 1 and "not sent" in err
    assert json.loads(out)["mail"]["status"] == "failed"
    assert json.loads(out)["state"] == "in_development"
    handler = Sink()
    ctl = start_smtp(handler, port)
    try:
        rc, out, err = cli("kickoff", approved, "--json")
        assert rc == 0, err
        assert json.loads(out)["mail"]["status"] == "sent"
        assert len(handler.messages) == 1
    finally:
        ctl.stop()


def test_late_approval_moves_the_schedule(submitted: str, repo: git.Repo, tmp_path: Path) -> None:
    from changeflow.tasks.kickoff import kickoff
    from changeflow.tasks.signoff import today_local

    _set_repo(repo.working_tree_dir)
    make_plan(submitted, start=date(2026, 11, 2))  # planned to start before today
    p = tmp_path / "r.docx"
    from changeflow.tasks.returned import approve_file

    p.write_bytes(fill(plan_path(submitted)))
    approve_file(p)
    res = kickoff(submitted)
    assert res["shifted_from"] == "2026-11-02"
    assert res["planned_start"] > today_local()
    assert res["mail"]["status"] == "not-set-up"  # no mail settings here: said, not hidden
    assert "CHANGEFLOW_SMTP_HOST" in res["mail"]["error"]


# --- the mail module -------------------------------------------------------------------


def test_send_mail_once_per_key_with_attachment(db: str, smtp: Sink) -> None:
    from changeflow.tasks.mail import send_mail

    att = [("周报.docx", b"PK\x03\x04data", "application/octet-stream")]
    m1 = send_mail(["a@x.example"], "周报\r\nBcc: evil@x.example", "正文", att, "weekly:1")
    m2 = send_mail(["a@x.example"], "周报", "正文", att, "weekly:1")
    assert m1 == m2 and len(smtp.messages) == 1
    msg = message_from_bytes(smtp.messages[0][2], policy=policy.default)
    assert msg["Bcc"] is None and "evil" not in "".join(smtp.messages[0][1])
    names = [p.get_filename() for p in msg.iter_attachments()]
    assert names == ["周报.docx"]
    send_mail(["a@x.example"], "no key", "x")
    send_mail(["a@x.example"], "no key", "x")
    assert len(smtp.messages) == 3


def test_send_mail_refuses_bad_addresses_and_missing_server(db: str) -> None:
    from changeflow.tasks.mail import send_mail

    with pytest.raises(ConfigError, match="mail is not set up"):
        send_mail(["a@x.example"], "s", "b")
    with pytest.raises(InputError, match="not a mail address"):
        send_mail(["a@x.example\r\nRCPT TO:<b@y>"], "s", "b")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_and_password_never_shown(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiosmtpd.smtp import AuthResult

    from changeflow.settings import reset_settings
    from changeflow.tasks.mail import send_mail

    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = auth_data.login == b"bot" and auth_data.password == b"s3cret-pw"
        return AuthResult(success=ok, handled=False)  # False: the server answers 535

    handler = Sink()
    port = free_port()
    ctl = start_smtp(handler, port, authenticator=check, auth_required=True, auth_require_tls=False)
    try:
        for name, value in {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "USER": "bot",
            "PASSWORD": "wrong-pw-123",
        }.items():
            monkeypatch.setenv(f"CHANGEFLOW_SMTP_{name}", value)
        reset_settings()
        with pytest.raises(ConfigError) as info:
            send_mail(["a@x.example"], "s", "b", idempotency_key="auth:1")
        assert "wrong-pw-123" not in str(info.value) and "Authentication" in str(info.value)
        monkeypatch.setenv("CHANGEFLOW_SMTP_PASSWORD", "s3cret-pw")
        reset_settings()
        send_mail(["a@x.example"], "s", "b", idempotency_key="auth:1")  # the failed one, retried
        assert len(handler.messages) == 1
    finally:
        ctl.stop()
    from changeflow.db.approval import SentMail
    from changeflow.db.session import transaction

    with transaction() as s:
        row = s.scalar(select(SentMail).where(SentMail.idempotency_key == "auth:1"))
        assert row.status == "sent" and "s3cret" not in row.error


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_non_ascii_password_goes_as_utf8_auth_plain(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.smtp import AuthResult

    from changeflow.settings import reset_settings
    from changeflow.tasks.mail import send_mail

    seen = []

    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        seen.append((mechanism, auth_data.password))
        return AuthResult(success=auth_data.password == "密码-pässwörd".encode(), handled=False)

    handler, port = Sink(), free_port()
    ctl = start_smtp(handler, port, authenticator=check, auth_required=True, auth_require_tls=False)
    try:
        for name, value in {"HOST": "127.0.0.1", "PORT": str(port), "USER": "bot",
                            "PASSWORD": "密码-pässwörd"}.items():  # fmt: skip
            monkeypatch.setenv(f"CHANGEFLOW_SMTP_{name}", value)
        reset_settings()
        send_mail(["a@x.example"], "s", "b")
        monkeypatch.setenv("CHANGEFLOW_SMTP_PASSWORD", "错误-pässwörd")
        reset_settings()
        with pytest.raises(ConfigError) as info:
            send_mail(["a@x.example"], "s", "b")
        assert "错误" not in str(info.value) and "Authentication" in str(info.value)
    finally:
        ctl.stop()
    assert len(handler.messages) == 1 and seen[0][0] == "PLAIN"
