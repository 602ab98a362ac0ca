"""The acceptance certificate holds what a 验收报告 holds (tests/support/doccheck/kinds.py):
the basis (task book, plan version, contract), the members, the per-requirement conclusion,
open items with dates, the handover list (documents, source code, training), the start of
maintenance and how the work is settled under the contract."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from tests.support.delivery import go_live
from tests.support.doccheck.kinds import OUTLINES, check_kind, without_section


@pytest.fixture
def live(submitted: str, tmp_path: Path) -> str:
    return go_live(submitted, tmp_path)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_certificate_holds_every_part(live, lang) -> None:
    from changeflow.tasks.acceptance import issue_certificate

    cert = issue_certificate(live, actor="李明", lang=lang)
    path = Path(cert.document)
    assert check_kind(path, "acceptance", lang) == []
    d = docx.Document(str(path))
    text = "\n".join(p.text for p in d.paragraphs)
    if lang == "zh-CN":
        assert "GB/T 28035-2011" in text and "源代码：本次上线的发布版本" in text
        assert "纳入服务合同" in text and "费用结算条款" in text, text


@pytest.mark.parametrize("part", OUTLINES["acceptance"], ids=lambda p: p.name)
def test_each_part_removed_is_found(live, tmp_path, part) -> None:
    from changeflow.tasks.acceptance import issue_certificate

    cert = issue_certificate(live, actor="李明")
    f = tmp_path / "a.docx"
    f.write_bytes(without_section(Path(cert.document), part.zh))
    assert any(x.startswith(f"{part.name}:") for x in check_kind(f, "acceptance", "zh-CN"))
