"""The client's service request form (服务请求单) filled as a client does in Word."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

LEAVE_APPROVAL = {
    "category": "数据维护",
    "title": "修正 11 月考勤记录",
    "description": "11 月 18 日的打卡记录缺失，请补录。",
    "requester": "赵强",
    "department": "信息中心",
    "urgent": "否",
}
ACCOUNT = {
    "category": "账号权限",
    "title": "为李娜开通报销审批权限",
    "requester": "李娜",
    "department": "办公室",
    "urgent": "是",
    "account": "lina",
    "change": "授予 报销审批 角色",
    "authorised_by": "王芳",
}


def fill_form(blank: Path | bytes, values: dict[str, str], *, props: bool = True) -> bytes:
    """Type ``values`` (field -> text) into the form's value cells, found by the row's label
    in either language; ``props=False`` drops our document properties (a form saved anew)."""
    import docx

    from changeflow.bilingual import SERVICE_FORM_FIELDS

    data = blank if isinstance(blank, bytes) else Path(blank).read_bytes()
    d = docx.Document(io.BytesIO(data))
    by_label = {lbl: f for f, pair in SERVICE_FORM_FIELDS.items() for lbl in pair}
    typed: set[str] = set()
    for t in d.tables:
        for row in t.rows:
            f = by_label.get(row.cells[0].paragraphs[0].text.strip())
            if f in values:
                row.cells[1].paragraphs[0].text = values[f]
                typed.add(f)
    assert typed == set(values), f"rows not found: {set(values) - typed}"
    if not props:
        from changeflow.wordparts import write_custom_properties

        write_custom_properties(d, {})
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def service_rows() -> dict[str, Any]:
    from sqlalchemy import func, select

    from changeflow.db.servicereq import PermissionChange, ServiceEvent, ServiceRequest
    from changeflow.db.session import transaction

    with transaction() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (ServiceRequest, ServiceEvent, PermissionChange)
        }
