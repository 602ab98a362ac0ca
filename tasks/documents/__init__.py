"""What a client document says, before any template lays it out: ONE place for it.

Rooms:

* ``names``: every document kind's name in both languages (测试报告 第1版 / Test report v1)
  and the one file-name scheme (``CR-2026-0001-实施计划和费用预算-v1.docx``,
  ``CR-2026-0001-implementation-plan-v1.docx``) used by the store, the acceptance
  certificate's deliverables list and the mails;
* ``clean``: the client-clean filter every fact shown to the client goes through: commit
  messages without time-log tokens and link keys, turned into change descriptions under a
  category (新增/修复/优化 …); git identities shown as the staff member's name from the
  contract (unknown -> 乙方); the system shown as 系统; no machine paths, commands or
  unfilled placeholders.

The layout (header, footer, tables, sign-off blocks) is the templates' (docs_templates/).
"""

from __future__ import annotations

from .clean import (
    CATEGORIES,
    Change,
    Names,
    actor_shown,
    category_title,
    change_line,
    describe,
    is_system,
    machine_leaks,
    person_shown,
    scrub_paths,
    strip_tokens,
)
from .names import (
    KIND_NAMES,
    document_filename,
    document_label,
    document_lang,
    kind_name,
    store_issued,
)

__all__ = [
    "CATEGORIES",
    "KIND_NAMES",
    "Change",
    "Names",
    "actor_shown",
    "category_title",
    "change_line",
    "describe",
    "document_filename",
    "document_label",
    "document_lang",
    "is_system",
    "kind_name",
    "machine_leaks",
    "person_shown",
    "scrub_paths",
    "store_issued",
    "strip_tokens",
]
