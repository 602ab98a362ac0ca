"""Acceptance (验收): the certificate we issue after go-live.

The certificate lists a row per requirement with its test result (the traceability of the
release's test run) and the deliverables (the stored files by their exact names, versions
and SHA-256, and the release tag) in tables covered by the signature; it is refused while
a requirement is 未测 (or 不通过) or a listed document is a draft (草稿); the client
fills its sign-off table and returns it.
The returned copy is read and recorded by the signed round trip (``tasks.signoff``: its
kinds table says an accepted certificate makes the request ``accepted`` (final), a rejected
one sends it back to ``in_testing``, or to ``in_development`` when the client wrote so under
退回至).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import is_zh, pick
from changeflow.db.lifecycle import load_for_update
from changeflow.db.models import Document, Request
from changeflow.db.session import transaction
from changeflow.db.store import document_path, next_version
from changeflow.docs_templates.tpl_acceptance import TITLE
from changeflow.errors import NotFoundError, TransitionError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act
from changeflow.wording import version_label

from .contracts import contractor_of
from .documents import document_lang, kind_name, store_issued
from .inputs import clean_text
from .signoff import printed_labels, sign_document
from .testing import actor_name, tests_line, traceability

KIND = "acceptance"


# deliverable kinds in the order they are listed: kind -> (zh-CN, en) (tasks.documents.names)
DELIVERABLES: dict[str, tuple[str, str]] = {
    kind: (kind_name(kind, "zh-CN"), kind_name(kind, "en"))
    for kind in ("plan", "testreport", "techdoc", "manual", "golive")
}


# --- issuing the certificate -----------------------------------------------------------


def _newest(session: Session, req: Request, kind: str, lang: str) -> Document | None:
    docs = session.scalars(
        select(Document)
        .where(Document.request_id == req.id, Document.kind == kind)
        .order_by(Document.version.desc(), Document.id.desc())
    ).all()
    same = [d for d in docs if d.lang == lang]
    return (same or docs or [None])[0]


_LEGACY_PREFIX = re.compile(r"^v\d+-(?:zh-CN|en)-")


def _shown_name(doc: Document) -> str:
    """The stored file's exact name (as in the document store and the files sent: one
    scheme, ``tasks.documents.names``; a file stored before it without its old prefix)."""
    return _LEGACY_PREFIX.sub("", Path(doc.path).name)


def deliverables(
    session: Session, req: Request, lang: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """The deliverables rows and what is missing (warnings)."""
    from .golive import latest_release

    rows: list[dict[str, Any]] = []
    missing: list[str] = []
    for kind, names in DELIVERABLES.items():
        doc = _newest(session, req, kind, lang)
        if doc is None:
            missing.append(kind)
            continue
        rows.append(
            {
                "kind": kind,
                "name": pick(names, lang),
                "file": _shown_name(doc),
                "version": version_label(doc.version, lang),
                "ident": doc.sha256,
                "draft": bool((doc.meta or {}).get("draft")),
            }
        )
    rel = latest_release(session, req)
    if rel is not None:
        rows.append(
            {
                "kind": "release",
                "name": pick(("程序代码", "Program code"), lang),
                "file": pick(("已部署至甲方生产环境", "deployed to production"), lang),
                "version": version_label(rel.version, lang),
                "ident": f"{pick(('提交', 'commit'), lang)} {rel.commit_sha}",
                "draft": False,
            }
        )
    for i, r in enumerate(rows, start=1):
        r["no"] = i
    return rows, missing


def certificate_context(
    session: Session, req: Request, version: int, lang: str, issued: datetime
) -> dict[str, Any]:
    from .golive import latest_release

    tz = get_settings().tz
    rel = latest_release(session, req)
    if rel is None:
        raise TransitionError(req.key, req.state, "accepted", "it has no release (golive)")
    contract = req.contract
    rows, _ = deliverables(session, req, lang)
    run = rel.test_run
    labels = printed_labels(lang)
    trace = traceability(session, req, lang, run)
    drafts = [f"{r['name']} {r['version']} ({r['file']})" for r in rows if r["draft"]]
    if drafts:
        raise TransitionError(
            req.key, req.state, "accepted",
            f"a draft (草稿) cannot be a deliverable: {'; '.join(drafts)} — issue it without"
            " --draft first (changeflow docs KEY --notes FILE)",
        )  # fmt: skip
    open_ = [r for r in trace if r["result"] != "passed"]
    if open_:
        nums = ", ".join(f"需求{r['no']} {r['result_text']}" for r in open_)
        raise TransitionError(
            req.key, req.state, "accepted",
            f"every requirement must pass its tests first: {nums} (link a test case by a"
            " JUnit property 'requirement' or the number in its name, or record manual"
            " cases with changeflow test KEY --cases FILE)",
        )  # fmt: skip
    return {
        **_certificate_parts(session, req, rel, run, trace, rows, lang),
        "key": req.key,
        "title": req.title,
        "client": req.client.name if req.client else "",
        "contract": f"{contract.code} {contract.title}" if contract else "",
        "version": version,
        "release": version_label(rel.version, lang),
        "released_at": rel.released_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "our_lead": contract.our_lead.name if contract and contract.our_lead else "",
        "client_lead": contract.lead.name if contract and contract.lead else "",
        "issued": issued.astimezone(tz).date().isoformat(),
        "requirements": [
            {
                "no": r["no"],
                "text": r["text"],
                "acceptance": r["acceptance"],
                "cases": str(len(r["cases"])),
                "result": r["result_text"],
            }
            for r in trace
        ],
        "deliverables": rows,
        "tests": tests_line(run, lang) if run else "—",
        "tag": rel.tag,
        "commit": rel.commit_sha,
        **{f"l_{name}": label for name, label in labels.items()},
    }


def _certificate_parts(
    session: Session,
    req: Request,
    rel: Any,
    run: Any,
    trace: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    lang: str,
) -> dict[str, Any]:
    """What a 验收报告 holds besides the results (GB/T 28035; common practice): the basis,
    the members, open items with dates, the handover list, the start of maintenance and how
    the work is settled under the contract."""
    from .delivery_docs.context import newest_plan
    from .documents import Names
    from .planning import pd_text
    from .testing.trace import current_cases

    tz = get_settings().tz
    contract = req.contract
    plan = newest_plan(session, req)
    names = Names(session, lang)
    code = contract.code if contract else "—"
    ktitle = contract.title if contract else ""
    submitted = req.submitted_on.isoformat() if req.submitted_on else ""
    basis = [
        pick((f"项目任务书《{req.title}》（{req.key}{'，' + submitted if submitted else ''}）",
              f"The task book '{req.title}' ({req.key}{', ' + submitted if submitted else ''})"),
             lang),
        pick((f"实施计划第{plan.version}版（甲方已确认）", f"Implementation plan v{plan.version}"
              " (confirmed by the client)"), lang) if plan is not None
        else pick(("实施计划（无）", "Implementation plan (none)"), lang),
        pick((f"服务合同 {code} {ktitle}", f"Service contract {code} {ktitle}"), lang),
        pick((f"测试报告第{run.seq}版" if run else "测试报告（无）",
              f"Test report v{run.seq}" if run else "Test report (none)"), lang),
        pick(("GB/T 28035-2011《软件系统验收规范》", "GB/T 28035-2011, software system acceptance"),
             lang),
    ]  # fmt: skip
    client_lead = contract.lead.name if contract and contract.lead else ""
    our_lead = contract.our_lead.name if contract and contract.our_lead else ""
    engineer = ((rel.data or {}).get("install") or {}).get("engineer") or names.actor(
        rel.released_by
    )
    client_name = req.client.name if req.client else pick(("甲方", "the client"), lang)
    our_unit = contractor_of(contract)["name"] or pick(("乙方（承建单位）", "Contractor"), lang)
    members = [
        {"role": pick(("甲方项目负责人", "Client's project lead"), lang), "name": client_lead,
         "unit": client_name},
        {"role": pick(("甲方验收人", "Client's acceptor"), lang), "name": "", "unit": client_name},
        {"role": pick(("乙方项目负责人", "Our project lead"), lang), "name": our_lead,
         "unit": our_unit},
        {"role": pick(("乙方实施工程师", "Our engineer"), lang), "name": engineer,
         "unit": our_unit},
    ]  # fmt: skip
    open_items = [
        {"item": f"{c.case_id or c.name} {c.title or c.name}：{c.defect or c.actual or ''}".strip(
            "：") if is_zh(lang) else f"{c.case_id or c.name} {c.title or c.name}",
         "owner": pick(("乙方", "Contractor"), lang), "due": ""}
        for c in current_cases(session, req, run)
        if c.requirement_no is not None and c.outcome != "passed"
    ]  # fmt: skip
    live = rel.released_at.astimezone(tz).date()
    handover = [
        # the tag and commit are for technical readers: the technical document's appendix
        pick(("源代码：本次上线的发布版本（版本标识与提交见技术文档附录“技术信息”）",
              "Source code: the released version (its tag and commit in the technical"
              " document's appendix)"), lang),
        *[f"{r['name']} {r['version']}" for r in rows],
        pick(("培训：按用户手册向各角色用户讲解新功能（时间由双方商定）",
              "Training: the new functions explained to each role's users from the user manual"
              " (at a time both agree)"), lang),
    ]  # fmt: skip
    maintenance = pick(
        (f"本次交付的功能自 {live.isoformat()} 上线起运行，自甲方签署本验收单之日起纳入服务合同"
         f" {code} 的日常运维范围（故障响应、数据维护、用户支持按合同执行）。",
         f"The delivered functions run since they went live on {live.isoformat()}; from the day"
         f" the client signs this certificate they are maintained under service contract {code}"
         " (fault response, data maintenance and user support as the contract says)."),
        lang,
    )  # fmt: skip
    if plan is not None:
        settlement = pick(
            (f"本项目按甲方确认的实施计划第{plan.version}版（{pd_text(plan.person_days)} 人天）"
             f"实施，费用依服务合同 {code} 的费用结算条款和该计划“工作量与费用”一节结算："
             "年度服务覆盖的部分不另行收费，超出部分按计划所列金额结算。",
             f"The work follows the confirmed implementation plan v{plan.version}"
             f" ({pd_text(plan.person_days)} person-days) and is settled under the fees clause"
             f" of service contract {code} as that plan's work-and-cost section says: what the"
             " year's service covers is not charged again, anything beyond it at the plan's"
             " amounts."),
            lang,
        )  # fmt: skip
    else:
        settlement = pick(
            (f"本项目没有实施计划，按服务合同 {code} 的费用结算条款结算。",
             f"No implementation plan: settled under the fees clause of contract {code}."),
            lang,
        )  # fmt: skip
    return {
        "basis": basis,
        "members": members,
        "open_items": open_items,
        "handover": handover,
        "maintenance": maintenance,
        "settlement": settlement,
    }


@dataclass
class Certificate:
    key: str
    version: int
    lang: str
    state: str
    deliverables: list[dict[str, Any]]
    missing: list[str]
    document: str
    sha256: str
    unchanged: bool = False  # the newest certificate already says all this: it stands

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@recorded_act("acceptance")
def issue_certificate(
    key: str, *, lang: str | None = None, actor: str | None = None, new_version: bool = False
) -> Certificate:
    """Issue the next version of the acceptance certificate (验收单) of a live request.

    When the newest certificate in this language already says the same (same release,
    deliverables, requirements, tests and template), it stands: a retried run after a crash
    never sends the client a second identical certificate; ``new_version`` issues one anyway."""
    from changeflow.db.types import utcnow

    from .wordkit import clean, document_digest, render

    lang = document_lang(lang)
    actor = clean_text(actor or actor_name(), 120) or "changeflow"
    with transaction() as session:
        if session.scalar(select(Request.id).where(Request.key == key)) is None:
            raise NotFoundError(f"no request {key}")
        req = load_for_update(session, key)
        if req.state != "live":
            raise TransitionError(
                key, req.state, "accepted", "an acceptance certificate is issued once it is live"
            )
        version = next_version(session, req, KIND, lang)
        issued = utcnow().replace(microsecond=0)
        ctx = certificate_context(session, req, version, lang, issued)
        # what the certificate says, less its version and date of issue
        digest = document_digest(
            "acceptance", lang, {k: v for k, v in ctx.items() if k not in ("version", "issued")}
        )
        newest = session.scalar(
            select(Document)
            .where(Document.request_id == req.id, Document.kind == KIND, Document.lang == lang)
            .order_by(Document.version.desc())
            .limit(1)
        )
        if not new_version and newest is not None and (newest.meta or {}).get("inputs") == digest:
            _, missing = deliverables(session, req, lang)
            return Certificate(
                key=key,
                version=newest.version,
                lang=lang,
                state=req.state,
                deliverables=ctx["deliverables"],
                missing=missing,
                document=str(document_path(newest)),
                sha256=newest.sha256,
                unchanged=True,
            )
        data = render(
            "acceptance",
            ctx,
            lang=lang,
            contract=req.contract,
            title=f"{pick(TITLE, lang)} {key} v{version}",
            subject=clean(req.title),
            author=actor,
            when=issued,
            custom_properties={"changeflow.release": ctx["tag"]},
            finish=lambda doc: sign_document(
                doc, kind=KIND, request=key, version=version, lang=lang
            ),
        )
        doc = store_issued(
            session,
            data,
            subject=key,
            kind=KIND,
            request=req,
            version=version,
            lang=lang,
            meta={"release": ctx["tag"], "issued_by": actor, "inputs": digest},
        )
        _, missing = deliverables(session, req, lang)
        return Certificate(
            key=key,
            version=version,
            lang=lang,
            state=req.state,
            deliverables=ctx["deliverables"],
            missing=missing,
            document=str(document_path(doc)),
            sha256=doc.sha256,
        )


__all__ = [
    "DELIVERABLES",
    "KIND",
    "Certificate",
    "certificate_context",
    "deliverables",
    "issue_certificate",
]
