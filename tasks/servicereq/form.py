"""The client's service request form (服务请求单, ``docs_templates/tpl_servicereq.py``) taken
in from the inbox folder or a mail's attachment: read back by its row labels (either
language), checked, and made a service request (FW-…) with its audit event, and for an
account/permission change the change with its named authoriser, in one transaction; the
file is kept in the store with its sha256 (the same file again makes nothing new).

A bad form is refused with one line naming the file and the form's field in both languages
(``申请单.docx: 授权人 Authorised by: '李四' may not authorise …``); nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from changeflow.bilingual import SERVICE_FORM_FIELDS, SERVICE_FORM_PERMISSION
from changeflow.db.servicereq import ServiceEvent, ServiceRequest
from changeflow.db.session import transaction
from changeflow.db.store import put_document, sha256_bytes
from changeflow.db.types import utcnow
from changeflow.errors import ConflictError, InputError

from ..documents import document_lang
from ..inputs import clean_text

KIND = "servicereq-form"
_YES = {"是", "紧急", "yes", "y", "true", "urgent", "√", "☑"}
_NO = {"", "否", "不紧急", "no", "n", "false", "-", "—", "无"}
# the fields a refusal may name that the form shows under another row
_SAME_ROW = {"asked_by": "requester"}


@dataclass
class FormResult:
    key: str
    duplicate: bool
    view: dict[str, Any]

    def line(self) -> str:
        v = self.view
        if self.duplicate:
            return f"already taken in as service request {self.key}"
        perm = ", permission change recorded" if v.get("permission_changes") else ""
        return (
            f"service request form taken in as {self.key} ({v['category']}{perm});"
            f" response due {v['response_due']}"
        )


def label_of(field: str) -> str:
    """The form's row for a field, in both languages: 授权人 Authorised by."""
    zh, en = SERVICE_FORM_FIELDS.get(_SAME_ROW.get(field, field), (field, field))
    return f"{zh} {en}"


def is_form(doc: Any) -> bool:
    """A Word file that is our form although its properties were lost (saved anew): a
    two-column table whose labels are the form's category, what is asked and requester."""
    labels = set(_rows(doc))
    return {"category", "title", "requester"} <= labels


def _rows(doc: Any) -> dict[str, str]:
    by_label = {}
    for name, (zh, en) in SERVICE_FORM_FIELDS.items():
        by_label[zh] = name
        by_label[en.lower()] = name
    out: dict[str, str] = {}
    for t in doc.tables:
        for row in t.rows:
            cells = row.cells
            if len(cells) < 2 or not cells[0].paragraphs:
                continue
            label = cells[0].paragraphs[0].text.strip().rstrip(":：").strip()
            name = by_label.get(label) or by_label.get(label.lower())
            if name is not None and name not in out:
                out[name] = "\n".join(p.text for p in cells[-1].paragraphs).strip()
    return out


def read_form(doc: Any, source: str) -> dict[str, Any]:
    """The form's values, checked; raises InputError naming the field's row. An empty
    contract row: the contract the blank was issued for (its properties), else the one in
    force."""
    from changeflow.wordparts import read_custom_properties

    from .desk import parse_category

    raw = _rows(doc)
    if not raw.get("contract"):
        issued_for = read_custom_properties(doc).get("changeflow.contract")
        if issued_for:
            raw["contract"] = issued_for
    missing = [f for f in ("category", "title", "requester") if f not in raw]
    if missing:
        raise InputError(source, label_of(missing[0]), "the row is missing from the form")
    values = {k: clean_text(v, 20_000 if k in ("description", "change") else 300)
              for k, v in raw.items()}  # fmt: skip
    for f in ("category", "title", "requester"):
        if not values.get(f):
            raise InputError(source, label_of(f), "is empty: fill it in")
    try:
        category = parse_category(values["category"].split("/")[0].strip(), source)
    except InputError:
        raise InputError(
            source, label_of("category"),
            f"'{values['category']}' is not one of 账号权限, 数据维护, 表单流程调整, 使用咨询, 其他"
            " (account, data, form, howto, other)",
        ) from None  # fmt: skip
    urgent_word = values.get("urgent", "").strip().lower()
    if urgent_word in _YES:
        urgent = True
    elif urgent_word in _NO:
        urgent = False
    else:
        raise InputError(
            source, label_of("urgent"), f"'{values['urgent']}': write 是 or 否 (yes or no)"
        )
    permission = {f: values.get(f, "") for f in SERVICE_FORM_PERMISSION}
    if category == "account":
        for f in ("change", "authorised_by"):
            if not permission[f]:
                raise InputError(
                    source, label_of(f), "is empty: an account/permission request names it"
                )
        if not values.get("department"):
            raise InputError(
                source, label_of("department"), "is empty: the authoriser is named per department"
            )
    elif any(permission.values()):
        raise InputError(
            source, label_of("category"),
            f"is '{values['category']}', but the account/permission rows are filled: choose"
            " 账号权限 (account) or leave them empty",
        )  # fmt: skip
    return {
        "contract": values.get("contract") or None,
        "category": category,
        "title": values["title"],
        "description": values.get("description", ""),
        "requester": values["requester"],
        "department": values.get("department", ""),
        "urgent": urgent,
        "permission": permission if category == "account" else None,
    }


def take_form(
    data: bytes,
    source: str,
    doc: Any,
    *,
    filename: str,
    channel: str,
    actor: str,
    allow: Any = None,
) -> FormResult:
    """The filled form made a service request (one transaction: the request, its audit
    event with the file's sha256, the permission change, the stored file)."""
    from .desk import new_service, service_view
    from .permissions import new_account_request

    form = read_form(doc, source)
    if allow is not None:
        allow("contract", form["contract"] or "")
    sha = sha256_bytes(data)
    with transaction() as s:
        seen = s.scalar(
            select(ServiceEvent).where(
                ServiceEvent.evidence_sha256 == sha, ServiceEvent.to_state == "received"
            )
        )
        if seen is not None:
            sr = s.get(ServiceRequest, seen.service_id)
            assert sr is not None
            return FormResult(sr.key, True, service_view(sr))
    fields = {
        "category": form["category"], "title": form["title"],
        "description": form["description"], "requester": form["requester"],
        "department": form["department"], "urgent": form["urgent"],
        "contract": form["contract"], "channel": channel, "actor": actor,
        "evidence_sha256": sha, "event_data": {"form": filename, "sha256": sha},
    }  # fmt: skip
    try:
        with transaction() as s:
            if form["permission"] is not None:
                perm = dict(form["permission"], department=form["department"])
                view = new_account_request(perm, session=s, **fields)
            else:
                view = new_service(session=s, **fields)
            sr = s.scalar(select(ServiceRequest).where(ServiceRequest.key == view["key"]))
            put_document(
                s, data, kind=KIND, request=None, filename=filename,
                meta={"service": view["key"], "channel": channel, "sha256": sha},
            )  # fmt: skip
            s.flush()
            return FormResult(view["key"], False, service_view(sr))
    except InputError as exc:
        raise InputError(source, label_of(exc.field), exc.problem) from None
    except IntegrityError:  # another pass took the same FW number: the next pass tries again
        raise ConflictError(f"{source}: a service request key was taken meanwhile") from None


def blank_form(
    contract: str | None = None, lang: str | None = None, out: Path | None = None
) -> dict[str, Any]:
    """A blank form to give the client (``changeflow service form``): the shipped template
    (``docs_templates/<lang>/servicereq-form.docx``) with the contract's code in its row and
    properties, and the departments' named authorisers under the authoriser's row."""
    import io

    import docx

    from changeflow.settings import get_settings
    from changeflow.wordparts import read_custom_properties, write_custom_properties

    from ..directory import find_contract
    from ..wordkit import template_path
    from .permissions import authorisers

    lang = document_lang(lang)
    with transaction() as s:
        today = utcnow().astimezone(get_settings().tz).date()
        k = find_contract(s, contract, today, "service request form")
        code, named = k.code, authorisers(k)
    doc = docx.Document(str(template_path(KIND, lang)))
    zh = lang == "zh-CN"
    for t in doc.tables:
        for row in t.rows:
            label = row.cells[0].paragraphs[0].text.strip()
            if label in SERVICE_FORM_FIELDS["contract"]:
                row.cells[1].paragraphs[0].text = code
            if label in SERVICE_FORM_FIELDS["authorised_by"] and named:
                sep = "；" if zh else "; "
                who = sep.join(f"{d}：{'、'.join(n)}" if zh else f"{d}: {', '.join(n)}"
                               for d, n in named.items())  # fmt: skip
                hint = row.cells[0].add_paragraph().add_run(
                    f"（{who}）" if zh else f"({who})"
                )
                hint.italic = True
                from docx.shared import Pt

                hint.font.size = Pt(8)
    props = read_custom_properties(doc)
    write_custom_properties(doc, {**props, "changeflow.contract": code})
    name = f"{code}-{'服务请求单' if zh else 'service-request-form'}.docx"
    target = Path(out) if out else Path.cwd() / name
    if target.is_dir():
        target = target / name
    buf = io.BytesIO()
    doc.save(buf)
    target.write_bytes(buf.getvalue())
    return {"contract": code, "lang": lang, "path": str(target)}
