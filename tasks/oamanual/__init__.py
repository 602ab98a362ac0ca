"""The client's OA system manual (使用手册) kept current: each accepted request's manual
chapters merged into one manual per contract as a new version, with its revision record
naming the requests that changed it (``versions``; the merge itself in ``chapters``).
"""

from __future__ import annotations

from .versions import (
    KIND,
    build_manual,
    check_lang,
    current_oa_manual,
    manual_document,
    manual_history,
    merge_accepted,
    merge_request,
    merged_line,
)

__all__ = [
    "KIND",
    "build_manual",
    "check_lang",
    "current_oa_manual",
    "manual_document",
    "manual_history",
    "merge_accepted",
    "merge_request",
    "merged_line",
]
