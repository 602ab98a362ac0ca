"""Imports every model module so ``Base.metadata`` knows all tables (Alembic, create_all)."""

from . import models  # noqa: F401
from . import maintenance  # noqa: F401
from . import planning  # noqa: F401
from . import approval  # noqa: F401
from . import git  # noqa: F401
from . import weekly  # noqa: F401
from . import delivery  # noqa: F401
