"""Every document the demo makes, and a weekly report, in both languages, is in the house
style (tests/support/doccheck/form.py): A4 and margins, header, footer 第 X 页 共 Y 页 with
PAGE/NUMPAGES fields, real core properties, fixed tables with a gridCol per column, repeated
header rows, unsplit rows, headings kept with what follows, the seal block where both
parties sign, dates in Chinese form in zh-CN. With LibreOffice installed each goes through
PDF and PNG too, and the first page of every kind (zh-CN) is written to docs/pages/.

A client's own edited template (a changed title font and a logo in the header, saved the way
Word saves) still renders with the house style's fields and tables."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.doccheck.form import form_problems

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "docs" / "pages"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM = shutil.which("pdftoppm")
# the kinds the demo issues (the client's own task book and returned copies are theirs)
KINDS = ("plan", "testreport", "techdoc", "manual", "golive", "acceptance", "fault-record",
         "dispatch", "weekly-report", "sla-report")  # fmt: skip
FORM_KIND = {"fault-record": "fault", "weekly-report": "weekly"}
# the maintenance half's kinds the demo issues: their first pages land in docs/pages/ too
# (their form is checked by tests/system/test_documents_pages.py's page check)
MORE_KINDS = ("maintplan", "handbook", "runlog", "permlog", "signin", "upgrade",
              "upgrade-record", "oa-manual")  # fmt: skip


def _kind_of(d: Any) -> str:
    return d["kind"]


@pytest.fixture(scope="module")
def demo(demo_run: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The whole demo (zh-CN; the session's one run, a copy of our own), then the same
    documents rendered in English from its database; every document as bytes by (kind, lang)."""
    from tests.support.demo import demo_copy

    out = Path(tmp_path_factory.mktemp("form")) / "demo-out"
    with pytest.MonkeyPatch.context() as mp:
        run = demo_copy(demo_run, out, mp)
        docs: dict[tuple[str, str], bytes] = {}
        more: dict[tuple[str, str], bytes] = {}
        for d in run.documents:
            if d["kind"] in KINDS and d.get("lang") == "zh-CN":
                docs.setdefault((d["kind"], "zh-CN"), Path(d["path"]).read_bytes())
            elif d["kind"] in MORE_KINDS and d.get("lang") == "zh-CN":  # the newest version
                more[(d["kind"], "zh-CN")] = Path(d["path"]).read_bytes()
        docs |= _english(run)
        from changeflow.db.session import dispose_engines
        from changeflow.settings import reset_settings

        reset_settings()
        dispose_engines()
    return {"docs": docs, "more": more, "keys": run.keys, "out": out}


def _english(run: Any) -> dict[tuple[str, str], bytes]:
    """The demo's documents made again in English, through the same render functions."""
    from sqlalchemy import select

    from changeflow.db.delivery import Release, TestRun
    from changeflow.db.models import Document, Request
    from changeflow.db.planning import Plan
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path
    from changeflow.tasks.golive import render_golive
    from changeflow.tasks.maintenance import fault_record
    from changeflow.tasks.planning.document import render_plan
    from changeflow.tasks.testing.report import render_report
    from changeflow.tasks.weekly.making import make_report

    key = run.keys["main"]
    out: dict[tuple[str, str], bytes] = {}
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == key))
        plan = s.scalars(select(Plan).where(Plan.request_id == req.id)).first()
        out[("plan", "en")] = render_plan(plan, lang="en")
        test_run = s.scalars(select(TestRun).where(TestRun.request_id == req.id)).first()
        out[("testreport", "en")] = render_report(test_run, "en")
        rel = s.scalars(select(Release).where(Release.request_id == req.id)).first()
        out[("golive", "en")] = render_golive(rel, "en")
        for kind in ("techdoc", "manual", "acceptance"):
            out[(kind, "en")] = _render_again(s, req, kind, "en")
    crash = run.keys["faults"].split(",")[0]
    from changeflow.settings import get_settings

    rel_path = fault_record(crash, lang="en")["path"]
    out[("fault-record", "en")] = (get_settings().store_dir / rel_path).read_bytes()
    with transaction() as s:
        zh = s.scalars(select(Document).where(Document.kind == "weekly-report")).first()
        meta = zh.meta or {}
    rep = make_report(week=meta.get("week"), client=meta.get("client"), lang="en")
    out[("weekly-report", "en")] = Path(rep["document"]).read_bytes()
    with transaction() as s:
        for kind in ("dispatch", "sla-report"):
            d = s.scalars(
                select(Document).where(Document.kind == kind, Document.lang == "en")
            ).first()
            if d is not None:
                out[(kind, "en")] = document_path(d).read_bytes()
    return out


def _render_again(session: Any, req: Any, kind: str, lang: str) -> bytes:
    """A delivery document or the certificate rendered in ``lang`` from what the stored
    zh-CN one was made of (its context is rebuilt the way issuing builds it)."""
    from datetime import UTC, datetime

    if kind == "acceptance":
        from changeflow.docs_templates.tpl_acceptance import TITLE
        from changeflow.tasks.acceptance import certificate_context
        from changeflow.tasks.wordkit import render

        ctx = certificate_context(session, req, 1, lang, datetime.now(UTC).replace(microsecond=0))
        return render("acceptance", ctx, lang=lang, title=f"{TITLE[1]} {req.key} v1",
                      subject=req.title)  # fmt: skip
    from changeflow.tasks.delivery_docs.context import docs_context
    from changeflow.tasks.delivery_docs.render import render_doc

    ctx, when = docs_context(session, req, lang)
    return render_doc(kind, ctx, version=1, lang=lang, when=when, notes="",
                      screenshots=(), author=ctx.get("our_lead") or "")  # fmt: skip


def _pdf_and_png(data: bytes, name: str, folder: Path) -> Path:
    from changeflow.tasks.pdf import docx_to_pdf

    pdf = folder / f"{name}.pdf"
    pdf.write_bytes(docx_to_pdf(data, f"{name}.docx"))
    subprocess.run([PDFTOPPM, "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                    str(folder / name)], check=True, capture_output=True)  # fmt: skip
    return next(folder.glob(f"{name}*.png"))


@pytest.mark.prefect
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_document_kind_is_in_the_house_style(demo: dict[str, Any], lang: str) -> None:
    docs = {k: v for (k, lg), v in demo["docs"].items() if lg == lang}
    missing = [k for k in KINDS if k not in docs]
    if lang == "zh-CN":
        assert not missing, f"the demo made no {missing}"
    else:
        assert not set(missing) - {"dispatch", "sla-report"}, missing
    problems = {k: form_problems(v, kind=FORM_KIND.get(k, k), lang=lang) for k, v in docs.items()}
    assert not {k: p for k, p in problems.items() if p}


@pytest.mark.prefect
@pytest.mark.slow
def test_first_pages_through_libreoffice(demo: dict[str, Any], tmp_path: Path) -> None:
    """Each kind to PDF and PNG; the zh-CN first pages (and the blank task book's) land in
    docs/pages/ (looked at)."""
    if not (SOFFICE and PDFTOPPM):
        pytest.skip("LibreOffice or pdftoppm not installed: no PDF/PNG pages made")
    from changeflow.tasks.wordkit import template_path

    PAGES.mkdir(parents=True, exist_ok=True)
    # the blank task book the client fills in, as shipped
    blank = {("taskbook", "zh-CN"): template_path("taskbook", "zh-CN").read_bytes()}
    for (kind, lang), data in sorted((demo["docs"] | demo["more"] | blank).items()):
        png = _pdf_and_png(data, f"{kind}-{lang}", tmp_path)
        assert png.stat().st_size > 5000, (kind, lang)
        if lang == "zh-CN":
            shutil.copyfile(png, PAGES / f"{kind}.png")
    assert {p.stem for p in PAGES.glob("*.png")} >= {*KINDS, *MORE_KINDS, "taskbook"}


# --- the check fails when the form is taken away ---------------------------------------------


def _plan_bytes() -> bytes:
    """A rendered plan template (the house style comes from the template)."""
    from changeflow.tasks.wordkit import render

    ctx = {"house": {}, "draft": False, "late": None, "provisional": False, "sd": None,
           "busy": [], "requirements": [{"no": 1, "text": "请假审批", "priority": "高",
                                         "acceptance": "可用"}],
           "items": [{"seq": 1, "req": 1, "phase": "开发", "title": "开发请假审批",
                      "role": "开发工程师", "assignee": "张伟", "person_days": "2",
                      "covered": "0", "rate": "1,000.00", "amount": "2,000.00",
                      "start": "2026-12-02", "end": "2026-12-03"}],
           "roles": [{"role": "开发工程师", "person_days": "2", "amount": "2,000.00"}],
           "phases": [], "milestones": [], "assumptions": [], "exclusions": [],
           "key": "CR-2026-0001", "title": "OA 请假审批", "client": "示例集团有限公司",
           "contract": "OA-2026", "version": 1, "issued": "2026-12-02", "our_lead": "李明",
           "start": "2026-12-02", "end": "2026-12-03", "total": "2,120.00",
           "subtotal": "2,000.00", "tax": "120.00", "tax_rate": "6%"}  # fmt: skip
    return render("plan", ctx, lang="zh-CN", title="实施计划和费用预算 CR-2026-0001 v1",
                  subject="OA 请假审批")  # fmt: skip


def _edited(data: bytes, edit: Any) -> bytes:
    import docx

    d = docx.Document(io.BytesIO(data))
    edit(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_the_check_passes_a_rendered_plan(cf_home: Path) -> None:
    assert form_problems(_plan_bytes(), kind="plan", lang="zh-CN") == []


@pytest.mark.parametrize(
    "what",
    [
        "footer fields",
        "gridCol",
        "cantSplit",
        "tblHeader",
        "seal block",
        "iso date",
        "author",
        "margins",
        "fixed layout",
        "vertical header",
        "header",
    ],
)
def test_the_check_reports_a_form_property_taken_away(cf_home: Path, what: str) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Mm

    def strip(d: Any) -> None:
        body = d.element.body
        if what == "footer fields":
            footer = d.sections[0].footer._element
            for el in list(footer.iter(qn("w:instrText"))):
                el.getparent().remove(el)
        elif what == "gridCol":
            grid = next(body.iter(qn("w:tblGrid")))
            grid.remove(grid.findall(qn("w:gridCol"))[-1])
        elif what == "cantSplit":
            for el in list(body.iter(qn("w:cantSplit")))[:1]:
                el.getparent().remove(el)
        elif what == "tblHeader":
            for el in list(body.iter(qn("w:tblHeader"))):
                el.getparent().remove(el)
        elif what == "seal block":
            for t in d.tables:
                if t.rows[0].cells[0].text == "签章":
                    t._tbl.getparent().remove(t._tbl)
        elif what == "iso date":
            d.add_paragraph("编制日期 2026-12-02")
        elif what == "author":
            d.core_properties.author = "changeflow"
        elif what == "margins":
            d.sections[0].left_margin = Mm(25)
        elif what == "fixed layout":
            for el in list(body.iter(qn("w:tblLayout"))):
                el.getparent().remove(el)
        elif what == "vertical header":
            t = next(t for t in d.tables if t.rows[0].cells[0].text == "序号")
            t._tbl.tblGrid.findall(qn("w:gridCol"))[0].set(qn("w:w"), str(int(Mm(6).twips)))
        elif what == "header":
            for p in d.sections[0].header.paragraphs:
                for r in p.runs:
                    r.text = ""

    problems = form_problems(_edited(_plan_bytes(), strip), kind="plan", lang="zh-CN")
    words = {
        "footer fields": "PAGE", "gridCol": "gridCol", "cantSplit": "cantSplit",
        "tblHeader": "tblHeader", "seal block": "seal block", "iso date": "2026-12-02",
        "author": "author", "margins": "left margin", "fixed layout": "not fixed",
        "vertical header": "does not fit", "header": "header is empty",
    }  # fmt: skip
    assert any(words[what] in p for p in problems), problems


# --- a client's own edited template ---------------------------------------------------------


def test_a_clients_edited_template_keeps_the_house_style(
    cf_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client's admin opens the shipped plan template in Word, sets the title in 楷体 22 pt
    red and puts the company logo in the header, saves it into their templates folder; the
    plan rendered from it still has the header's values, the footer's page fields, the
    tables' house properties and the seal block, and passes the form check."""
    import docx
    from docx.shared import Pt, RGBColor

    from changeflow.settings import reset_settings
    from tests.support.delivery import png

    shipped = ROOT / "docs_templates"
    mine = tmp_path / "templates"
    shutil.copytree(shipped / "zh-CN", mine / "zh-CN")
    shutil.copytree(shipped / "en", mine / "en")
    path = mine / "zh-CN" / "plan.docx"
    d = docx.Document(str(path))
    title = d.paragraphs[0]
    for r in title.runs:
        r.font.size = Pt(22)
        r.font.color.rgb = RGBColor(0xC0, 0, 0)
        r._r.get_or_add_rPr().get_or_add_rFonts().set(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "KaiTi"
        )
    header = d.sections[0].header
    logo = header.paragraphs[0].insert_paragraph_before()
    logo.add_run().add_picture(io.BytesIO(png(200, 60)), height=Pt(18))
    d.core_properties.author = "王芳"  # Word writes the editor's name in
    d.save(str(path))
    monkeypatch.setenv("CHANGEFLOW_TEMPLATES_DIR", str(mine))
    reset_settings()

    data = _plan_bytes()
    out = docx.Document(io.BytesIO(data))
    head = "\n".join(p.text for p in out.sections[0].header.paragraphs)
    assert "示例集团有限公司" in head and "OA 请假审批" in head and "第1版" in head
    assert "{{" not in head
    assert out.sections[0].header._element.xpath(".//pic:pic"), "the logo stays"
    assert out.core_properties.author == "李明", "the author is ours, not the template's"
    assert form_problems(data, kind="plan", lang="zh-CN") == []
    run = out.paragraphs[0].runs[0]
    assert run.font.size == Pt(22), "the client's title font stays"


def test_pdf_carries_simplified_chinese_shapes(tmp_path: Path) -> None:
    """宋体 text without a language mark (as a client's own template may have) comes out of
    --pdf in the Simplified Chinese face: the same pixels as Noto Serif CJK SC marked zh-CN,
    not the Japanese face fontconfig picks from Noto CJK by itself. (pdffonts cannot tell:
    the Noto CJK collection shares one CFF font named ...CJKjp for all its faces.)"""
    if not (SOFFICE and PDFTOPPM):
        pytest.skip("LibreOffice or pdftoppm not installed")
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt
    from PIL import Image, ImageChops

    def sample(font: str, lang: str | None) -> bytes:
        d = docx.Document()
        r = d.add_paragraph().add_run("直骨角递边写")
        r.font.size = Pt(40)
        rpr = r._r.get_or_add_rPr()
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), font)
        if lang:
            rpr.append(rpr.makeelement(qn("w:lang"), {qn("w:eastAsia"): lang}))
        buf = io.BytesIO()
        d.save(buf)
        return buf.getvalue()

    def pixels(data: bytes, name: str, env: dict[str, str] | None = None) -> Any:
        old = {k: os.environ.get(k) for k in (env or {})}
        os.environ.update(env or {})
        try:
            return Image.open(_pdf_and_png(data, name, tmp_path)).convert("L")
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    sc = pixels(sample("Noto Serif CJK SC", "zh-CN"), "sc")
    jp = pixels(sample("Noto Serif CJK JP", "ja-JP"), "jp")
    assert ImageChops.difference(sc, jp).getbbox() is not None, "SC and JP shapes differ"
    ours = pixels(sample("SimSun", None), "simsun")
    assert ImageChops.difference(ours, sc).getbbox() is None, "宋体 -> Noto Serif CJK SC"
    system = pixels(
        sample("SimSun", None), "system", {"CHANGEFLOW_FONTCONFIG": "/etc/fonts/fonts.conf"}
    )
    assert ImageChops.difference(system, sc).getbbox() is not None, (
        "without the project's aliases the shapes are not SC (the check could not fail)"
    )


def test_fonts_conf_names_the_chinese_faces() -> None:
    text = (ROOT / "docs_templates" / "fonts" / "fonts.conf").read_text(encoding="utf-8")
    for family in ("SimSun", "宋体", "SimHei", "黑体", "FangSong", "仿宋", "KaiTi", "楷体",
                   "Microsoft YaHei"):  # fmt: skip
        assert re.search(rf"<family>{family}</family><prefer><family>Noto (Serif|Sans) CJK SC",
                         text), family  # fmt: skip
    assert "/etc/fonts/fonts.conf" in text
