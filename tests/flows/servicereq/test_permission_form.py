"""The permission step in the service-request form (real Prefect server): the lead enters the
department, the authoriser and what changes; an authoriser the contract does not name for
the department fails the run with the field's label in both languages and writes nothing;
one it names records the request and its change in one transaction."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

pytestmark = pytest.mark.prefect
SH = ZoneInfo("Asia/Shanghai")


def _count(model: type) -> int:
    from changeflow.db.session import transaction

    with transaction() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_permission_change_in_the_form(prefect_server: str, contract: str) -> None:
    from changeflow.db.servicereq import PermissionChange, ServiceEvent, ServiceRequest
    from changeflow.db.session import transaction
    from changeflow.flows.servicereq import (
        PermissionInput,
        ServiceRequestInput,
        service_request,
    )

    # the form shows the permission step with both-language titles
    schema = ServiceRequestInput.model_json_schema()
    perm = schema["$defs"]["PermissionInput"]["properties"]
    assert perm["authorised_by"]["title"] == "授权人 Authorised by"
    assert perm["department"]["title"] == "部门 Department"
    assert perm["change"]["title"] == "变更内容 What changes"

    def form(authoriser: str, category: str = "account 账号权限") -> ServiceRequestInput:
        return ServiceRequestInput(
            category=category,
            title="为李娜开通报销审批权限",
            requester="李娜",
            received_at=datetime(2026, 11, 24, 10, 0, tzinfo=SH),
            permission=PermissionInput(
                department="办公室", authorised_by=authoriser, account="lina",
                change="授予 报销审批 角色",
            ),
        )  # fmt: skip

    bad = service_request(request=form("李四"), return_state=True)
    assert bad.is_failed() and "\n" not in bad.message
    assert (
        "服务请求 service request form: 账号权限变更 Permission change › 授权人 Authorised by:"
        " '李四' may not authorise changes for 办公室 (contract OA-2026 names: 王芳)"
    ) in bad.message
    assert _count(ServiceRequest) == _count(ServiceEvent) == _count(PermissionChange) == 0

    wrong = service_request(request=form("王芳", "data 数据维护"), return_state=True)
    assert wrong.is_failed() and "账号权限变更 Permission change" in wrong.message
    assert _count(ServiceRequest) == 0

    ok = service_request(request=form("王芳"), return_state=True)
    assert ok.is_completed(), ok.message
    with transaction() as s:
        sr = s.scalar(select(ServiceRequest))
        assert (sr.key, sr.category, sr.department, sr.channel) == (
            "FW-2026-0001", "account", "办公室", "ui",
        )  # fmt: skip
        [pc] = sr.permission_changes
        assert (pc.department, pc.asked_by, pc.authorised_by, pc.account, pc.change) == (
            "办公室", "李娜", "王芳", "lina", "授予 报销审批 角色",
        )  # fmt: skip
        assert [e.reason for e in sr.events] == [
            "service request received (account)",
            "permission change authorised by 王芳",
        ]
