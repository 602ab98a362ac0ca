"""Service requests (服务请求, FW-2026-0001): the service desk's daily items.

- ``desk``: receive (CLI, UI form, inbox, mail), assign, work, done, confirm, list;
- ``target``: the response target from the contract (non-crash clock; urgent: its own);
- ``permissions``: account/permission changes with the client's named authoriser;
- ``mail``: a kept client mail made a service request with the lead's confirmation;
- ``counting``: the worked time in the one count of service days (``tasks.servicedays``);
- ``record``: the month's record of permission changes (账号权限变更记录).
"""

from __future__ import annotations

from .desk import (
    assign_service,
    cancel_service,
    confirm_service,
    finish_service,
    list_services,
    new_service,
    record_work,
    show_service,
)
from .mail import from_mail
from .permissions import new_account_request, record_permission_change

__all__ = [
    "assign_service",
    "cancel_service",
    "confirm_service",
    "finish_service",
    "from_mail",
    "list_services",
    "new_account_request",
    "new_service",
    "record_permission_change",
    "record_work",
    "show_service",
]
