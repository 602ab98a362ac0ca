"""A service request from the UI form through to the requester's confirmation in the UI,
on a real Prefect server; its time counted in the one count of service days."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.prefect
SH = ZoneInfo("Asia/Shanghai")


def test_a_request_from_the_form_to_its_confirmation(prefect_server: str, contract: str) -> None:
    from changeflow.db.models import Contract
    from changeflow.db.servicereq import ServiceRequest
    from changeflow.db.session import transaction
    from changeflow.flows.servicereq import (
        ServiceRequestInput,
        service_confirm,
        service_request,
        service_step,
    )
    from changeflow.tasks.servicedays import service_year

    form = ServiceRequestInput(
        category="form",
        title="出差申请单增加“同行人”字段",
        requester="王芳",
        department="办公室",
        received_at=datetime(2026, 11, 24, 10, 0, tzinfo=SH),
    )
    state = service_request(request=form, return_state=True)
    assert state.is_completed(), state.message
    assert "\n" not in state.message and state.message.startswith("FW-2026-0001 已受理")

    # a refused step fails with one line and records nothing
    bad = service_step(key="FW-2026-0001", step="done 完成", resolution="x", return_state=True)
    assert bad.is_failed() and "cannot move to 'done'" in bad.message and "\n" not in bad.message

    for kwargs in (
        {
            "step": "assign 指派",
            "engineer": "张伟",
            "start": datetime(2026, 11, 24, 10, 20, tzinfo=SH),
        },
        {
            "step": "work 登记工时",
            "start": datetime(2026, 11, 24, 14, 0, tzinfo=SH),
            "end": datetime(2026, 11, 24, 16, 0, tzinfo=SH),
        },
        {
            "step": "done 完成",
            "resolution": "已在表单中增加同行人字段",
            "end": datetime(2026, 11, 24, 16, 0, tzinfo=SH),
        },
    ):
        st = service_step(key="FW-2026-0001", return_state=True, **kwargs)
        assert st.is_completed(), st.message
    st = service_confirm(
        key="FW-2026-0001",
        confirmed_by="王芳",
        at=datetime(2026, 11, 25, 9, 0, tzinfo=SH),
        return_state=True,
    )
    assert st.is_completed(), st.message and "王芳" in st.message
    with transaction() as s:
        sr = s.scalar(select(ServiceRequest))
        assert (sr.state, sr.channel, sr.confirmed_via) == ("confirmed", "ui", "ui")
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        year = service_year(s, k)
        assert year.service_requests == {"FW-2026-0001": 120}
        assert year.service_request_days == Decimal("0.25")
