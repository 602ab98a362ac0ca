"""Service days and money of plans against the contract, and estimates learned from history."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from .helpers import D, book_time, counting_contract, doc_text, take_in


def test_contract_estimation_defaults_are_used(submitted: str) -> None:
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.planning import make_plan

    with transaction() as s:
        c = s.scalar(select(Contract))
        c.estimation_defaults = {
            "high": {"developer": "2"},
            "medium": {"developer": "1"},
            "low": {"developer": "0.5"},
        }
    r = make_plan(submitted, start=D("2026-11-30"))
    dev = [i for i in r["items"] if i["role"] == "developer"]
    assert [i["person_days"] for i in dev] == ["2", "1", "0.5"]
    # the built-in go-live and acceptance items remain
    assert {i["phase"] for i in r["items"]} == {"development", "golive", "acceptance"}


# --- CLI ---------------------------------------------------------------------------------


def test_service_days_and_fee_add_up_against_the_contract(contract: str) -> None:
    from changeflow.tasks.planning import make_plan, planned_service_days
    from changeflow.tasks.signoff import record_decision, today_local

    counting_contract(development_counts=True, extra_day_rates={"developer": "1100.00"})
    one, two = take_in(2)
    first = make_plan(one, issue=True)
    sd = first["service_days"]
    # 24 service days a year, nothing used yet: the fee covers all 19 person-days
    assert (sd["quota"], sd["before"], sd["uses"], sd["after"]) == ("24", "24", "19", "5")
    # the budget shows the work's value; nothing beyond the year's days is billed
    assert (sd["covered"], sd["billed"], first["total"]) == ("19", "0", "20458.00")
    assert (sd["value"], sd["billed_amount"], sd["billed_total"]) == ("19300.00", "0.00", "0.00")
    record_decision(one, "approve", "王芳", today_local(), channel="cli")
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction

    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        used = planned_service_days(s, k)
    assert used == {"days": Decimal("19"), "counts": True, "requests": {one: Decimal("19")}}

    second = make_plan(two, issue=True)
    sd = second["service_days"]
    assert (sd["other_plans"], sd["before"], sd["uses"], sd["after"]) == ("19", "5", "19", "-14")
    assert (sd["covered"], sd["billed"]) == ("5", "14")
    items = second["items"]
    assert sum(Decimal(i["covered_days"]) for i in items) == 5
    # the covered days go to the work done first (analysis), the rest is billed
    assert [i["covered_days"] for i in items[:3]] == ["2", "1", "0.5"]
    billed = Decimal(0)
    for i in items:
        pd = Decimal(i["person_days"]) - Decimal(i["covered_days"])
        # the item's amount is its value at the contract's rate; beyond the year's days the
        # developer's days are billed at the extra rate
        value = Decimal(i["person_days"]) * Decimal(i["day_rate"])
        assert Decimal(i["amount"]) == value.quantize(Decimal("0.01"))
        rate = Decimal("1100.00") if i["role"] == "developer" else Decimal(i["day_rate"])
        billed += (pd * rate).quantize(Decimal("0.01"))
    assert billed == Decimal(sd["billed_amount"])
    assert Decimal(sd["billed_total"]) == billed + (billed * Decimal("0.06")).quantize(
        Decimal("0.01")
    )
    assert Decimal(second["subtotal"]) == Decimal(sd["value"]) == Decimal("19300.00")
    _, tables, _ = doc_text(second["document"])
    # a number keeps its unit in a table cell (5\u00a0人日): read as the page shows it
    flat = "\n".join("|".join(row) for t in tables for row in t).replace("\u00a0", " ")
    assert "年度服务覆盖 5 人日，超出 14 人日另行计费；年度剩余 5 天 → -14 天" in flat  # cover
    assert "年度服务覆盖（人日）|5" in flat and "超出年度服务天数（人日）|14" in flat
    assert "其他已批准开发已用/已安排|19" in flat


def test_development_outside_the_service_days_is_all_billed(submitted: str) -> None:
    from changeflow.tasks.planning import make_plan

    counting_contract(development_counts=False)
    r = make_plan(submitted, start=D("2026-11-30"))
    sd = r["service_days"]
    assert sd["counts"] is False and sd["uses"] == "0" and sd["covered"] == "0"
    assert sd["billed"] == "19" and r["total"] == "20458.00"
    _, tables, _ = doc_text(r["document"])
    assert "按合同约定，项目开发不占用年度服务天数，全部按人日单价计费" in "\n".join(
        "|".join(row) for t in tables for row in t
    )


def test_suggestions_from_history_reproduce_a_known_ratio(contract: str) -> None:
    from changeflow.tasks.planning import make_plan
    from changeflow.tasks.signoff import record_decision, today_local
    from tests.support.delivery import advance

    past = take_in(3)
    for key in past:  # all planned from the defaults, then done
        make_plan(key, issue=True)
        record_decision(key, "approve", "王芳", today_local(), channel="cli")
    for key in past:
        advance(key, "in_development", "in_testing", "live", "accepted")
        book_time(key, Decimal("1.5"))  # every piece of work took 1.5 x its plan
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.planning import booked_service_days, planned_service_days

    with transaction() as s:  # what contract usage counts: planned and booked
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        booked = booked_service_days(s, k)
        planned = planned_service_days(s, k)
    assert booked["days"] == Decimal("85.50")  # 3 x 19 planned x 1.5
    assert planned["days"] == 57 and set(planned["requests"]) == set(past)
    (new,) = take_in(1)
    r = make_plan(new)
    assert r["estimates"] == "history" and r["status"] == "draft"
    notes = {(n["requirement"], n["role"]): n for n in r["suggestions"]}
    assert len(notes) == 9  # three requirements x analyst, developer, tester
    for n in notes.values():
        assert n["ratio"] == {"low": "1.50", "median": "1.50", "high": "1.50"}
        assert n["based_on"] == [f"{k} #{n['requirement']}" for k in past]
        expected = Decimal(n["default"]) * Decimal("1.5")
        assert abs(Decimal(n["person_days"]) - expected) <= Decimal("0.25")
    assert notes[(1, "developer")]["person_days"] == "7.5"  # 5 planned, 7.5 taken
    items = {(i["requirement"], i["role"]): i for i in r["items"]}
    assert items[(1, "developer")]["person_days"] == "7.5"  # the draft carries it
    assert items[(None, "engineer")]["person_days"] == "1"  # whole-request items: defaults
    # the suggestion stays in the draft for the lead: the document shows only the numbers
    text, tables, _ = doc_text(r["document"])
    assert "1.50" not in text and past[0] not in "\n".join(
        "|".join(row) for t in tables for row in t
    )


def test_suggest_prefers_similar_words_and_keeps_defaults_without_history() -> None:
    from changeflow.tasks.planning.history import Past, suggest, words

    def p(key: str, text: str, planned: str, actual: str) -> Past:
        return Past(key, 1, text, "developer", Decimal(planned), Decimal(actual),
                    words=words(text))  # fmt: skip

    history = [
        p("A", "与财务系统集成，同步报销凭证", "3", "9"),
        p("B", "财务系统集成：付款状态回写", "3", "8"),
        p("C", "报销单必须上传发票附件", "5", "1"),
    ]
    got = suggest("与财务系统集成，推送报销单", "", ["developer", "tester"], history)
    assert set(got) == {"developer"}  # no tester history: the defaults stand for it
    dev = got["developer"]
    assert dev.based_on[:2] == ["A #1", "B #1"] and "C #1" not in dev.based_on
    assert dev.person_days in (Decimal("8.5"), Decimal("8.0"), Decimal("9.0"))
    assert suggest("完全无关的需求", "", ["developer"], history) == {}


def test_contract_usage_counts_approved_plans_and_booked_time(submitted: str, tmp_path) -> None:
    """``contract usage`` beside the dispatch orders' service days: the approved plans'
    person-days (planned) and the time booked on the requests (actual)."""
    from changeflow.tasks.maintenance import contract_usage
    from changeflow.tasks.planning import make_plan
    from tests.support.approval import approve

    before = contract_usage("OA-2026")["development"]
    assert before["planned_days"] == 0 and before["per_request"] == {}
    plan = make_plan(submitted, issue=True)
    approve(submitted, tmp_path)
    dev = contract_usage("OA-2026")["development"]
    assert dev["planned_days"] == Decimal(str(plan["person_days"])) > 0
    assert dev["per_request"][submitted]["planned"] == dev["planned_days"]
    assert dev["booked_days"] == 0  # nothing synced from git yet
