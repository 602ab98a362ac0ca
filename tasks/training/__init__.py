"""Training (培训): a session planned with its sign-in sheet (培训签到表), held with its
attendance and feedback recorded from the returned sheet (through ``tasks.signoff``) or by
hand, its time counted as service time in the one count (``tasks.servicedays``).

- ``sessions``: plan, find, list, the audit record, the view;
- ``sheet``: the sign-in sheet rendered, signed and stored;
- ``record``: the returned sheet's recorder (declared in ``tasks.returned.RECORDERS``) and
  the by-hand record.
"""

from __future__ import annotations

from .record import record_by_hand, record_signin, signin_file
from .sessions import (
    find_session,
    list_trainings,
    plan_training,
    reissue_sheet,
    show_training,
    training_view,
)

__all__ = [
    "find_session",
    "list_trainings",
    "plan_training",
    "record_by_hand",
    "record_signin",
    "reissue_sheet",
    "show_training",
    "signin_file",
    "training_view",
]
