"""Imports every model module so ``Base.metadata`` knows all tables (Alembic, create_all)."""

from . import (
    approval,  # noqa: F401
    clientmail,  # noqa: F401
    delivery,  # noqa: F401
    git,  # noqa: F401
    maintenance,  # noqa: F401
    maintplan,  # noqa: F401
    models,  # noqa: F401
    money,  # noqa: F401
    planning,  # noqa: F401
    probes,  # noqa: F401
    servicereq,  # noqa: F401
    training,  # noqa: F401
    upgrades,  # noqa: F401
    weekly,  # noqa: F401
)
