"""Counted once: every commit and hour in one report, people by their staff names, progress
and the chart (issue 19)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from tests.tasks.weekly.helpers import (
    LM,
    ZW,
    D,
    at,
    build_week,
    build_week_at,
    move_request,
    read_docx,
    sync_repo,
)

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
    sync_repo(repo.path, project["url"])


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
    datas = [build_week_at(w, "2026-10-12T09:00:00") for w in weeks]
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
    _text, tables, _d = read_docx(v1["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "2026年10月10日 周六|是|调休上班：国庆节（尚未到来）|未到" in flat
    w42 = build_week_at("2026-W42", "2026-10-16T15:00:00")
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

    data = build_week("2026-W40")
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
    data = build_week("2026-W40")
    (req,) = data["requests"]
    assert req["plan_start"] == D(frozen["start"]) and req["plan_end"] == D(frozen["end"])
    days = {m["phase"]: m["day"] for m in req["milestones"]}
    assert days == {m["phase"]: D(m["day"]) for m in frozen["milestones"]}
    starts = {(x["title"], x["start"]) for x in data["next_week"]["items"]}
    frozen_starts = {(it["title"], D(it["start"])) for it in frozen["items"]}
    assert starts <= frozen_starts


def test_accepted_request_is_closed_at_100_and_not_planned(project: dict[str, Any]) -> None:
    key = project["key"]
    move_request(key, "in_testing", "2026-09-30T17:00:00")
    move_request(key, "live", "2026-09-30T18:00:00")
    move_request(key, "accepted", "2026-09-30T19:00:00")
    data = build_week("2026-W40")
    (req,) = data["requests"]
    assert req["closed"] and req["progress_pct"] == Decimal("100.0")
    assert req["slip_working_days"] == 0
    assert all(m["status"] == "done" for m in req["milestones"])
    assert data["next_week"]["items"] == []
    assert not [x for x in data["risks"] if x["key"] == key]


def test_milestone_past_its_day_is_done_or_late(project: dict[str, Any]) -> None:
    """No milestone past its day is left without a status: analysis (which no state ends)
    is done once the booked time reached what was planned by its day, else late."""
    data = build_week("2026-W41")
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
    sync_repo(repo.path, project["url"])
    before = {p["name"] for p in build_week_at("2026-W41", "2026-10-12T09:00:00")["people"]}
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
    data = build_week_at("2026-W41", "2026-10-12T09:00:00")
    names = {p["name"]: p for p in data["people"]}
    assert "周杰" in names and not {"Zhou Jie", "ZHOU Jie"} & set(names)
    assert (names["周杰"]["commits"], names["周杰"]["hours"]) == (2, Decimal(5))


def test_cancelled_request_is_closed_and_not_planned(project: dict[str, Any]) -> None:
    key = project["key"]
    move_request(key, "cancelled", "2026-09-30T17:00:00")
    data = build_week("2026-W40")
    (req,) = data["requests"]  # still shown: it had activity in the week
    assert req["closed"] and req["state"] == "cancelled"
    assert req["slip_working_days"] == 0 and req["ahead_person_days"] is None
    assert all(m["status"] in ("done", "closed") for m in req["milestones"])
    assert data["next_week"]["items"] == []
    assert not [x for x in data["risks"] if x["key"] == key]
