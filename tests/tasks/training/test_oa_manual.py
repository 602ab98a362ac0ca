"""The client's OA manual kept current: two accepted requests' manual chapters merged into
the manual's versions, each with the revision record naming the requests that changed it;
the current version stored (kind, version, sha256) and found by ``current_oa_manual``; a
request's own manual still made as before."""

from __future__ import annotations

import docx
import pytest

from changeflow.tasks import oamanual
from tests.support.delivery import advance
from tests.support.maintenance import stored


def _notes(roles: dict[str, str]) -> str:
    chapters = "\n".join(f"## {title}\n\n{body}\n" for title, body in roles.items())
    return (
        "# 总体设计\n\n略。\n\n# 操作说明\n\n## 引言\n\n本手册说明 OA 的使用。\n\n"
        "## 运行环境\n\n浏览器：Chrome 或 Edge。\n\n"
        + chapters
        + "\n## 常见问题\n\n问：忘记密码？答：联系信息中心。\n"
    )


def _request(project: str, roles: dict[str, str], shots: tuple = ()) -> str:
    from changeflow.tasks.delivery_docs import make_docs
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import TaskBook
    from tests.support.helpers import sample_taskbook

    key = intake(
        TaskBook.model_validate(sample_taskbook() | {"project": project}), source="test"
    ).key
    advance(key, "planned", "approved")
    made = make_docs(
        key, notes=_notes(roles), kinds=("manual",), lang="zh-CN", screenshots=shots, draft=True
    )  # sparse notes: the chapters count here
    assert made[0].kind == "manual"  # a request's own manual, made as today
    return key


def _text(rel: str) -> str:
    d = docx.Document(str(stored(rel)))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_accepted_requests_merged_into_versions(contract: str) -> None:
    assert oamanual.current_oa_manual("OA-2026") is None
    a = _request("请假审批", {"申请人": "提交请假单：填写天数后提交。", "审批人": "在待办中审批。"})
    b = _request("报销审批", {"审批人": "审批人可批量审批报销单。", "财务": "财务复核后付款。"})
    # nothing accepted yet: no version
    assert oamanual.merge_accepted("OA-2026", lang="zh-CN")["new"] is False
    advance(a, "in_development", "in_testing", "live", "accepted")
    first = oamanual.merge_accepted("OA-2026", lang="zh-CN")
    assert first["new"] and first["version"] == 1 and first["merged"] == [a]
    v1 = oamanual.current_oa_manual("OA-2026")
    assert v1 is not None and v1.kind == "oa-manual" and v1.version == 1 and len(v1.sha256) == 64
    advance(b, "in_development", "in_testing", "live", "accepted")
    second = oamanual.merge_accepted("OA-2026", lang="zh-CN")
    assert second["version"] == 2 and second["merged"] == [b]
    assert second["chapters"] == ["审批人", "财务"]
    assert oamanual.merge_accepted("OA-2026")["new"] is False  # merged once
    history = oamanual.manual_history("OA-2026")
    assert [h["requests"] for h in history] == [[a], [b]]
    assert history[1]["chapters"] == ["申请人", "审批人", "财务"]  # 审批人 revised in place
    cur = oamanual.current_oa_manual("OA-2026", "zh-CN")
    assert cur is not None and cur.version == 2
    text = _text(cur.path)
    assert "审批人可批量审批报销单。" in text and "在待办中审批。" not in text  # revised
    assert "提交请假单：填写天数后提交。" in text and "财务复核后付款。" in text
    assert f"本章依据：{a}、{b}" in text  # the revised chapter names both requests
    assert "第2版" in text and a in text and b in text and "并入章节：审批人、财务" in text
    en = oamanual.build_manual("OA-2026", lang="en")
    assert en["version"] == 2 and "From:" in _text(en["document"])
    assert oamanual.current_oa_manual("OA-2026", "en").path == en["document"]


def test_manual_before_any_merge_is_not_found(contract: str) -> None:
    from changeflow.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no OA manual yet"):
        oamanual.build_manual("OA-2026")


def _pictures(rel: str) -> list[tuple[str, int, int]]:
    """Each picture of the stored manual: the chapter (Heading 1) it is in, its width in EMU,
    and its size in bytes."""
    d = docx.Document(str(stored(rel)))
    out, chapter = [], ""
    for p in d.paragraphs:
        if p.style is not None and p.style.name == "Heading 1":
            chapter = p.text
        for shape in p._p.xpath(".//wp:inline"):
            blip = shape.xpath(".//a:blip/@r:embed")[0]
            size = len(d.part.related_parts[blip].blob)
            out.append((chapter, int(shape.xpath("./wp:extent/@cx")[0]), size))
    return out


def test_merged_manual_carries_each_chapters_pictures(contract: str) -> None:
    """The OA manual shows the pictures of the requests' manuals in their role chapters,
    within the text width; a later version still has the first request's."""
    from docx.shared import Mm

    from changeflow.tasks.delivery_docs import check_screenshot
    from changeflow.tasks.delivery_docs.screenshots import PICTURE_WIDTH_MM
    from tests.support.delivery import png

    wide, small = png(1600, 900), png(300, 200)
    a = _request(
        "请假审批",
        {
            "申请人": "提交请假单。\n\n![新建请假单](表单.png)",
            "审批人": "在待办中审批。\n\n![待办](审批.png)",
        },
        shots=(check_screenshot(wide, "表单.png"), check_screenshot(small, "审批.png")),
    )
    # the second request's 财务 chapter shows its own 审批.png (a different picture)
    other = png(320, 240)
    b = _request(
        "报销审批",
        {"财务": "财务复核。\n\n![复核](审批.png)"},
        shots=(check_screenshot(other, "审批.png"),),
    )
    advance(a, "in_development", "in_testing", "live", "accepted")
    v1 = oamanual.merge_request(a, lang="zh-CN")
    pics = _pictures(v1["document"])
    assert [(c, n) for c, _, n in pics] == [
        ("第1章　申请人", len(wide)),
        ("第2章　审批人", len(small)),
    ]
    assert all(w <= Mm(PICTURE_WIDTH_MM) for _, w, _ in pics)  # within the text width
    assert "[新建请假单]" not in _text(v1["document"])  # the picture, not its caption text
    assert "图 1  新建请假单" in _text(v1["document"])
    advance(b, "in_development", "in_testing", "live", "accepted")
    v2 = oamanual.merge_request(b, lang="zh-CN")
    assert v2["version"] == 2
    assert [(c, n) for c, _, n in _pictures(v2["document"])] == [
        ("第1章　申请人", len(wide)),
        ("第2章　审批人", len(small)),
        ("第3章　财务", len(other)),
    ]
    en = oamanual.build_manual("OA-2026", lang="en")  # rendered again from the version alone
    assert len(_pictures(en["document"])) == 3
