"""Making the documents: versioned and reproducible. The inputs (context, notes, screenshots,
template) have a digest; unchanged inputs give no new version, and rendering the same inputs
again gives the same content. ``content_digest`` compares documents by their parts, since a
zip records write times.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from changeflow.bilingual import is_zh, pick
from changeflow.db.models import Document, Request
from changeflow.db.session import transaction
from changeflow.db.store import document_path
from changeflow.errors import InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act

from ..documents import Names, store_issued
from ..inputs import clean_text
from .common import CONTROL
from .context import docs_context, revision_history
from .dbchanges import data_gaps, db_changes_markdown
from .notes import read_notes, split_notes
from .outline import MANUAL, ROLES, TECHDOC, compose, coverage, fill
from .render import render_doc
from .scope import scope_text
from .screenshots import Screenshot, read_screenshots

KINDS = ("techdoc", "manual")
DOCUMENT_STATES = ("approved", "in_development", "in_testing", "live")


@dataclass
class DocInputs:
    """Everything a technical document and a user manual are made from."""

    notes: str = ""
    notes_name: str = ""
    screenshots: list[Screenshot] = field(default_factory=list)


def content_digest(docx: bytes) -> str:
    """A digest of a .docx's parts (names and bytes), blind to the zip's write times."""
    h = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        for name in sorted(zf.namelist()):
            h.update(name.encode() + b"\0" + zf.read(name) + b"\0")
    return h.hexdigest()


def input_digest(
    kind: str, lang: str, ctx: dict[str, Any], inputs: DocInputs, part: str, draft: bool = False
) -> str:
    from ..wordkit import document_digest

    shots = [(s.sha256, s.caption) for s in inputs.screenshots] if kind == "manual" else []
    return document_digest(
        kind, lang, {"context": ctx, "notes": part, "screenshots": shots, "draft": draft}
    )


@dataclass
class Outlined:
    """A document's notes laid on its outline: the Markdown to place, what is missing."""

    notes: str
    rollback: str
    missing: list[str]
    # role chapters without a screenshot (a warning: the document can still be issued)
    unpictured: list[str] = field(default_factory=list)


def _pictured(body: str, shots: Sequence[str]) -> bool:
    """The body names one of the screenshots given in an image of its own (``![...](x.png)``)."""
    return bool(set(shots) & set(image_names(body)))


def outlined(
    kind: str, part: str, ctx: dict[str, Any], lang: str, screenshots: Sequence[str] = ()
) -> Outlined:
    """The technical document's sections 引言 ... 出错处理 (and 回退方案: the notes', else
    the go-live record's steps; 数据库设计 with the schema changes read from the repository),
    or the manual's 范围, 软件综述, 首次使用, a chapter per role (each with its screenshot),
    出错与恢复, 常见问题, 快速参考, 版本说明 (the notes', else the request's description in the
    client's words). ``missing`` names every required part the notes leave out."""
    nth = 0 if is_zh(lang) else 1
    if kind == "techdoc":
        filled = fill(part, TECHDOC, lang)
        outline = TECHDOC[:-1]  # 回退方案 comes after the file list
        steps = ctx.get("rollback") or []
        rollback = filled.sections.get("rollback", "").strip() or "\n".join(
            f"{i}. {s}" for i, s in enumerate(steps, start=1)
        )
        from_repo = db_changes_markdown(ctx.get("db_changes") or [], ctx.get("db_commit", ""), lang)
        missing = list(filled.missing)
        missing += data_gaps(filled.sections.get("data", ""), bool(from_repo), lang)
        if not rollback:
            missing.append(TECHDOC[-1].title[nth])
        text = compose(
            filled, outline, lang, fallback={"data": from_repo},
            tail={"intro": scope_text(ctx, "techdoc", lang),
                  "data": from_repo if filled.sections.get("data", "").strip() else ""},
        )  # fmt: skip
        return Outlined(text, rollback, missing)
    filled = fill(part, MANUAL, lang)
    changes = ctx.get("description", "").strip()
    reqs = "\n".join(f"- {r['text']}" for r in ctx.get("requirements", []))
    if reqs:
        changes += ("\n\n本版本提供：\n\n" if is_zh(lang) else "\n\nThis version:\n\n") + reqs
    missing = list(filled.missing)
    if not filled.extra:
        at = next((i for i, s in enumerate(missing) if s == MANUAL[3].title[nth]), len(missing))
        missing.insert(at, ROLES[1][nth])
    # GB/T 8567's 使用软件指南: each role shown its screens; a role chapter without its
    # screenshot is a gap like a missing section (a final manual is refused, a draft lists it)
    unpictured = [t for t, body in filled.extra if t.strip() and not _pictured(body, screenshots)]
    missing += [unpictured_gap(t, lang) for t in unpictured]
    text = compose(
        filled, MANUAL, lang, roles_after="first_use", fallback={"changes": changes},
        tail={"intro": scope_text(ctx, "manual", lang)},
    )  # fmt: skip
    return Outlined(text, "", missing, unpictured)


def unpictured_gap(title: str, lang: str) -> str:
    """The gap a role chapter without a screenshot leaves, as the draft's notice and the
    refusal name it."""
    if is_zh(lang):
        return f"“{title}”一章的界面截图"
    return f"the screenshot of chapter {title}"


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
    draft: bool = False
    missing: list[str] = field(default_factory=list)  # sections shown as 待补充
    # requirement no -> manual sections covering it (the manual's notes; see outline.coverage)
    covers: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # e.g. a section naming requirement 9
    # the traceability matrix as the technical document shows it (requirement -> cases ->
    # result -> commits -> manual sections)
    trace: list[dict[str, Any]] = field(default_factory=list)


@recorded_act("docs")
def make_docs(
    key: str,
    *,
    notes: str = "",
    notes_name: str = "",
    screenshots: Sequence[Screenshot] = (),
    lang: str | None = None,
    actor: str | None = None,
    kinds: Sequence[str] = KINDS,
    draft: bool = False,
) -> list[DocResult]:
    """Make the technical document and the user manual of ``key`` (new versions only when
    their inputs changed), in one transaction. A required section the notes do not cover
    shows 待补充; issuing with one missing needs ``draft`` (草稿 on every page, never on an
    acceptance certificate), else nothing is written and the error names the sections."""
    from ..testing import actor_name

    lang = lang or get_settings().lang
    if lang not in ("zh-CN", "en"):
        raise InputError("--lang", "lang", "must be zh-CN or en")
    for k in kinds:
        if k not in KINDS:
            raise InputError("kinds", "kind", f"'{k}' is not techdoc or manual")
    author = clean_text(actor or actor_name(), 120) or "changeflow"
    notes = CONTROL.sub("", notes.replace("\r\n", "\n").replace("\r", "\n"))
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
        shown_author = Names(session, lang).actor(author)
        shots = [s.name for s in inputs.screenshots]
        shaped = {k: outlined(k, design if k == "techdoc" else manual, ctx, lang, shots)
                  for k in kinds}  # fmt: skip
        covers, warnings = _covers(session, req, shaped, lang)
        trace = trace_rows(session, req, lang, covers)
        if not draft:
            gaps = [
                f"{_KIND_NAMES[k][0 if lang == 'zh-CN' else 1]}: {', '.join(o.missing)}"
                for k, o in shaped.items()
                if o.missing
            ]
            if gaps:
                raise InputError(
                    notes_name or "--notes",
                    "sections",
                    "missing (待补充) " + "; ".join(gaps)
                    + " — write them in the notes (a role chapter's screenshot: ![caption](file)"
                    " in it and --screenshot file), or pass --draft to issue a draft",
                )  # fmt: skip
        for kind in kinds:
            shape = shaped[kind]
            is_draft = draft and bool(shape.missing)
            part = shape.notes + "\n\n" + shape.rollback
            kctx = ctx | {"trace": trace} if kind == "techdoc" else ctx
            digest = input_digest(kind, lang, kctx, inputs, part, is_draft)
            extra = {"trace": trace, "warnings": warnings} | (
                {"covers": {str(n): v for n, v in (covers or {}).items()}}
                if kind == "manual"
                else {}
            )
            newest = session.scalar(
                select(Document)
                .where(Document.request_id == req.id, Document.kind == kind,
                       Document.lang == lang)
                .order_by(Document.version.desc())
                .limit(1)
            )  # fmt: skip
            if newest is not None and (newest.meta or {}).get("input_digest") == digest:
                if kind == "manual" and "covers" not in (newest.meta or {}):
                    # made before the manual's coverage was kept: the same notes, so record it
                    newest.meta = {**(newest.meta or {}), "covers": extra["covers"]}
                kept = (newest.meta or {}).get("chapters")
                if kind == "manual" and (kept is None or (
                        inputs.screenshots and not any(c.get("pictures") for c in kept))):
                    # the chapters the OA manual takes in (tasks.oamanual), kept likewise
                    # (and their pictures, for a manual made before they were kept)
                    newest.meta = {**(newest.meta or {}),
                                   "chapters": manual_chapters(manual, lang, inputs.screenshots)}
                out.append(_result(newest, new=False, missing=shape.missing, **extra))
                continue
            version = (newest.version + 1) if newest is not None else 1
            data = render_doc(
                kind,
                kctx | {"history": revision_history(session, req)},
                version=version,
                lang=lang,
                when=when,
                notes=shape.notes,
                screenshots=inputs.screenshots if kind == "manual" else (),
                author=shown_author,  # the contract's person, else 乙方 (tasks.documents)
                rollback=shape.rollback,
                draft=is_draft,
                missing=shape.missing,
            )
            doc = store_issued(
                session,
                data,
                subject=key,
                kind=kind,
                request=req,
                version=version,
                lang=lang,
                meta={
                    "input_digest": digest,
                    "content_digest": content_digest(data),
                    "notes": notes_name,
                    "screenshots": [s.name for s in inputs.screenshots] if kind == "manual"
                    else [],
                    "author": author,
                    "draft": is_draft,
                    "missing": shape.missing,
                    **({"covers": extra["covers"]} if kind == "manual" else {}),
                    # the role chapters the client's OA manual takes in (tasks.oamanual)
                    **({"chapters": manual_chapters(manual, lang, inputs.screenshots)}
                       if kind == "manual" else {}),
                    # what the go-live record takes from the design notes (data, deployment)
                    **({"sections": design_sections(design, lang)} if kind == "techdoc" else {}),
                    # the schema changes read from the repository (the go-live record's too)
                    **({"db_changes": ctx.get("db_changes") or [],
                        "db_commit": ctx.get("db_commit") or ""} if kind == "techdoc" else {}),
                },
            )  # fmt: skip
            out.append(_result(doc, new=True, missing=shape.missing, **extra))
    return out


_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?")


def image_names(body: str) -> list[str]:
    """The file names a Markdown text's images point at (``![...](x.png)``), in order."""
    from pathlib import PurePosixPath
    from urllib.parse import unquote

    names: list[str] = []
    for m in _IMAGE.finditer(body):
        name = PurePosixPath(unquote(m.group(1))).name
        if name not in names:
            names.append(name)
    return names


def manual_chapters(
    manual: str, lang: str, screenshots: Sequence[Screenshot] = ()
) -> list[dict[str, Any]]:
    """The manual notes' chapters per role (申请人, 审批人 ...: the top-level headings that are
    not 引言/运行环境/常见问题/版本说明), as the OA manual merges them: title, Markdown and
    the pictures the chapter shows (``pictures``: name, caption, the PNG/JPEG in base64), so
    the OA manual places them as the request's manual does."""
    import base64

    from .outline import MANUAL, fill

    if not manual.strip():
        return []
    by_name = {s.name: s for s in screenshots}
    out: list[dict[str, Any]] = []
    for t, b in fill(manual, MANUAL, lang).extra:
        if not t.strip():
            continue
        shots = [by_name[n] for n in image_names(b) if n in by_name]
        pictures = [{"name": s.name, "caption": s.caption,
                     "data": base64.b64encode(s.data).decode("ascii")} for s in shots]  # fmt: skip
        out.append({"title": t, "body": b, **({"pictures": pictures} if pictures else {})})
    return out


def design_sections(design: str, lang: str) -> dict[str, str]:
    """The design notes' data, deployment and rollback sections (Markdown)."""
    from .outline import TECHDOC, fill

    found = fill(design, TECHDOC, lang).sections if design.strip() else {}
    return {k: found[k] for k in ("data", "deploy", "rollback") if found.get(k, "").strip()}


_KIND_NAMES = {"techdoc": ("技术文档", "technical document"), "manual": ("用户手册", "manual")}


def _covers(
    session: Any, req: Request, shaped: dict[str, Outlined], lang: str
) -> tuple[dict[int, list[str]] | None, list[str]]:
    """Requirement no -> manual sections: from the manual being made, else the newest stored
    one (None: no manual yet); and a warning per requirement number the task book lacks."""
    from ..testing import manual_sections, name_pattern

    if "manual" not in shaped:
        return manual_sections(session, req, lang), []
    settings = dict(req.contract.settings or {}) if req.contract else {}
    found = coverage(shaped["manual"].notes, name_pattern(settings))
    known = {r.no for r in req.requirements}
    have = "、".join(str(n) for n in sorted(known)) or "—"
    warnings = [
        f"用户手册“{'、'.join(where)}”指向需求{n}，任务书没有该需求（只有需求 {have}）"
        f" / the manual's section {', '.join(where)} names requirement {n}, which the task"
        f" book does not have"
        for n, where in sorted(found.items())
        if n not in known
    ]
    return {n: w for n, w in found.items() if n in known}, warnings


def trace_rows(
    session: Any, req: Request, lang: str, covers: dict[int, list[str]] | None
) -> list[dict[str, Any]]:
    """The traceability matrix as the technical document shows it (one text per column)."""
    from ..testing import latest_run, traceability

    zh = is_zh(lang)
    sep = "；" if zh else "; "
    rows = []
    for r in traceability(session, req, lang, latest_run(session, req), manual=covers):
        rows.append(
            {
                "no": r["no"],
                "text": r["text"],
                "cases": sep.join(f"{c['case']}（{c['outcome_text']}）" if zh
                                  else f"{c['case']} ({c['outcome_text']})"
                                  for c in r["cases"])
                or pick(("（无测试用例）", "(no test case)"), lang),
                "result": r["result_text"],
                "commits": " ".join(r["commits"]) or "—",
                "manual": ("、" if zh else ", ").join(r["manual"]) or "—",
            }
        )  # fmt: skip
    return rows


def _result(
    doc: Document,
    *,
    new: bool,
    missing: list[str] | None = None,
    covers: dict[str, list[str]] | None = None,
    warnings: list[str] | None = None,
    trace: list[dict[str, Any]] | None = None,
) -> DocResult:
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
        draft=bool(meta.get("draft")),
        missing=list(missing if missing is not None else meta.get("missing", [])),
        covers=dict(covers if covers is not None else meta.get("covers", {})),
        warnings=list(warnings or []),
        trace=list(trace or []),
    )


@recorded_act("docs")
def make_docs_from_files(
    key: str,
    *,
    notes_path: Path | None = None,
    screenshot_paths: Sequence[Path] = (),
    lang: str | None = None,
    actor: str | None = None,
    draft: bool = False,
) -> list[DocResult]:
    """``changeflow docs KEY [--notes FILE.md] [--screenshot FILE ...] [--draft]``."""
    notes = read_notes(notes_path)
    shots = read_screenshots(list(screenshot_paths))
    return make_docs(
        key,
        notes=notes,
        notes_name=Path(notes_path).name if notes_path else "",
        screenshots=shots,
        lang=lang,
        actor=actor,
        draft=draft,
    )
