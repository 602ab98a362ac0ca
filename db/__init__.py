"""The system of record: SQLAlchemy 2.0 typed models, sessions, Alembic migrations, the
document store and the request state machine (``lifecycle``: every transition, with its
audit record, in one place).

May import: ``changeflow.settings`` and ``changeflow.errors`` only; every other layer sits
above this one (``tasks`` <- ``flows`` <- ``cli``).
"""
