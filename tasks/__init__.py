"""The domain, as plain Python functions: one room per concept (``tasks`` is the client's
name for this layer; nothing here is a Prefect task).

May import: ``changeflow.db`` (models, sessions, the state machine), ``changeflow.settings``
and ``changeflow.errors``, ``changeflow.docs_templates`` (the template builders and their
labels), and other rooms of this package. Never ``changeflow.flows`` or ``changeflow.cli``,
and never Prefect (the flows wrap these functions as Prefect tasks).

Rooms: ``intake``/``taskbook`` (the task book), ``planning/`` (plan and budget),
``signoff/`` (the signed round trip: documents the client signs and returns, the inbox),
``kickoff``, ``gitsync/`` (git and commit links), ``testing/``, ``delivery_docs/``,
``golive``, ``acceptance``, ``weekly/`` (the weekly report), ``maintenance/`` (faults,
notices, dispatch orders, quota, run log, reports, visits), ``calendar/`` (the working
calendar), ``sla``, ``directory`` (client, contract and staff look-ups), ``contracts``,
``status``, ``mail``, ``backup``, ``doctor``; and the shared kits ``inputs`` (checked file
input), ``wordkit`` (rendering Word documents), ``money``, ``pdf``.
"""
