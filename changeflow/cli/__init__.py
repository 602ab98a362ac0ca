"""The ``changeflow`` command: a thin shell over the domain functions in ``tasks``.

Each area registers its commands from its own module below; every command takes ``--json``
and then prints exactly one JSON document on stdout. Errors are one line on stderr with a
non-zero exit code (2 for bad input).
"""

from __future__ import annotations

import sys

from changeflow.cli.common import app, fail
from changeflow.errors import ChangeflowError

# Command modules (each adds its commands to ``app``).
from changeflow.cli import core  # noqa: F401  isort: skip
from changeflow.cli import approval  # noqa: F401  isort: skip
from changeflow.cli import delivery  # noqa: F401  isort: skip
from changeflow.cli import demo  # noqa: F401  isort: skip
from changeflow.cli import maintenance  # noqa: F401  isort: skip
from changeflow.cli import ops  # noqa: F401  isort: skip
from changeflow.cli import planning  # noqa: F401  isort: skip
from changeflow.cli import up  # noqa: F401  isort: skip
from changeflow.cli import weekly  # noqa: F401  isort: skip
from changeflow.cli import git  # noqa: F401  isort: skip


def main() -> None:
    try:
        app()
    except ChangeflowError as exc:
        fail(exc)
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["app", "main"]
