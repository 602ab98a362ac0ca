"""Core commands: init, intake, status, contract."""

from __future__ import annotations
