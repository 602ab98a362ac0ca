"""Service requests done on a visit: listed on the visit's dispatch order (派工单) and
confirmed when the client accepts the signed order through the one sign-off reader; their
time is the order's, counted once."""

from __future__ import annotations

from decimal import Decimal

from docx import Document
from sqlalchemy import select

from changeflow.tasks import maintenance as mt
from changeflow.tasks import servicereq as sv
from tests.support.maintenance import fill_signoff, stored


def _year():
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.servicedays import service_year

    with transaction() as s:
        return service_year(s, s.scalar(select(Contract).where(Contract.code == "OA-2026")))


def test_items_done_on_a_visit_are_confirmed_by_the_signed_order(contract, tmp_path) -> None:
    o = mt.create_dispatch(kind="weekly-visit", planned_start="2026-11-25 14:00", staff=["张伟"])
    a = sv.new_service(
        category="form",
        title="请假单增加“销假”按钮",
        requester="王芳",
        engineer="张伟",
        received_at="2026-11-24 09:00",
    )["key"]
    b = sv.new_service(
        category="howto",
        title="如何导出考勤表",
        requester="赵强",
        engineer="张伟",
        received_at="2026-11-24 10:00",
    )["key"]
    sv.record_work(a, start="2026-11-25 14:00", end="2026-11-25 15:00", dispatch=o["number"])
    sv.record_work(b, start="2026-11-25 15:00", end="2026-11-25 15:30", dispatch=o["number"])
    sv.finish_service(a, resolution="已增加销假按钮", at="2026-11-25 15:00")  # b stays open
    v = mt.complete_dispatch(
        o["number"], actual_start="2026-11-25 14:00", actual_end="2026-11-25 16:00"
    )
    rows = [
        [c.text for c in r.cells] for t in Document(stored(v["document"])).tables for r in t.rows
    ]
    assert [a, "表单流程调整", "请假单增加“销假”按钮", "王芳", "已增加销假按钮"] in rows
    assert not any(r[0] == b for r in rows)  # not done: not on the order
    before = _year()
    assert before.service_requests == {} and before.awaiting == Decimal("0.25")  # the order's

    filled = fill_signoff(
        stored(v["document"]),
        tmp_path / "signed.docx",
        {"accepted": "是", "satisfaction": "5", "signer": "王芳", "date": "2026-11-25"},
    )
    mt.signoff_dispatch(filled)
    shown = sv.show_service(a)
    assert (shown["state"], shown["confirmed_by"], shown["confirmed_via"]) == (
        "confirmed",
        "王芳",
        "dispatch",
    )
    assert sv.show_service(b)["state"] == "in_progress"
    after = _year()
    # the visit's two hours are counted once, by the order (not again by the request)
    assert after.maintenance == Decimal("0.25") and after.service_requests == {}
