"""The Prefect flows: one per lifecycle step, named as the lead would say it, thin.

Each flow takes a pydantic parameter model with bilingual titles, calls the domain functions
of ``changeflow.tasks`` (wrapped as Prefect tasks in ``units`` or beside the flow), and ends
with a one-line state message and artifacts. ``deployments`` lists every deployment
(``prefect.yaml`` is generated from it).

May import: ``changeflow.tasks``, ``changeflow.db``, ``changeflow.settings``,
``changeflow.errors``, ``changeflow.jsonout`` and Prefect. Never ``changeflow.cli``.
"""
