"""The content check per kind (tests/support/doccheck/kinds.py) on the demo's documents, in
both languages: the demo's test report is issued (not a draft), holds every part of GB/T
8567's test report outline, and every case row says its steps and expected result."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.doccheck.kinds import OUTLINES, case_rows_complete, check_kind, is_draft
from tests.system.test_documents_form import demo  # noqa: F401  (module fixture: the demo once)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("kind", sorted(OUTLINES))
def test_the_demos_documents_hold_their_kinds_parts(demo, tmp_path, kind, lang) -> None:  # noqa: F811
    docs: dict[tuple[str, str], bytes] = demo["docs"]
    path: Path = tmp_path / f"{kind}-{lang}.docx"
    path.write_bytes(docs[(kind, lang)])
    assert not is_draft(path), f"the demo's {kind} ({lang}) is a draft"
    assert check_kind(path, kind, lang) == []
    if kind == "testreport":
        assert case_rows_complete(path, lang) == []
