"""The one error of the sign-off room: a returned document we will not record."""

from __future__ import annotations

from changeflow.errors import InputError


class Refused(InputError):
    """A returned document we will not record; ``code`` says which class of refusal.

    Codes: ``file`` (fails the checks), ``unsigned``, ``forged``, ``edited``, ``stale``,
    ``other-request``, ``unknown`` (no such request or document), ``decided`` (already
    decided), ``state`` (request not awaiting this decision), ``decision``, ``approver``,
    ``date``, ``signoff`` (no sign-off table), ``two-decisions`` (two sign-off tables, or a
    field filled twice), ``unreadable`` (something the reader cannot account for),
    ``satisfaction``, ``draft`` (a plan that was only drafted, never issued), ``comments``
    (comments in the margin: quoted back, to be written in the remarks cell).
    """

    def __init__(self, source: str, field: str, problem: str, code: str) -> None:
        super().__init__(source, field, problem)
        self.code = code
