"""Technical document (技术文档) and user manual (用户手册) of a request.

Both come from templates with the request's requirements, its plan, the design notes the
team writes in Markdown, the modules changed by the linked commits (paths grouped by
module) and screenshots. Why it is shaped like this:

* Markdown becomes real Word structure (headings, lists, tables, code blocks, bold,
  italic, code, links) through markdown-it's token stream with HTML off: raw HTML shows as
  the text it is, never as markup; links are written out, never fetched; images in the
  Markdown are shown by their alt text (pictures come only from ``screenshots``).
* Screenshots are checked before anything opens them: size, PNG/JPEG magic bytes, a
  picture header python-docx can read, sensible pixel dimensions.
* Versioned and reproducible: the inputs (context, notes, screenshots, template) have a
  digest; unchanged inputs give no new version, and rendering the same inputs again gives
  the same content (the core-property time comes from the inputs, not from now).
  ``content_digest`` compares documents by their parts, since a zip records write times.
* The notes' part for users: everything after a level-1 heading "用户手册", "使用说明",
  "操作说明" or "User manual" goes to the manual; the rest is the technical design.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Document, Request
from changeflow.db.session import transaction
from changeflow.db.store import document_path, put_document
from changeflow.errors import InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings

from .inputs import clean_text, read_limited

KINDS = ("techdoc", "manual")
DOCUMENT_STATES = ("approved", "in_development", "in_testing", "live")
MAX_NOTES_BYTES = 512 * 1024
MAX_SCREENSHOTS = 20
MAX_SCREENSHOT_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 12_000
PICTURE_WIDTH_MM = 150
MONO = "Consolas"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
MANUAL_HEADINGS = {"用户手册", "使用说明", "操作说明", "user manual", "how to use"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh-CN" else pair[1]


# --- Markdown to Word ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _md_parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def split_notes(text: str) -> tuple[str, str]:
    """(design notes, manual notes): the manual part starts at a level-1 heading such as
    '# 用户手册' and runs to the next level-1 heading."""
    tokens = _md_parser().parse(text)
    lines = [line + "\n" for line in text.split("\n")]  # markdown-it's lines (not \x0b...)
    start = end = None
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open" or tok.tag != "h1" or tok.map is None:
            continue
        title = tokens[i + 1].content.strip().lower().rstrip(":：")
        if start is None and title in MANUAL_HEADINGS:
            start = tok.map[0]
        elif start is not None and end is None:
            end = tok.map[0]
    if start is None:
        return text, ""
    manual = "".join(lines[start + 1 : end])
    design = "".join(lines[:start] + (lines[end:] if end is not None else []))
    return design.removesuffix("\n"), manual.removesuffix("\n")


class MarkdownWriter:
    """Writes markdown-it tokens as paragraphs, lists and tables before ``anchor``."""

    def __init__(self, doc: Any, anchor: Any, base_heading: int = 2) -> None:
        self.doc, self.anchor, self.base = doc, anchor, base_heading
        self.lists: list[dict[str, Any]] = []  # {"ordered": bool, "n": int}
        self.quote = 0
        # style name -> id, looked up once (python-docx searches every style per lookup)
        self.style_ids = {s.name: s.style_id for s in doc.styles}

    # placement ------------------------------------------------------------------
    def _para(self, style: str | None = None) -> Any:
        p = self.doc.add_paragraph()
        if style is not None and style in self.style_ids:
            p._p.style = self.style_ids[style]
        self.anchor.addprevious(p._p)
        return p

    def _table(self, rows: int, cols: int) -> Any:
        t = self.doc.add_table(rows=rows, cols=cols)
        if "Table Grid" in self.style_ids:
            t._tbl.tblPr.style = self.style_ids["Table Grid"]
        self.anchor.addprevious(t._tbl)
        return t

    # inline ---------------------------------------------------------------------
    def inline(self, p: Any, children: Sequence[Any]) -> None:
        bold = italic = strike = False
        link: str | None = None
        link_text: list[str] = []
        for tok in children:
            t = tok.type
            if t == "strong_open":
                bold = True
            elif t == "strong_close":
                bold = False
            elif t == "em_open":
                italic = True
            elif t == "em_close":
                italic = False
            elif t == "s_open":
                strike = True
            elif t == "s_close":
                strike = False
            elif t == "link_open":
                link = str(tok.attrs.get("href") or "")
                link_text = []
            elif t == "link_close":
                shown = "".join(link_text)
                if link and link != shown and not link.startswith("#"):
                    self._run(p, f" ({link})", color=True)
                link = None
            elif t in ("text", "html_inline"):
                run = self._run(p, tok.content, bold=bold, italic=italic or self.quote > 0)
                if strike:
                    run.font.strike = True
                if link is not None:
                    link_text.append(tok.content)
                    run.underline = True
                    run.font.color.rgb = RGBColor(0x1F, 0x4E, 0x79)
            elif t == "code_inline":
                self._run(p, tok.content, mono=True, bold=bold)
            elif t == "softbreak":
                self._run(p, " ")
            elif t == "hardbreak":
                p.add_run().add_break()
            elif t == "image":
                alt = tok.content or "".join(c.content for c in tok.children or [])
                self._run(p, f"[{alt or 'image'}]", italic=True)

    def _run(
        self,
        p: Any,
        text: str,
        *,
        bold: bool = False,
        italic: bool = False,
        mono: bool = False,
        color: bool = False,
    ) -> Any:
        run = p.add_run(_CONTROL.sub("", text))
        if bold:
            run.bold = True
        if italic:
            run.italic = True
        if mono:
            _mono(run)
        if color:
            run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        return run

    # blocks ---------------------------------------------------------------------
    def write(self, tokens: Sequence[Any]) -> None:
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            t = tok.type
            if t == "heading_open":
                level = min(self.base + int(tok.tag[1]) - 1, 4)
                p = self._para(f"Heading {level}")
                self.inline(p, tokens[i + 1].children or [])
                i += 3
                continue
            if t == "paragraph_open":
                p = (
                    self._list_paragraph()
                    if self.lists
                    else self._para("Quote" if self.quote else None)
                )
                self.inline(p, tokens[i + 1].children or [])
                i += 3
                continue
            if t in ("bullet_list_open", "ordered_list_open"):
                start = int(tok.attrs.get("start") or 1) if t == "ordered_list_open" else 1
                self.lists.append({"ordered": t == "ordered_list_open", "n": start - 1,
                                   "fresh": False})  # fmt: skip
            elif t in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif t == "list_item_open":
                self.lists[-1]["n"] += 1
                self.lists[-1]["fresh"] = True
            elif t == "blockquote_open":
                self.quote += 1
            elif t == "blockquote_close":
                self.quote -= 1
            elif t in ("fence", "code_block"):
                self.code(tok.content)
            elif t == "table_open":
                i = self.table(tokens, i)
                continue
            elif t == "hr":
                p = self._para()
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                p.add_run("* * *")
            elif t == "html_block":  # not produced with html off; shown as text if it is
                self._para().add_run(_CONTROL.sub("", tok.content))
            i += 1

    def _list_paragraph(self) -> Any:
        depth = len(self.lists)
        top = self.lists[-1]
        if top["ordered"]:
            p = self._para()
            p.paragraph_format.left_indent = Mm(7 * depth)
            p.paragraph_format.first_line_indent = Mm(-6)
            if top["fresh"]:
                p.add_run(f"{top['n']}. ")
        else:
            style = "List Bullet" if depth == 1 else f"List Bullet {min(depth, 3)}"
            p = self._para(style if top["fresh"] else None)
            if not top["fresh"]:
                p.paragraph_format.left_indent = Mm(7 * depth)
        top["fresh"] = False
        return p

    def code(self, text: str) -> None:
        lines = _CONTROL.sub("", text.replace("\t", "    ")).rstrip("\n").split("\n")
        for line in lines:
            p = self._para()
            fmt = p.paragraph_format
            fmt.space_before = fmt.space_after = Pt(0)
            fmt.left_indent = Mm(4)
            _shade(p)
            _mono(p.add_run(line or " "))

    def table(self, tokens: Sequence[Any], i: int) -> int:
        rows: list[list[tuple[Any, str]]] = []
        header_rows = 0
        in_head = False
        j = i + 1
        while tokens[j].type != "table_close":
            t = tokens[j].type
            if t == "thead_open":
                in_head = True
            elif t == "thead_close":
                in_head = False
            elif t == "tr_open":
                rows.append([])
                if in_head:
                    header_rows += 1
            elif t in ("th_open", "td_open"):
                style = str(tokens[j].attrs.get("style") or "")
                rows[-1].append((tokens[j + 1], style))
                j += 2
            j += 1
        cols = max((len(r) for r in rows), default=1)
        table = self._table(len(rows), cols)
        for r, row in enumerate(rows):
            cells = table.rows[r].cells
            for c, (inline, style) in enumerate(row):
                p = cells[c].paragraphs[0]
                self.inline(p, inline.children or [])
                if "right" in style:
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                elif "center" in style:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                for run in p.runs:
                    run.font.size = Pt(9)
                    if r < header_rows:
                        run.bold = True
        if header_rows:
            tr_pr = table.rows[0]._tr.get_or_add_trPr()
            tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {}))
        self._para()  # space after the table
        return j + 1


def _mono(run: Any) -> None:
    run.font.name = MONO
    run.font.size = Pt(8.5)
    rfonts = run._r.get_or_add_rPr().find(qn("w:rFonts"))
    if rfonts is not None:
        rfonts.set(qn("w:eastAsia"), "SimSun")


def _shade(p: Any) -> None:
    ppr = p._p.get_or_add_pPr()
    shd = ppr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto",
                                        qn("w:fill"): "F2F2F2"})  # fmt: skip
    ppr.append(shd)


def write_markdown(doc: Any, anchor: Any, text: str, base_heading: int = 2) -> None:
    """Replace the paragraph element ``anchor`` by ``text`` rendered as Word structure."""
    MarkdownWriter(doc, anchor, base_heading).write(_md_parser().parse(text))


# --- screenshots ----------------------------------------------------------------------------


@dataclass
class Screenshot:
    name: str
    data: bytes
    caption: str
    width_px: int = 0
    height_px: int = 0

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_screenshot(data: bytes, source: str, caption: str | None = None) -> Screenshot:
    """A PNG or JPEG within the size limits, by its bytes (the file name does not count)."""
    if not data:
        raise InputError(source, "screenshot", "is empty")
    if len(data) > MAX_SCREENSHOT_BYTES:
        raise InputError(
            source, "screenshot", f"is {len(data)} bytes; the limit is {MAX_SCREENSHOT_BYTES}"
        )
    if not (data.startswith(PNG_MAGIC) or data.startswith(JPEG_MAGIC)):
        raise InputError(source, "screenshot", "is not a PNG or JPEG picture")
    from docx.image.image import Image

    try:
        img = Image.from_blob(data)
        width, height = img.px_width, img.px_height
    except Exception:
        raise InputError(source, "screenshot", "is a damaged picture (no readable size)") from None
    if not (0 < width <= MAX_PIXELS and 0 < height <= MAX_PIXELS):
        raise InputError(
            source, "screenshot", f"is {width}x{height} pixels; at most {MAX_PIXELS} a side"
        )
    name = Path(source).name
    text = clean_text(caption if caption is not None else Path(name).stem, 200)
    return Screenshot(name=name, data=data, caption=text, width_px=width, height_px=height)


def read_screenshots(paths: Sequence[Path]) -> list[Screenshot]:
    if len(paths) > MAX_SCREENSHOTS:
        raise InputError("--screenshot", "screenshot", f"at most {MAX_SCREENSHOTS} pictures")
    return [check_screenshot(read_limited(Path(p), MAX_SCREENSHOT_BYTES), str(p)) for p in paths]


def write_screenshots(doc: Any, anchor: Any, shots: Sequence[Screenshot], lang: str) -> None:
    for n, shot in enumerate(shots, start=1):
        p = doc.add_paragraph()
        anchor.addprevious(p._p)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        natural = Mm(shot.width_px * 25.4 / 96)
        width = min(natural, Mm(PICTURE_WIDTH_MM))
        p.add_run().add_picture(io.BytesIO(shot.data), width=width)
        cap = doc.add_paragraph(style="Caption")
        anchor.addprevious(cap._p)
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        label = f"图 {n}  " if lang == "zh-CN" else f"Figure {n}. "
        cap.add_run(label + shot.caption)


# --- inputs ---------------------------------------------------------------------------------


@dataclass
class DocInputs:
    """Everything a technical document and a user manual are made from."""

    notes: str = ""
    notes_name: str = ""
    screenshots: list[Screenshot] = field(default_factory=list)


def read_notes(path: Path | None) -> str:
    if path is None:
        return ""
    data = read_limited(Path(path), MAX_NOTES_BYTES)
    return decode_notes(data, str(path))


def decode_notes(data: bytes, source: str) -> str:
    if len(data) > MAX_NOTES_BYTES:
        raise InputError(source, "notes", f"is {len(data)} bytes; the limit is {MAX_NOTES_BYTES}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(source, "notes", f"is not UTF-8 text (byte {exc.start})") from None
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _plan(session: Session, req: Request) -> Any:
    """The approved plan version if there is one, else the newest."""
    from changeflow.db.planning import Plan

    plans = session.scalars(
        select(Plan).where(Plan.request_id == req.id).order_by(Plan.version.desc())
    ).all()
    if not plans:
        return None
    try:
        from changeflow.db.approval import Approval

        ok = session.scalar(
            select(Approval.subject_version)
            .where(Approval.request_id == req.id, Approval.subject_kind == "plan",
                   Approval.decision == "approve")
            .order_by(Approval.subject_version.desc())
        )  # fmt: skip
    except Exception:  # approvals not installed
        ok = None
    return next((p for p in plans if p.version == ok), plans[0])


def _commits(session: Session, req: Request) -> list[dict[str, Any]]:
    from changeflow.db.git import Commit, CommitLink

    rows = session.scalars(
        select(Commit)
        .join(CommitLink, CommitLink.commit_id == Commit.id)
        .where(CommitLink.request_id == req.id, Commit.reachable.is_(True))
        .order_by(Commit.committed_at, Commit.id)
    ).all()
    return [
        {
            "sha": c.sha,
            "date": c.authored_at,
            "author": c.author_name,
            "subject": (c.message or "").splitlines()[0] if c.message else "",
            "paths": [p for p in (c.paths or "").splitlines() if p],
            "merge": c.is_merge,
        }
        for c in rows
    ]


def _commits_from_git(session: Session, req: Request) -> list[dict[str, Any]]:
    """The commits a go-live now would include, read from the contract's repository."""
    from .golive import included_commits
    from .testing import project_repo, release_commit

    try:
        repo = project_repo(session, req)
        sha = release_commit(session, req, repo, None)
        found, _ = included_commits(session, req, repo, sha)
    except InputError:
        return []
    return [{**c, "date": datetime.fromisoformat(c["date"])} for c in reversed(found)]


def docs_context(session: Session, req: Request, lang: str) -> tuple[dict[str, Any], datetime]:
    """The template context (without the version) and the time the inputs are from."""
    from .golive import group_modules, latest_release, localise_groups, localise_modules
    from .planning import PHASE_LABELS, ROLE_LABELS, pd_text
    from .testing import latest_run, tests_line

    tz = get_settings().tz
    contract = req.contract
    plan = _plan(session, req)
    commits = _commits(session, req)
    release = latest_release(session, req)
    run = latest_run(session, req)
    paths = sorted({p for c in commits for p in c["paths"]})
    modules = group_modules(paths, lang)
    if not commits and release is not None:  # not synced: what the go-live read from git
        modules = localise_modules((release.data or {}).get("modules", []), lang)
        commits = [
            {**c, "date": datetime.fromisoformat(c["date"]), "paths": []}
            for c in reversed(release.commits or [])
        ]
    elif not commits:  # not synced, not released: read the request's commits from git
        commits = _commits_from_git(session, req)
        modules = group_modules(sorted({p for c in commits for p in c["paths"]}), lang)
    times = [req.created_at]
    times += [c["date"] for c in commits]
    if plan is not None:
        times.append(plan.created_at)
    if release is not None:
        times.append(release.released_at)
    if run is not None:
        times.append(run.created_at)
    when = max(t for t in times if t is not None).astimezone(UTC).replace(microsecond=0)
    none = _pick(("（无）", "(none)"), lang)
    our = contract.our_lead if contract else None
    phases = (plan.data or {}).get("phases", {}) if plan is not None else {}
    ctx = {
        "key": req.key,
        "title": req.title,
        "client": req.client.name if req.client else "",
        "contract": f"{contract.code} {contract.title}" if contract else "",
        "issued": when.astimezone(tz).date().isoformat(),
        "description": req.description or "",
        "plan_version": f"v{plan.version}" if plan is not None else none,
        "release": f"v{release.version} ({release.tag})" if release is not None else none,
        "requirements": [
            {"no": r.no, "text": r.text, "acceptance": r.acceptance or "—"}
            for r in req.requirements
        ],
        "phases": [
            {
                "phase": _pick(PHASE_LABELS.get(p, (p, p)), lang),
                "start": v.get("start", ""),
                "end": v.get("end", ""),
            }
            for p, v in phases.items()
        ],
        "items": [
            {
                "seq": it.seq,
                "title": it.title,
                "role": _pick(ROLE_LABELS.get(it.role, (it.role, it.role)), lang),
                "assignee": it.assignee.name if it.assignee else "—",
                "person_days": pd_text(it.person_days),
            }
            for it in (plan.items if plan is not None else [])
        ],
        "modules": [
            {"name": m["name"], "files": m["files"], "paths": "\n".join(m.get("paths", [])[:30])}
            for m in modules
        ],
        "commits": [
            {
                "sha": c["sha"][:8],
                "date": c["date"].astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                "author": c["author"],
                "subject": c["subject"],
            }
            for c in commits
        ],
        "tests": tests_line(run, lang) if run is not None else none,
        "tag": release.tag if release is not None else none,
        "commit": release.commit_sha if release is not None else none,
        "rollback": (release.data or {}).get("rollback", []) if release is not None else [],
        "groups": localise_groups((release.data or {}).get("groups", []), lang)
        if release is not None
        else [],
        "our_lead": our.name if our else "",
        "our_phone": (our.phone or "") if our else "",
        "our_email": (our.email or "") if our else "",
    }
    return ctx, when


def content_digest(docx: bytes) -> str:
    """A digest of a .docx's parts (names and bytes), blind to the zip's write times."""
    h = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        for name in sorted(zf.namelist()):
            h.update(name.encode() + b"\0" + zf.read(name) + b"\0")
    return h.hexdigest()


def input_digest(kind: str, lang: str, ctx: dict[str, Any], inputs: DocInputs, part: str) -> str:
    from .wordkit import document_digest

    shots = [(s.sha256, s.caption) for s in inputs.screenshots] if kind == "manual" else []
    return document_digest(kind, lang, {"context": ctx, "notes": part, "screenshots": shots})


def render_doc(
    kind: str,
    ctx: dict[str, Any],
    *,
    version: int,
    lang: str,
    when: datetime,
    notes: str,
    screenshots: Sequence[Screenshot],
    author: str,
) -> bytes:
    """Render the technical document or the manual with its Markdown part and pictures."""
    from changeflow.docs_templates.tpl_manual import TITLE as MANUAL_TITLE
    from changeflow.docs_templates.tpl_techdoc import (
        MANUAL_MARKER,
        NOTES_MARKER,
        SCREENSHOTS_MARKER,
    )
    from changeflow.docs_templates.tpl_techdoc import TITLE as TECH_TITLE

    from .wordkit import clean, render

    empty = {
        "techdoc": ("（未提供设计说明）", "(no design notes given)"),
        "manual": ("（未提供操作说明）", "(no instructions given)"),
        "shots": ("（未提供截图）", "(no screenshots given)"),
    }

    def post(tpl: Any) -> None:
        doc = tpl.docx
        for p in list(doc.paragraphs):
            marker = p.text.strip()
            if marker in (NOTES_MARKER, MANUAL_MARKER):
                which = "techdoc" if marker == NOTES_MARKER else "manual"
                if notes.strip():
                    write_markdown(doc, p._p, notes)
                else:
                    doc_p = doc.add_paragraph(_pick(empty[which], lang))
                    p._p.addprevious(doc_p._p)
                p._p.getparent().remove(p._p)
            elif marker == SCREENSHOTS_MARKER:
                if screenshots:
                    write_screenshots(doc, p._p, screenshots, lang)
                else:
                    doc_p = doc.add_paragraph(_pick(empty["shots"], lang))
                    p._p.addprevious(doc_p._p)
                p._p.getparent().remove(p._p)

    title = _pick(TECH_TITLE if kind == "techdoc" else MANUAL_TITLE, lang)
    return render(
        kind,
        ctx | {"version": version, "author": author},
        lang=lang,
        title=f"{title} {ctx['key']} v{version}",
        subject=clean(ctx["title"]),
        author=author,
        when=when,
        post=post,
        custom_properties={
            "changeflow.kind": kind,
            "changeflow.request": ctx["key"],
            "changeflow.version": str(version),
            "changeflow.lang": lang,
        },
    )


@dataclass
class DocResult:
    kind: str
    version: int
    lang: str
    new: bool  # False: the inputs had not changed, the existing version stands
    document: str
    sha256: str
    content_digest: str
    input_digest: str


def make_docs(
    key: str,
    *,
    notes: str = "",
    notes_name: str = "",
    screenshots: Sequence[Screenshot] = (),
    lang: str | None = None,
    actor: str | None = None,
    kinds: Sequence[str] = KINDS,
) -> list[DocResult]:
    """Make the technical document and the user manual of ``key`` (new versions only when
    their inputs changed), in one transaction."""
    from .testing import actor_name

    lang = lang or get_settings().lang
    if lang not in ("zh-CN", "en"):
        raise InputError("--lang", "lang", "must be zh-CN or en")
    for k in kinds:
        if k not in KINDS:
            raise InputError("kinds", "kind", f"'{k}' is not techdoc or manual")
    author = clean_text(actor or actor_name(), 120) or "changeflow"
    notes = _CONTROL.sub("", notes.replace("\r\n", "\n").replace("\r", "\n"))
    design, manual = split_notes(notes) if notes else ("", "")
    inputs = DocInputs(notes=notes, notes_name=notes_name, screenshots=list(screenshots))
    out: list[DocResult] = []
    with transaction() as session:
        req = session.scalar(select(Request).where(Request.key == key))
        if req is None:
            raise NotFoundError(f"no request {key}")
        if req.state not in DOCUMENT_STATES:
            raise TransitionError(
                key, req.state, req.state, "documents are made once the plan is approved and"
                " until the request is accepted"
            )  # fmt: skip
        ctx, when = docs_context(session, req, lang)
        for kind in kinds:
            part = design if kind == "techdoc" else manual
            digest = input_digest(kind, lang, ctx, inputs, part)
            newest = session.scalar(
                select(Document)
                .where(Document.request_id == req.id, Document.kind == kind,
                       Document.lang == lang)
                .order_by(Document.version.desc())
                .limit(1)
            )  # fmt: skip
            if newest is not None and (newest.meta or {}).get("input_digest") == digest:
                out.append(_result(newest, new=False))
                continue
            version = (newest.version + 1) if newest is not None else 1
            data = render_doc(
                kind,
                ctx,
                version=version,
                lang=lang,
                when=when,
                notes=part,
                screenshots=inputs.screenshots if kind == "manual" else (),
                author=author,
            )
            doc = put_document(
                session,
                data,
                kind=kind,
                request=req,
                filename=f"{key}-{kind}-v{version}.docx",
                version=version,
                lang=lang,
                meta={
                    "input_digest": digest,
                    "content_digest": content_digest(data),
                    "notes": notes_name,
                    "screenshots": [s.name for s in inputs.screenshots] if kind == "manual"
                    else [],
                    "author": author,
                },
            )  # fmt: skip
            out.append(_result(doc, new=True))
    return out


def _result(doc: Document, *, new: bool) -> DocResult:
    meta = doc.meta or {}
    return DocResult(
        kind=doc.kind,
        version=doc.version,
        lang=doc.lang,
        new=new,
        document=str(document_path(doc)),
        sha256=doc.sha256,
        content_digest=meta.get("content_digest", ""),
        input_digest=meta.get("input_digest", ""),
    )


def make_docs_from_files(
    key: str,
    *,
    notes_path: Path | None = None,
    screenshot_paths: Sequence[Path] = (),
    lang: str | None = None,
    actor: str | None = None,
) -> list[DocResult]:
    """``changeflow docs KEY [--notes FILE.md] [--screenshot FILE ...]``."""
    notes = read_notes(notes_path)
    shots = read_screenshots(list(screenshot_paths))
    return make_docs(
        key,
        notes=notes,
        notes_name=Path(notes_path).name if notes_path else "",
        screenshots=shots,
        lang=lang,
        actor=actor,
    )
