"""The client's OA manual (OA系统使用手册) kept current: merged, rendered, stored, found.

``merge_accepted`` takes every accepted request of a contract not merged yet, reads the role
chapters its newest user manual was made from (``delivery_docs``: kept in the manual's
record as ``chapters``), and makes the manual's next version with its revision record
(``OaManualVersion``: the requests and the chapters they changed), rendered and stored
(kind ``oa-manual``, version, sha256) in the same transaction. ``current_oa_manual`` is the
stored document of the newest version (the board links it). A request's own manual is made
as before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import is_zh
from changeflow.db.models import Contract, Document, Request
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import ConflictError, InputError, NotFoundError
from changeflow.settings import get_settings

from ..acttime import show
from ..directory import find_contract
from ..documents import store_issued
from .chapters import compose, merge_chapters, picture_name

KIND = "oa-manual"


def _contract(session: Session, code: str | None) -> Contract:

    today = utcnow().astimezone(get_settings().tz).date()
    return find_contract(session, code, today, "oa manual")


def latest_version(session: Session, contract: Contract) -> Any:
    from changeflow.db.training import OaManualVersion

    return session.scalar(
        select(OaManualVersion)
        .where(OaManualVersion.contract_id == contract.id)
        .order_by(OaManualVersion.version.desc())
        .limit(1)
    )


def _merged_keys(session: Session, contract: Contract) -> set[str]:
    from changeflow.db.training import OaManualVersion

    return {
        k
        for v in session.scalars(
            select(OaManualVersion).where(OaManualVersion.contract_id == contract.id)
        )
        for k in v.requests or []
    }


def request_chapters(session: Session, req: Request, lang: str) -> list[dict[str, str]] | None:
    """The role chapters of the request's newest user manual (in ``lang`` when made in it,
    else in the other language); None when it has no manual or one made before chapters were
    kept."""
    docs = list(
        session.scalars(
            select(Document)
            .where(Document.request_id == req.id, Document.kind == "manual")
            .order_by(Document.version.desc(), Document.id.desc())
        )
    )
    docs.sort(key=lambda d: d.lang != lang)  # stable: newest in ``lang`` first
    for d in docs:
        if "chapters" in (d.meta or {}):
            return list(d.meta["chapters"])
    return None


def _revision_rows(session: Session, contract: Contract, lang: str) -> list[dict[str, str]]:
    from changeflow.db.training import OaManualVersion
    from changeflow.wording import version_label

    zh = is_zh(lang)
    sep = "、" if zh else ", "
    rows = []
    for v in session.scalars(
        select(OaManualVersion)
        .where(OaManualVersion.contract_id == contract.id)
        .order_by(OaManualVersion.version)
    ):
        titles = sep.join(v.note.split("\n")) if v.note else ""
        change = (f"并入章节：{titles}" if zh else f"Chapters merged: {titles}") if titles else "-"
        rows.append(
            {
                "version": version_label(v.version, lang),
                "date": show(v.created_at)[:10],
                "change": change,
                "requests": sep.join(v.requests or []) or "-",
            }
        )
    return rows


def chapter_pictures(chapters: list[dict[str, Any]]) -> dict[str, Any]:
    """The pictures the chapters carry (from their requests' manuals, kept with the version),
    by the name ``compose`` gives them, checked as a request's screenshots are."""
    import base64

    from ..delivery_docs.screenshots import check_screenshot

    out: dict[str, Any] = {}
    for n, c in enumerate(chapters, 1):
        for pic in c.get("pictures") or []:
            name = picture_name(n, str(pic.get("name", "")))
            data = base64.b64decode(pic.get("data") or "")
            shot = check_screenshot(data, name, pic.get("caption"))
            out[name] = shot
    return out


def render_version(session: Session, contract: Contract, row: Any, lang: str) -> Document:
    """Render the manual as of version ``row`` and store it (kind, version, sha256)."""
    from changeflow.docs_templates.tpl_oamanual import NO_CHAPTERS, OA_MARKER
    from changeflow.docs_templates.tpl_techdoc import CHAPTERS_MARKER

    from ..delivery_docs.markdown import write_markdown
    from ..wordkit import render

    chapters = list(row.chapters or [])
    text = compose(chapters, lang)
    pictures = chapter_pictures(chapters)

    def post(tpl: Any) -> None:
        doc = tpl.docx
        for p in list(doc.paragraphs):
            if p.text.strip() == OA_MARKER:
                if text.strip():
                    write_markdown(doc, p._p, text, base_heading=1, pictures=pictures,
                                   lang=lang)
                    for q in doc.paragraphs:  # a chapter's source line stays with its text
                        if q.text.startswith(("本章依据：", "From: ")):
                            q.paragraph_format.keep_with_next = True
                else:
                    p._p.addprevious(doc.add_paragraph(NO_CHAPTERS[0 if is_zh(lang) else 1])._p)
                p._p.getparent().remove(p._p)
        heads = [
            p.text.strip()
            for p in doc.paragraphs
            if p.style is not None and p.style.name == "Heading 1" and p.text.strip()
        ]
        for p in list(doc.paragraphs):
            if p.text.strip() == CHAPTERS_MARKER:
                for h in heads:
                    p._p.addprevious(doc.add_paragraph(h)._p)
                p._p.getparent().remove(p._p)

    title = ("OA系统使用手册" if is_zh(lang) else "OA System User Manual") + f" {contract.code}"
    data = render(
        KIND,
        {
            "contract": f"{contract.code} {contract.title}".strip(),
            "version": row.version,
            "issued": show(row.created_at)[:10],
            "revisions": _revision_rows(session, contract, lang),
            "no_chapters": [],
        },
        lang=lang,
        title=title,
        subject=contract.code,
        post=post,
        contract=contract,
    )
    stored = store_issued(
        session, data, subject=contract.code, kind=KIND, version=row.version,
        lang=lang, meta={"contract": contract.code, "oa_manual_version": row.version},
    )  # fmt: skip
    if row.document_id is None:
        row.document = stored
    return stored


def _unchanged(contract: Contract, last: Any, **more: Any) -> dict[str, Any]:
    """The result of a merge that made no new version: the current one stands."""
    return {
        "contract": contract.code, "version": last.version if last else 0, "new": False,
        "merged": [], "document": last.document.path if last and last.document else None,
        **more,
    }  # fmt: skip


def _new_version(
    session: Session, contract: Contract, last: Any, merged: list[str],
    chapters: list[Any], titles: list[str], actor: str, lang: str,
) -> dict[str, Any]:  # fmt: skip
    """The next version of ``contract``'s manual with ``merged``'s chapters, rendered and
    stored in the caller's transaction; the merge's result."""
    from changeflow.db.training import OaManualVersion

    row = OaManualVersion(
        contract=contract, version=(last.version + 1) if last else 1, requests=merged,
        chapters=chapters, note="\n".join(titles), created_by=actor,
    )  # fmt: skip
    session.add(row)
    session.flush()
    stored = render_version(session, contract, row, lang)
    session.flush()
    return {
        "contract": contract.code, "version": row.version, "new": True, "merged": merged,
        "chapters": titles, "document": stored.path, "sha256": stored.sha256,
    }  # fmt: skip


def merge_accepted(
    contract: str | None = None,
    *,
    lang: str | None = None,
    actor: str = "changeflow",
) -> dict[str, Any]:
    """The OA manual's next version with every accepted request not merged yet (those whose
    manual has chapters); nothing new when there is none. One transaction."""

    lang = lang or get_settings().lang
    with transaction() as s:
        k = _contract(s, contract)
        done = _merged_keys(s, k)
        last = latest_version(s, k)
        chapters = list(last.chapters or []) if last else []
        merged, skipped, titles = [], [], []
        for req in s.scalars(
            select(Request)
            .where(Request.contract_id == k.id, Request.state == "accepted")
            .order_by(Request.id)
        ):
            if req.key in done:
                continue
            found = request_chapters(s, req, lang)
            if not found:
                skipped.append(req.key)
                continue
            chapters, changed = merge_chapters(chapters, req.key, found)
            merged.append(req.key)
            titles.extend(t for t in changed if t not in titles)
        if not merged:
            return _unchanged(k, last, skipped=skipped)
        return {**_new_version(s, k, last, merged, chapters, titles, actor, lang),
                "skipped": skipped}  # fmt: skip


def merge_request(
    key: str,
    *,
    lang: str | None = None,
    actor: str = "changeflow",
) -> dict[str, Any]:
    """Merge one accepted request's manual chapters into its contract's OA manual as the
    next version (the revision record names it). Idempotent: a request already in a version
    makes no second one (``new`` False); a request without chapters makes none either
    (``skipped``). One transaction: the version, its rendered document and its record are
    written together or not at all. Two callers at once (the acceptance and an explicit
    merge) meet the version's unique constraint; the loser finds the request merged."""
    from sqlalchemy.exc import IntegrityError

    from changeflow.db.training import OaManualVersion

    lang = lang or get_settings().lang
    for _attempt in range(3):
        try:
            with transaction() as s:
                req = s.scalar(select(Request).where(Request.key == str(key).strip().upper()))
                if req is None:
                    raise NotFoundError(f"no request {key}")
                if req.state != "accepted":
                    raise InputError(
                        f"oa manual {req.key}", "state", f"is {req.state}, not accepted"
                    )
                k = req.contract
                if k is None:
                    raise InputError(f"oa manual {req.key}", "contract", "names no contract")
                last = latest_version(s, k)
                if req.key in _merged_keys(s, k):
                    holder = next(
                        v
                        for v in s.scalars(
                            select(OaManualVersion)
                            .where(OaManualVersion.contract_id == k.id)
                            .order_by(OaManualVersion.version)
                        )
                        if req.key in (v.requests or [])
                    )
                    return {
                        "key": req.key, "contract": k.code, "version": holder.version,
                        "new": False, "merged": [], "skipped": [],
                        "document": holder.document.path if holder.document else None,
                    }  # fmt: skip
                found = request_chapters(s, req, lang)
                if not found:
                    return {"key": req.key, **_unchanged(k, last, skipped=[req.key])}
                chapters, titles = merge_chapters(
                    list(last.chapters or []) if last else [], req.key, found
                )
                made = _new_version(s, k, last, [req.key], chapters, titles, actor, lang)
                return {"key": req.key, **made, "skipped": []}
        except IntegrityError:
            continue  # another merge took the version number: look again
    raise ConflictError(f"the OA manual of {key}'s contract is being merged; try again")


MERGED_PREFIX = "OA 使用手册："  # every line below starts so (the mailbox keeps it from the client)


def merged_line(result: dict[str, Any]) -> str:
    """The one line the lead reads after an acceptance: what became of the OA manual."""
    if result.get("new"):
        return (
            f"{MERGED_PREFIX}第 {result['version']} 版已并入 {result['key']} / OA manual"
            f" v{result['version']} merges {result['key']}"
        )
    if result.get("skipped"):
        return (
            f"{MERGED_PREFIX}{result['key']} 无使用手册章节，未并入 / {result['key']} has no"
            " manual chapters: the OA manual is unchanged"
        )
    return (
        f"{MERGED_PREFIX}{result['key']} 已在第 {result['version']} 版中 / already in OA manual"
        f" v{result['version']}"
    )


def build_manual(contract: str | None = None, *, lang: str | None = None) -> dict[str, Any]:
    """The current version rendered in ``lang`` (stored once per language)."""
    lang = lang or get_settings().lang
    with transaction() as s:
        k = _contract(s, contract)
        row = latest_version(s, k)
        if row is None:
            raise NotFoundError(f"contract {k.code} has no OA manual yet (changeflow manual merge)")
        doc = _stored(s, k, row.version, lang) or render_version(s, k, row, lang)
        s.flush()
        return {"contract": k.code, "version": row.version, "lang": lang, "document": doc.path,
                "sha256": doc.sha256}  # fmt: skip


def _stored(session: Session, contract: Contract, version: int, lang: str | None) -> Any:
    for d in session.scalars(
        select(Document)
        .where(Document.kind == KIND, Document.version == version)
        .order_by(Document.id.desc())
    ):
        if (d.meta or {}).get("contract") == contract.code and (lang is None or d.lang == lang):
            return d
    return None


def manual_document(session: Session, contract: Contract, lang: str | None = None) -> Any:
    """The stored document of the manual's newest version, in ``lang`` when made in it, else
    in any language; None before the first merge (read in the caller's session)."""
    row = latest_version(session, contract)
    if row is None:
        return None
    return _stored(session, contract, row.version, lang) or _stored(
        session, contract, row.version, None
    )


def current_oa_manual(contract: str | None = None, lang: str | None = None) -> Document | None:
    """The stored document of the OA manual's newest version (in ``lang`` when given and
    made in it, else in any language); None before the first merge."""
    with transaction() as s:
        doc = manual_document(s, _contract(s, contract), lang)
        if doc is not None:
            s.expunge(doc)
        return doc


def manual_history(contract: str | None = None) -> list[dict[str, Any]]:
    """The revision record: each version, the requests that changed it, its chapters."""
    from changeflow.db.training import OaManualVersion

    with transaction() as s:
        k = _contract(s, contract)
        return [
            {
                "version": v.version, "requests": list(v.requests or []),
                "changed": [t for t in (v.note or "").split("\n") if t],
                "chapters": [c["title"] for c in v.chapters or []],
                "created_at": show(v.created_at)[:16],
                "document": v.document.path if v.document else None,
            }
            for v in s.scalars(
                select(OaManualVersion).where(OaManualVersion.contract_id == k.id)
                .order_by(OaManualVersion.version)
            )
        ]  # fmt: skip


def check_lang(lang: str | None) -> None:
    if lang not in (None, "zh-CN", "en"):
        raise InputError("--lang", "lang", "must be zh-CN or en")
