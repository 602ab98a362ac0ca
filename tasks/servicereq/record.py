"""The month's record of account and permission changes (账号权限变更记录) as a Word
document for the client's filing, in zh-CN or English, stored with kind ``permlog``, its
version (per contract and month) and sha256 like every document we issue."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from changeflow.bilingual import is_zh
from changeflow.db.models import Document
from changeflow.db.session import transaction

from ..directory import find_contract
from ..documents import document_filename
from .permissions import month_changes

KIND = "permlog"


def make_permlog(
    *, month: str, contract: str | None = None, lang: str = "zh-CN", actor: str = "changeflow"
) -> dict[str, Any]:
    from changeflow.db.store import put_document
    from changeflow.tasks.wordkit import render

    data = month_changes(contract, month)
    code, zh = data["contract"], is_zh(lang)
    y, m = (int(x) for x in month.split("-"))
    ctx = {
        "month": f"{y}年{m}月" if zh else f"{y}-{m:02d}",
        "contract": code,
        "contract_title": data["title"],
        "client": data["client"],
        "title": data["title"],
        "count": len(data["rows"]),
        "rows": data["rows"],
    }
    subject = f"{code}-{y}-{m:02d}"
    with transaction() as s:
        k = find_contract(s, code, date(y, m, 1), "permission record")
        last = s.scalar(
            select(func.max(Document.version)).where(
                Document.kind == KIND, Document.lang == lang, Document.path.like(f"%{subject}-%")
            )
        )
        version = (last or 0) + 1
        ctx["version"] = version
        name = "账号权限变更记录 " if zh else "Record of Account and Permission Changes "
        title = name + ctx["month"]
        author = k.our_lead.name if k.our_lead is not None else None
        blob = render(KIND, ctx, lang=lang, title=title, subject=code, author=author, contract=k)
        doc = put_document(
            s,
            blob,
            kind=KIND,
            request=None,
            filename=document_filename(subject, KIND, version, lang),
            version=version,
            lang=lang,
            meta={"month": month, "contract": code, "by": actor},
        )
        s.flush()
        from changeflow.db.store import document_path

        return {
            "contract": code,
            "month": month,
            "lang": lang,
            "version": version,
            "rows": len(data["rows"]),
            "sha256": doc.sha256,
            "path": str(document_path(doc)),
        }
