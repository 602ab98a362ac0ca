"""The client's 验收结论 per requirement row of the acceptance certificate: ticked in Word,
handed in through the inbox, read by the one sign-off reading (the conclusion cells are the
only cells of the requirements table the client may fill), recorded per row with the
decision, refused for an accepted certificate while a row says 不通过 or is unticked."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from tests.support.delivery import fill_certificate, go_live, state_of
from tests.support.helpers import all_counts


@pytest.fixture
def live(submitted: str, tmp_path: Path) -> str:
    return go_live(submitted, tmp_path)


def _cert(key: str) -> Path:
    from changeflow.tasks.acceptance import issue_certificate

    return Path(issue_certificate(key, actor="李明").document)


def _hand_in(data: bytes, tmp_path: Path, name: str = "验收单-回签.docx"):
    """The file as a client mails it: through the inbox's one door (``take_in``)."""
    from changeflow.tasks.inbox import take_in

    path = tmp_path / name
    path.write_bytes(data)
    return take_in(path, data)


def _refused(data: bytes, tmp_path: Path, key: str, *words: str) -> str:
    from changeflow.errors import InputError

    before = all_counts()
    with pytest.raises(InputError) as exc:
        _hand_in(data, tmp_path)
    line = str(exc.value)
    assert "\n" not in line and "验收单-回签.docx" in line
    for w in words:
        assert w in line, line
    assert all_counts() == before and state_of(key) == "live"
    return line


def _edit(data: bytes, fn) -> bytes:
    d = docx.Document(io.BytesIO(data))
    fn(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _last_event(key: str):
    from sqlalchemy import select

    from changeflow.db.models import Request, RequestEvent
    from changeflow.db.session import transaction

    with transaction() as s:
        ev = s.scalars(
            select(RequestEvent)
            .join(Request)
            .where(Request.key == key)
            .order_by(RequestEvent.id.desc())
        ).first()
        s.expunge(ev)
        return ev


def _requirements_table(d):
    return next(t for t in d.tables if t.rows[0].cells[-1].text == "验收结论")


def test_the_certificate_offers_a_box_per_requirement_row_masked_in_the_signature(live) -> None:
    from changeflow.tasks.signoff import lines_of

    path = _cert(live)
    d = docx.Document(str(path))
    t = _requirements_table(d)
    assert [r.cells[0].text for r in t.rows[1:]] == ["1", "2", "3"]
    assert {r.cells[-1].text for r in t.rows[1:]} == {"☐通过 ☐不通过"}
    lines = lines_of(d, "acceptance")
    row1 = next(line for line in lines if line.startswith("1 | 请假超过 3 天"))
    assert row1.endswith("| 通过 | ＿"), row1  # the test result signed, the conclusion masked
    assert "☐通过 ☐不通过" not in "\n".join(lines)


def test_rows_ticked_and_handed_in_are_recorded_per_requirement(live, tmp_path) -> None:
    from changeflow.tasks.status import request_status

    item = _hand_in(fill_certificate(_cert(live)), tmp_path)
    assert item.outcome == "decision" and state_of(live) == "accepted"
    assert "需求1 通过; 需求2 通过; 需求3 通过" in item.detail
    st = request_status(live)
    assert st["approval"]["acceptance v1 per requirement"] == "需求1 通过; 需求2 通过; 需求3 通过"
    assert st["timeline"][-1]["to"] == "accepted"
    # the audit record of the state change carries the rows (same transaction)
    assert [(r["no"], r["conclusion"]) for r in _last_event(live).data["requirements"]] == [
        (1, "passed"), (2, "passed"), (3, "passed")
    ]  # fmt: skip


def test_an_accepted_certificate_with_a_row_not_passed_is_refused_naming_it(live, tmp_path) -> None:
    cert = _cert(live)
    line = _refused(fill_certificate(cert, rows={1: "通过", 2: "不通过", 3: "通过"}), tmp_path,
                    live, "需求2 验收结论", "不通过", "every requirement row")  # fmt: skip
    assert "需求1" not in line.split("需求2")[0]
    _refused(fill_certificate(cert, rows={1: "通过", 2: "通过", 3: None}), tmp_path, live,
             "需求3 验收结论", "is not ticked")  # fmt: skip


def test_a_rejection_records_each_row_as_ticked(live, tmp_path) -> None:
    from changeflow.tasks.status import request_status

    data = fill_certificate(_cert(live), decision="不通过", comment="需求2 余额未同步",
                            return_to="开发", rows={1: "通过", 2: "不通过", 3: None})  # fmt: skip
    item = _hand_in(data, tmp_path)
    assert item.outcome == "decision" and state_of(live) == "in_development"
    st = request_status(live)
    assert (
        st["approval"]["acceptance v1 per requirement"] == "需求1 通过; 需求2 不通过; 需求3 未勾选"
    )


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("☑通过 ☑不通过", "more than one box"),
        ("通过吧", "not a clear decision"),
        ("✗通过 ☐不通过", "not a clear decision"),
    ],
)
def test_an_unclear_row_is_refused_by_name(live, tmp_path, written, words) -> None:
    data = fill_certificate(_cert(live), rows={1: "通过", 2: written, 3: "通过"})
    _refused(data, tmp_path, live, "需求2 验收结论", words)


def test_typed_and_wingdings_ticks_are_read_per_row(live, tmp_path) -> None:
    """通过 typed alone, and a Wingdings ☑ (w:sym, as Word's Insert Symbol writes it)."""
    from tests.support.hostile.returned import sym, t, xml_edit

    data = fill_certificate(_cert(live), rows={1: "通过", 2: "通过", 3: "{ROW3}"})
    runs = sym("Wingdings", 0xF0FE) + t("通过 ") + sym("Wingdings", 0xF0A8) + t("不通过")
    data = xml_edit(lambda x: x.replace("<w:t>{ROW3}</w:t>", "<w:t></w:t></w:r>" + runs
                                        + "<w:r><w:t></w:t>"))(data)  # fmt: skip
    item = _hand_in(data, tmp_path)
    assert state_of(live) == "accepted", item


def test_a_row_whose_requirement_text_changed_is_refused(live, tmp_path) -> None:
    def edit(d) -> None:
        row = _requirements_table(d).rows[2]
        row.cells[1].text = "审批通过后同步考勤系统的年假余额（可延后）"

    data = _edit(fill_certificate(_cert(live)), edit)
    _refused(data, tmp_path, live, "content", "可延后")


def test_the_result_cell_beside_the_box_stays_signed(live, tmp_path) -> None:
    """Only the conclusion cell is the client's: the test result next to it is not."""

    def edit(d) -> None:
        _requirements_table(d).rows[3].cells[4].text = "不通过"

    _refused(_edit(fill_certificate(_cert(live)), edit), tmp_path, live, "content", "不通过")


def test_a_picture_in_a_conclusion_cell_is_refused(live, tmp_path) -> None:
    from tests.support.delivery import png

    def edit(d) -> None:
        cell = _requirements_table(d).rows[1].cells[-1]
        cell.paragraphs[0].add_run().add_picture(io.BytesIO(png(40, 40)))

    _refused(_edit(fill_certificate(_cert(live)), edit), tmp_path, live, "需求1 验收结论",
             "table or a picture")  # fmt: skip


def test_rows_ticked_survive_a_libreoffice_resave(live, tmp_path) -> None:
    from tests.support.approval import libreoffice_resave

    data = libreoffice_resave(fill_certificate(_cert(live)), tmp_path)
    assert _hand_in(data, tmp_path).outcome == "decision"
    assert state_of(live) == "accepted"


def test_the_english_certificate_rows(live, tmp_path) -> None:
    from changeflow.tasks.acceptance import issue_certificate

    cert = issue_certificate(live, lang="en", actor="Li Ming")
    d = docx.Document(cert.document)
    t = next(t for t in d.tables if t.rows[0].cells[-1].text == "Acceptance")
    assert {r.cells[-1].text for r in t.rows[1:]} == {"☐ passed ☐ failed"}
    data = fill_certificate(Path(cert.document), decision="accept", lang="en",
                            rows={1: "passed", 2: "passed", 3: "failed"})  # fmt: skip
    line = _refused(data, tmp_path, live, "需求3 验收结论 (requirement 3)", "不通过 (failed)")
    assert "accepting needs 通过 ticked on every requirement row" in line
    item = _hand_in(fill_certificate(Path(cert.document), decision="accept", lang="en",
                                     rows="passed"), tmp_path)  # fmt: skip
    assert item.outcome == "decision" and state_of(live) == "accepted"
