"""Both parties named (issue #30): the contract stores our company (乙方) beside the client,
and every document's header, cover and seal block names both; the planned dispatch order is
confirmed for the plan, not accepted; a statement made before its month ends says it is
interim. Read back from the .docx with python-docx."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest
import yaml

from changeflow.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
OURS = "示例软件技术有限公司"
CLIENT = "示例集团有限公司"
SH = ZoneInfo("Asia/Shanghai")


def _header_text(d: docx.document.Document) -> str:
    return "\n".join(p.text for s in d.sections for p in s.header.paragraphs)


def _rows(d: docx.document.Document) -> list[list[str]]:
    return [[c.text for c in row.cells] for t in d.tables for row in t.rows]


def _sample(tmp_path: Path, drop_contractor: bool = False, **contractor: str) -> Path:
    spec = yaml.safe_load((EXAMPLES / "contract.yaml").read_text(encoding="utf-8"))
    k = spec["contracts"][0]
    if drop_contractor:
        k.pop("contractor", None)
    if contractor:
        k["contractor"] = contractor
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def test_the_contract_stores_our_company_beside_the_client(contract: str) -> None:
    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.contracts import contract_summary

    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == contract))
        assert (k.contractor_name, k.contractor_contact, k.contractor_phone) == (
            OURS, "李明", "010-8200-0001"
        )  # fmt: skip
        assert "中关村" in k.contractor_address
        summary = contract_summary(s, k)
    assert summary["contractor"]["name"] == OURS and summary["client"] == CLIENT


def test_an_older_contract_file_without_contractor_stays_valid(db: str, tmp_path: Path) -> None:
    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.contracts import contractor_of, load_contract_file

    load_contract_file(_sample(tmp_path, drop_contractor=True))
    with transaction() as s:
        k = s.scalar(select(Contract))
        assert k.contractor_name == "" and contractor_of(k)["name"] == ""  # no company set
    load_contract_file(EXAMPLES / "contract.yaml")
    load_contract_file(_sample(tmp_path, drop_contractor=True))  # reloaded without it: kept
    with transaction() as s:
        assert contractor_of(s.scalar(select(Contract)))["name"] == OURS


def test_a_bad_contractor_field_is_named(db: str, tmp_path: Path) -> None:
    from changeflow.tasks.contracts import load_contract_file

    with pytest.raises(InputError) as err:
        load_contract_file(_sample(tmp_path, name=OURS, fax="010-1"))
    assert err.value.field == "contracts.0.contractor.fax"
    with pytest.raises(InputError) as err:
        load_contract_file(_sample(tmp_path, address="北京"))
    assert err.value.field == "contracts.0.contractor.name"


@pytest.fixture
def plan_day(monkeypatch: pytest.MonkeyPatch) -> None:
    from changeflow.tasks.planning import making

    monkeypatch.setattr(making, "today_local", lambda: date(2026, 11, 20))


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_plan_names_both_parties_in_header_cover_and_seal_block(
    submitted: str, plan_day: None, lang: str
) -> None:
    from changeflow.tasks.planning import make_plan

    r = make_plan(submitted, start=date(2026, 11, 30), lang=lang, issue=True)
    d = docx.Document(str(r["document"]))
    zh = lang == "zh-CN"
    head = _header_text(d)
    both = f"甲方：{CLIENT}　乙方：{OURS}" if zh else f"Client: {CLIENT}　Contractor: {OURS}"
    assert both in head
    rows = _rows(d)
    assert ["承建单位（乙方）" if zh else "Contractor", OURS] in rows  # the cover
    assert ["单位名称" if zh else "Company", CLIENT, OURS] in rows  # the seal block
    # the sign-off's introducing line stays with its table
    [prepared] = [p for p in d.paragraphs if p.text in ("编制与审核", "Prepared and reviewed")]
    assert prepared.paragraph_format.keep_with_next


def test_the_english_draft_plan_says_draft_in_english(submitted: str, plan_day: None) -> None:
    from changeflow.tasks.planning import make_plan

    r = make_plan(submitted, start=date(2026, 11, 30), lang="en")
    d = docx.Document(str(r["document"]))
    mark = d.sections[0].header.paragraphs[0].text
    assert mark.startswith("DRAFT") and not re.search(r"[\u4e00-\u9fff]", mark)


def test_dispatch_orders_name_both_parties_and_only_the_done_one_is_accepted(
    contract: str,
) -> None:
    from changeflow.tasks import maintenance as mt
    from tests.support.maintenance import stored

    o = mt.create_dispatch(kind="remote", planned_start="2026-11-24 10:00", staff=["张伟"])
    planned = docx.Document(str(stored(o["document"])))
    assert f"乙方：{OURS}" in _header_text(planned)
    cells = {c for r in _rows(planned) for c in r}
    assert "承建单位（乙方）" in cells and OURS in cells
    assert "甲方确认人" in cells and "服务是否验收（是/否）" not in cells
    v = mt.complete_dispatch(o["number"], actual_start="2026-11-24 10:00",
                             actual_end="2026-11-24 11:00")  # fmt: skip
    done = docx.Document(str(stored(v["document"])))
    cells = {c for r in _rows(done) for c in r}
    assert "服务是否验收（是/否）" in cells and "甲方确认人" not in cells and OURS in cells
    text = [p.text for p in done.paragraphs]
    assert "三、服务验收" in text and "二、计划确认" not in text


@pytest.mark.parametrize(
    ("now", "interim"), [("2026-11-20 10:00", True), ("2026-12-02 10:00", False)]
)
def test_a_statement_before_its_month_ends_says_it_is_interim(
    contract: str, now: str, interim: bool
) -> None:
    from changeflow.tasks import maintenance as mt
    from tests.support.maintenance import stored

    when = datetime.fromisoformat(now).replace(tzinfo=SH)
    for lang in ("zh-CN", "en"):
        r = mt.sla_report_document("2026-11", contract, lang=lang, now=when)
        d = docx.Document(str(stored(r["path"])))
        text = "\n".join(p.text for p in d.paragraphs)
        title = d.core_properties.title
        if lang == "zh-CN":
            assert ("期中对账单" in text) is interim and ("（期中）" in title) is interim
            assert "SLA" not in title and "SLA" not in _header_text(d)
            assert f"乙方：{OURS}" in _header_text(d)
        else:
            assert ("Interim statement" in text) is interim
            assert title.startswith("Monthly Service Statement") and "SLA" not in title
