"""``python -m changeflow`` is the same as the ``changeflow`` command."""

from changeflow.cli import main

main()
