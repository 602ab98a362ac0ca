"""Service request flows (服务请求): ``service-request`` (the desk's form), ``service-step``
(assign, record worked time, done) and ``service-confirm`` (the requester confirms in the UI).

Thin: the work is in ``tasks.servicereq`` (each act one transaction with its audit event);
bad input ends the run Failed with one line and writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from changeflow.errors import ChangeflowError, InputError

from .common import BY, bilingual_choice, code_of, md, next_line, outcome, publish_markdown, refused
from .forms import flow

CATEGORIES = (
    "account 账号权限",
    "data 数据维护",
    "form 表单流程调整",
    "howto 使用咨询",
    "other 其他",
)
STEPS = ("assign 指派", "work 登记工时", "done 完成")
KEY = Field(title="服务请求编号 Key", description="例如 FW-2026-0001", min_length=3, max_length=30)


class PermissionInput(BaseModel):
    """An account or permission change (账号权限变更) and who authorised it on the client's
    side: one the contract names for the department."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, title="账号权限变更 Permission change"
    )

    department: str = Field(title="部门 Department", min_length=1, max_length=120)
    authorised_by: str = Field(
        title="授权人 Authorised by",
        description="合同中该部门指定的授权人 / one the contract names for the department",
        min_length=1,
        max_length=120,
    )
    change: str = Field(title="变更内容 What changes", min_length=1, max_length=4000)
    account: str = Field("", title="账号 Account", max_length=120)
    asked_by: str = Field(
        "", title="提出人 Asked by", description="留空为申请人 / empty: the requester",
        max_length=120,
    )  # fmt: skip


class ServiceRequestInput(BaseModel):
    """The service request form (服务请求)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, title="服务请求 Request")

    category: Literal[CATEGORIES] = Field(title="类别 Category")  # type: ignore[valid-type]
    title: str = Field(title="事项 What is asked", min_length=1, max_length=300)
    description: str = Field("", title="详细描述 Description", max_length=20_000)
    requester: str = Field("", title="申请人 Requested by", max_length=120)
    department: str = Field("", title="部门 Department", max_length=120)
    urgent: bool = Field(False, title="紧急 Urgent", description="紧急调整：单独的响应时限")
    received_at: datetime | None = Field(
        None, title="收到时间 Received at", description="留空为现在 / empty: now"
    )
    contract: str | None = Field(None, title="服务合同 Contract", description="留空为当前合同")
    engineer: str | None = Field(None, title="工程师 Engineer", max_length=120)
    permission: PermissionInput | None = Field(
        None,
        title="账号权限变更 Permission change",
        description="账号权限类填写：部门、授权人、变更内容 / for account/permission requests",
    )

    @field_validator("category", mode="before")
    @classmethod
    def _bilingual(cls, v: object) -> object:
        return bilingual_choice(v, CATEGORIES)


def labelled(exc: InputError) -> InputError:
    """The refusal with the form's field label in both languages (授权人 Authorised by)
    instead of the code's field name, so the lead finds the field on the form."""
    for model in (PermissionInput, ServiceRequestInput):
        f = model.model_fields.get(exc.field)
        if f is not None and f.title:
            if model is PermissionInput:
                top = ServiceRequestInput.model_fields["permission"].title
                return InputError("服务请求 service request form", f"{top} › {f.title}",
                                  exc.problem)  # fmt: skip
            return InputError("服务请求 service request form", f.title, exc.problem)
    return exc


def _artifact(step: str, v: dict[str, Any], nxt: str | None) -> None:
    lines = [
        f"# {md(v['key'])} · {md(v['title'])}",
        f"- 状态 State: **{v['state']}**  类别 Category: {v['category']}",
        f"- 响应时限 Response due: {v['response_due']}",
        f"- 工程师 Engineer: {md(v['engineer'] or '-')}  服务时间 Service time: "
        f"{v['service_minutes']} min",
    ]
    publish_markdown(f"{step}-{v['key']}", "\n".join(lines) + next_line(nxt), step)


@flow(name="service-request", log_prints=True)
def service_request(
    request: ServiceRequestInput,
    taken_by: str = Field("service desk", title="经办人 Taken by", max_length=120),
) -> Any:
    """Receive a service request (账号权限、数据维护、表单流程调整、使用咨询、其他)."""
    from changeflow.tasks.servicereq import new_account_request, new_service

    fields = {
        "category": code_of(request.category),
        "title": request.title,
        "description": request.description,
        "requester": request.requester,
        "department": request.department
        or (request.permission.department if request.permission else ""),
        "urgent": request.urgent,
        "received_at": request.received_at,
        "contract": request.contract,
        "engineer": request.engineer,
        "channel": "ui",
        "actor": taken_by,
    }
    try:
        if request.permission is not None:
            if fields["category"] != "account":
                raise InputError(
                    "service request (ui)", "permission",
                    "a permission change belongs to an account/permission request"
                    " (类别 Category: account 账号权限)",
                )  # fmt: skip
            v = new_account_request(request.permission.model_dump(), **fields)
        else:
            v = new_service(**fields)
    except InputError as exc:
        return refused("service-request", labelled(exc))
    except ChangeflowError as exc:
        return refused("service-request", exc)
    _artifact("service-request", v, "service-step")
    line = f"{v['key']} 已受理 received: response due {v['response_due']}"
    return outcome(line, v, name=f"service-request {v['key']}")


@flow(name="service-step", log_prints=True)
def service_step(
    key: str = KEY,
    step: Literal[STEPS] = Field(title="步骤 Step"),  # type: ignore[valid-type]
    engineer: str = Field("", title="工程师 Engineer", max_length=120),
    start: datetime | None = Field(None, title="开始 Start"),
    end: datetime | None = Field(None, title="结束 End"),
    resolution: str = Field("", title="处理结果 What was done", max_length=20_000),
    by: str = BY,
) -> Any:
    """Assign a service request, record its worked time, or mark it done."""
    from changeflow.tasks.servicereq import assign_service, record_work
    from changeflow.tasks.servicereq.asking import finish_and_ask

    what = code_of(str(bilingual_choice(step, STEPS)))
    try:
        if what == "assign":
            v = assign_service(key, engineer, at=start, actor=by, channel="ui")
        elif what == "work":
            v = record_work(
                key, engineer=engineer or None, start=start, end=end, actor=by, channel="ui"
            )
        else:
            v = finish_and_ask(key, resolution=resolution, at=end, actor=by, channel="ui")
    except ChangeflowError as exc:
        return refused("service-step", exc, key)
    _artifact("service-step", v, "service-confirm" if what == "done" else "service-step")
    line = f"{v['key']}: {what} -> {v['state']}"
    if v.get("confirm_mail"):
        line += f"; {v['confirm_mail']}"
    return outcome(line, v, name=f"service-step {v['key']}")


@flow(name="service-confirm", log_prints=True)
def service_confirm(
    key: str = KEY,
    confirmed_by: str = Field(title="确认人 Confirmed by", min_length=1, max_length=120),
    note: str = Field("", title="意见 Note", max_length=2000),
    at: datetime | None = Field(None, title="确认时间 Confirmed at"),
    by: str = BY,
) -> Any:
    """The requester confirms the work: its time counts in the service days."""
    from changeflow.tasks.servicereq import confirm_service

    try:
        v = confirm_service(key, by=confirmed_by, via="ui", note=note, at=at, actor=by)
    except ChangeflowError as exc:
        return refused("service-confirm", exc, key)
    _artifact("service-confirm", v, None)
    return outcome(
        f"{v['key']}: 已确认 confirmed by {v['confirmed_by']}",
        v,
        name=f"service-confirm {v['key']}",
    )
