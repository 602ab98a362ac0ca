"""Every document kind's name in both languages, and the one file-name scheme.

A client receives ``CR-2026-0001-实施计划和费用预算-v1.docx`` (zh-CN) or
``CR-2026-0001-implementation-plan-v1.docx`` (en): the subject (request key, or the client
code and week of a weekly report), the document's name in its language, its version. The
store keeps the file under that name, the acceptance certificate lists it by that name and
the mails attach it under it. Names are safe on Windows and in zip files (none of
``/ \\ : * ? " < > |``, no control characters, no leading or trailing dot or space).
"""

from __future__ import annotations

import re
from typing import Any

from changeflow.bilingual import LANGS, is_zh
from changeflow.errors import InputError
from changeflow.settings import get_settings

# kind -> (zh-CN name, English name, English file-name part)
KIND_NAMES: dict[str, tuple[str, str, str]] = {
    "taskbook": ("项目任务书", "Task book", "task-book"),
    "taskbook-form": ("项目任务书（表单）", "Task book (form)", "task-book-form"),
    "plan": ("实施计划和费用预算", "Implementation plan and cost budget", "implementation-plan"),
    "plan-draft": ("实施计划和费用预算（草稿）", "Implementation plan (draft)",
                   "implementation-plan-draft"),
    "plan-returned": ("实施计划和费用预算（甲方回签）", "Implementation plan signed by the client",
                      "implementation-plan-signed"),
    "testreport": ("测试报告", "Test report", "test-report"),
    "techdoc": ("技术文档", "Technical document", "technical-document"),
    "manual": ("用户手册", "User manual", "user-manual"),
    "golive": ("上线记录", "Go-live record", "go-live-record"),
    "acceptance": ("验收单", "Acceptance certificate", "acceptance-certificate"),
    "acceptance-returned": ("验收单（甲方回签）", "Acceptance certificate signed by the client",
                            "acceptance-certificate-signed"),
    "weekly-report": ("项目周报", "Weekly report", "weekly-report"),
    "sla-report": ("月度服务对账单", "SLA monthly statement", "sla-statement"),
    "settlement": ("年度服务结算单", "Annual service settlement", "annual-settlement"),
    "settlement-returned": ("年度服务结算单（甲方回签）", "Annual settlement signed by the client",
                            "annual-settlement-signed"),
    "maintplan": ("日常维护服务计划", "Maintenance plan", "maintenance-plan"),
    "maintplan-returned": ("日常维护服务计划（甲方回签）", "Maintenance plan signed by the client",
                           "maintenance-plan-signed"),
    "handbook": ("维护文档和应急措施", "Maintenance handbook and emergency measures",
                 "maintenance-handbook"),
    "runlog": ("运行日志", "Run log", "run-log"),
    "fault-record": ("故障处理记录", "Fault record", "fault-record"),
    "dispatch": ("派工单", "Dispatch order", "dispatch-order"),
    "dispatch-returned": ("派工单（甲方回签）", "Dispatch order signed by the client",
                          "dispatch-order-signed"),
    "permlog": ("账号权限变更记录", "Record of permission changes", "permission-changes"),
    "servicereq-form": ("服务请求单（甲方填写）", "Service request form filled by the client",
                        "service-request-form"),
    "upload": ("附件", "Attachment", "attachment"),
    "signin": ("培训签到表", "Training sign-in sheet", "training-sign-in"),
    "signin-returned": ("培训签到表（甲方回签）", "Training sign-in sheet signed by the client",
                        "training-sign-in-signed"),
    "oa-manual": ("OA系统使用手册", "OA system user manual", "oa-user-manual"),
    "upgrade": ("升级方案", "Upgrade plan", "upgrade-plan"),
    "upgrade-returned": ("升级方案（甲方回签）", "Upgrade plan signed by the client",
                         "upgrade-plan-signed"),
    "upgrade-record": ("升级记录", "Upgrade record", "upgrade-record"),
}  # fmt: skip

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s（）()]+')


def kind_name(kind: str, lang: str) -> str:
    """The kind's name in ``lang``; a PDF export is named as its source; unknown kinds get a
    neutral name (never the internal kind string)."""
    base = kind.removesuffix("-pdf")
    names = KIND_NAMES.get(base)
    if names is None:
        return "文档" if is_zh(lang) else "Document"
    return names[0] if is_zh(lang) else names[1]


def document_label(kind: str, version: int | None, lang: str) -> str:
    """How a document is named in the text: ``测试报告 第1版`` / ``Test report v1``."""
    name = kind_name(kind, lang)
    if version is None:
        return name
    from changeflow.wording import version_label

    return f"{name} {version_label(version, lang)}"


def _part(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-. ")


def document_filename(subject: str, kind: str, version: int, lang: str, ext: str = "docx") -> str:
    """``<subject>-<name>-v<version>.<ext>`` in the document's language, Windows/zip safe."""
    base = kind.removesuffix("-pdf")
    names = KIND_NAMES.get(base)
    if names is None:
        name = base
    elif is_zh(lang):
        name = names[0].replace("（草稿）", "-草稿").replace("（甲方回签）", "-甲方回签")
    else:
        name = names[2]
    stem = "-".join(p for p in (_part(subject), _part(name), f"v{int(version)}") if p)
    return f"{stem}.{ext.lstrip('.')}"


def store_issued(
    session: Any,
    data: bytes,
    *,
    subject: str,
    kind: str,
    version: int,
    lang: str,
    request: Any = None,
    meta: dict[str, Any] | None = None,
) -> Any:
    """A document we issue, written to the store under the one file-name scheme
    (``document_filename``): ``<subject>-<name>-v<version>.docx``."""
    from changeflow.db.store import put_document

    return put_document(
        session, data, kind=kind, request=request,
        filename=document_filename(subject, kind, version, lang),
        version=version, lang=lang, meta=meta,
    )  # fmt: skip


def document_lang(lang: str | None) -> str:
    """The language a document is made in: the one asked for, else the installation's;
    zh-CN or en, any other refused (naming --lang)."""
    lang = lang or get_settings().lang
    if lang not in LANGS:
        raise InputError("--lang", "lang", "must be zh-CN or en")
    return lang
