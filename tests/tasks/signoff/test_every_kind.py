"""One rule for every signable kind: comments in the margin refused with the comments quoted
back and the remarks cell named; honest marks read as meant (同意（√） 不同意（ ）, (✓), ■,
dates in Chinese numerals, full-width digits, 12月6日); a signature picture beside the name
in the signing cell (审批人, 验收人, 签字人) read as the name. The plan, the acceptance
certificate (its path tested like the plan's), the dispatch order and the SLA statement,
each issued by the project's own functions and filled in as the client does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.helpers import all_counts, states
from tests.support.hostile.returned import TOTAL
from tests.tasks.signoff import word

_CN = "〇一二三四五六七八九"


def _cn(n: int) -> str:
    """1..31 in Chinese numerals (十二, 二十六, 三十一)."""
    if n < 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")


def _today_forms() -> dict[str, str]:
    from changeflow.tasks.signoff import today_local

    d = today_local()
    return {
        "chinese": "".join(_CN[int(c)] for c in str(d.year)) + f"年{_cn(d.month)}月{_cn(d.day)}日",
        "chinese 零": "".join("零" if c == "0" else _CN[int(c)] for c in str(d.year))
        + f"年{_cn(d.month)}月{_cn(d.day)}日",
        "full-width": f"{d.year}年{d.month}月{d.day}日".translate(
            {ord(c): chr(0xFF10 + int(c)) for c in "0123456789"}
        ),
        "dots": f"{d.year}.{d.month}.{d.day}",
        "slashes": f"{d.year}/{d.month:02d}/{d.day:02d}",
        "no year": f"{d.month}月{d.day}日",
    }


def _refused_line(code: int, err: str, path: Path, fld: str, *words: str) -> None:
    line = err.strip()
    assert code == 2 and "\n" not in line and "Traceback" not in line, (code, err)
    assert path.name in line and f": {fld}: " in line, line
    for w in words:
        assert w in line, (w, line)


# --- the plan -----------------------------------------------------------------------------

MARKS = [
    ("同意（√） 不同意（ ）", "approve"),
    ("同意（ ） 不同意（√）", "reject"),
    ("（✓）同意 （ ）不同意", "approve"),
    ("■同意 □不同意", "approve"),
    ("同意 ☐ 不同意 ☑", "reject"),
    ("[√]同意 [ ]不同意", "approve"),
]


@pytest.mark.parametrize(("written", "value"), MARKS)
def test_plan_decision_marked_the_paper_way(written, value, submitted, cli, tmp_path) -> None:
    from tests.support.approval import fill, make_plan

    path = tmp_path / "回签.docx"
    path.write_bytes(fill(make_plan(submitted), decision=written))
    code, out, err = cli("approve", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["decision"] == value


@pytest.mark.parametrize("form", list(_today_forms()))
def test_plan_dates_as_people_write_them(form: str, submitted, cli, tmp_path) -> None:
    from changeflow.tasks.signoff import today_local
    from tests.support.approval import fill, make_plan

    path = tmp_path / "回签.docx"
    path.write_bytes(fill(make_plan(submitted), date=_today_forms()[form]))
    code, out, err = cli("approve", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["decided_on"] == today_local().isoformat()


def test_plan_date_without_a_year_that_is_not_clear_is_refused(submitted, cli, tmp_path) -> None:
    """A month and day after today and before the plan was issued fits no year: refused,
    asking for the year."""
    from changeflow.tasks.signoff import today_local
    from tests.support.approval import fill, make_plan

    d = today_local()
    other = (d.month % 12) + 1 if d.day <= 28 else d.month  # another month, any day 1-28
    path = tmp_path / "回签.docx"
    path.write_bytes(fill(make_plan(submitted), date=f"{other}月{min(d.day, 28)}日"))
    code, _, err = cli("approve", str(path), "--json")
    _refused_line(code, err, path, "date", "write it with the year")
    assert states()[submitted] == "planned"


def test_plan_comment_recorded_nowhere_but_refused(submitted, cli, tmp_path) -> None:
    """The conditional approval written in the margin: refused, the comment quoted back,
    the 意见 cell named; nothing is recorded (one rule, every kind)."""
    from tests.support.approval import fill, make_plan

    path = tmp_path / "回签.docx"
    path.write_bytes(word.comment_on(TOTAL, "金额需调整为10000元")(fill(make_plan(submitted))))
    before = all_counts()
    code, _, err = cli("approve", str(path), "--json")
    _refused_line(code, err, path, "comments", "「金额需调整为10000元」", "“意见”栏", "Comment")
    assert all_counts() == before and states()[submitted] == "planned"


# --- the acceptance certificate: the plan's path -------------------------------------------


@pytest.fixture
def live(submitted: str, tmp_path: Path) -> str:
    from tests.support.delivery import go_live

    return go_live(submitted, tmp_path)


def _certificate(key: str, **kw) -> bytes:
    from changeflow.tasks.acceptance import issue_certificate
    from tests.support.delivery import fill_certificate

    cert = issue_certificate(key, actor="李明")
    return fill_certificate(Path(cert.document), **kw)


def test_certificate_what_word_draws_and_honest_marks(live: str, cli, tmp_path) -> None:
    """On one live request, in turn: a comment, a decision cell bound to data that says
    不通过, a white rectangle over the certificate's text, a picture with no name in the
    验收人 cell, a row hidden by its row properties saying another client, a numbered
    paragraph, a paragraph hidden by its style, a text frame over the text: each refused
    by name with nothing written; then the paper-style tick,
    a date in Chinese numerals and a signature picture beside 验收人 are recorded as meant."""
    from tests.support.delivery import state_of

    base = _certificate(live)
    path = tmp_path / "验收单-回签.docx"
    refused = [
        (word.comment_on("通过", "第3项需复测"), "comments", ("「第3项需复测」",)),
        (word.bind("通过", "不通过", alias="验收结论"), "content", ("不通过", "验收结论")),
        (word.cover_run("通过", word.white_rectangle()), "content", ("floating shape",)),
        (lambda d: word.picture_in_cell(_certificate(live, approver=""), "验收人"),
         "approver", ("no name",)),
        (word.hidden_row_after("委托单位（甲方）", "示例集团有限公司", "其他公司"), "content",
         ("其他公司",)),
        (word.numbered("双方签章"), "content", ("1. 双方签章",)),
        (word.styled("双方签章", "Quiet", word.QUIET_STYLES), "content", ("双方签章",)),
        (word.frame_over("双方签章"), "content", ("text frame",)),
    ]  # fmt: skip
    before = all_counts()
    for edit, fld, words in refused:
        path.write_bytes(edit(base))
        code, _, err = cli("accept", str(path), "--json")
        _refused_line(code, err, path, fld, *words)
        assert all_counts() == before and state_of(live) == "live"
    filled = _certificate(live, decision="通过（√） 不通过（ ）", date=_today_forms()["chinese"])
    path.write_bytes(word.picture_in_cell(filled, "验收人"))
    code, out, err = cli("accept", str(path), "--json")
    assert code == 0, err
    got = json.loads(out)
    assert got["decision"] == "approve" and got["approver"] == "王芳"
    assert state_of(live) == "accepted"


# --- the dispatch order ----------------------------------------------------------------------


def _dispatch(tmp_path: Path, **values: str) -> tuple[str, bytes]:
    from changeflow.tasks import maintenance as mt
    from tests.support.maintenance import fill_signoff, stored

    order = mt.create_dispatch(kind="remote", planned_start="2026-11-24 10:00", staff=["张伟"])
    done = mt.complete_dispatch(order["number"], actual_start="2026-11-24 10:05",
                                actual_end="2026-11-24 11:35")  # fmt: skip
    filled = {"accepted": "是", "satisfaction": "4", "feedback": "及时", "signer": "王芳",
              "date": "2026-11-24", **values}  # fmt: skip
    out = fill_signoff(stored(done["document"]), tmp_path / "filled.docx", filled)
    return order["number"], out.read_bytes()


def test_dispatch_order_signature_picture_marks_and_comment(contract, cli, tmp_path) -> None:
    """The 签字人 cell (the only signing place on the form) with the name and a signature
    picture, 是（√） 否（ ） and a date in Chinese numerals: recorded with the name. A comment
    on another order is refused, quoting it and naming the 意见反馈 cell."""
    path = tmp_path / "派工单-回签.docx"
    number, data = _dispatch(tmp_path, accepted="是（√） 否（ ）", date=_today_forms()["chinese"])
    path.write_bytes(word.picture_in_cell(data, "签字人"))
    code, out, err = cli("dispatch", "signoff", str(path), "--json")
    assert code == 0, err
    got = json.loads(out)
    assert got["number"] == number and got["accepted"] is True and got["state"] == "signed"
    assert (got.get("signer") or got.get("approver")) == "王芳", got

    _, data = _dispatch(tmp_path)
    path.write_bytes(word.comment_on("及时", "下次请提前电话通知")(data))
    before = all_counts()
    code, _, err = cli("dispatch", "signoff", str(path), "--json")
    _refused_line(code, err, path, "comments", "「下次请提前电话通知」", "“意见反馈”栏")
    assert all_counts() == before


def test_dispatch_order_date_without_its_year(contract, cli, tmp_path) -> None:
    from changeflow.tasks.signoff import today_local

    d = today_local()
    path = tmp_path / "派工单-回签.docx"
    _, data = _dispatch(tmp_path, date=f"{d.month}月{d.day}日")
    path.write_bytes(data)
    code, out, err = cli("dispatch", "signoff", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["state"] == "signed"


# --- the SLA statement -----------------------------------------------------------------------


def test_sla_statement_comment_refused(contract, cli, tmp_path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from changeflow.tasks import maintenance as mt
    from changeflow.tasks.signoff import today_local
    from tests.support.maintenance import fill_statement, stored

    now = datetime(2026, 10, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    r = mt.sla_report_document("2026-09", "OA-2026", now=now)
    values = {"result": "无异议", "remarks": "", "signer": "王芳",
              "date": today_local().isoformat()}  # fmt: skip
    out = fill_statement(stored(r["path"]), tmp_path / "filled.docx", values)
    path = tmp_path / "对账单-回签.docx"
    path.write_bytes(word.comment_on("王芳", "9月的停机时间有误")(out.read_bytes()))
    before = all_counts()
    code, _, err = cli("sla", "confirm", str(path), "--json")
    _refused_line(code, err, path, "comments", "「9月的停机时间有误」", "“意见”栏")
    assert all_counts() == before
    # the same statement, honestly marked: recorded
    values["result"] = "无异议（√） 有异议（ ）"
    out = fill_statement(stored(r["path"]), tmp_path / "filled2.docx", values)
    path.write_bytes(word.picture_in_cell(out.read_bytes(), "签字人"))
    code, out_json, err = cli("sla", "confirm", str(path), "--json")
    assert code == 0, err
    assert json.loads(out_json)["agreed"] is True
