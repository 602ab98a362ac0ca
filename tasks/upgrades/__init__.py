"""Install and upgrade plans (升级方案): an upgrade of a server or of the OA platform that
does not come from a development request, as a change with its plan document (环境检查,
步骤, 回退, 访问测试, 停机窗口 read on the client's working calendar), the client's approval
through the one sign-off reader (kind ``upgrade``), and its record after (升级记录).

- ``plans``: plan, find, the audit record, the plan document, the view;
- ``record``: the returned plan's recorder (declared in ``tasks.returned.RECORDERS``) and
  the record after.
"""

from __future__ import annotations

from .plans import list_upgrades, plan_upgrade, show_upgrade, upgrade_view
from .record import approve_upgrade_file, record_upgrade, record_upgrade_approval

__all__ = [
    "approve_upgrade_file",
    "list_upgrades",
    "plan_upgrade",
    "record_upgrade",
    "record_upgrade_approval",
    "show_upgrade",
    "upgrade_view",
]
