"""The scope part of the technical document's and the manual's 引言 (GB/T 8567-2006: 范围 —
标识, and 引用文件), written from the request's own data: what the document is for, which
change and version of the plan, and the documents it refers to. Appended to the notes'
引言 (``outline.compose(tail=...)``), so the team writes only what the data cannot say."""

from __future__ import annotations

from typing import Any

from changeflow.bilingual import is_zh

_NONE = ("（无）", "(none)", "")
_OTHER = {"techdoc": ("用户手册", "user manual"), "manual": ("技术文档", "technical document")}


def scope_text(ctx: dict[str, Any], kind: str, lang: str) -> str:
    """``## 标识`` and ``## 引用文件`` (Markdown) for document ``kind`` of the request in
    ``ctx`` (``delivery_docs.context``); empty when the context names no request."""
    key, title = str(ctx.get("key") or ""), str(ctx.get("title") or "")
    if not key:
        return ""
    zh = is_zh(lang)
    client = str(ctx.get("client") or "")
    ours = ctx.get("contractor") or {}
    ours_name = str(ours.get("name") if isinstance(ours, dict) else ours or "")
    plan = str(ctx.get("plan_version") or "")
    contract = str(ctx.get("contract") or "")
    other = _OTHER[kind][0 if zh else 1]
    if zh:
        who = f"，由{ours_name}编制" if ours_name else ""
        ident = f"本文档适用于{client}“{title}”变更（请求编号 {key}）{who}。"
        refs = [f"项目任务书 {key}《{title}》"]
        if plan not in _NONE:
            refs.append(f"实施计划和费用预算 {key}（{plan}）")
        if contract:
            refs.append(f"服务合同 {contract}")
        refs += [f"{other} {key}", "《计算机软件文档编制规范》（GB/T 8567-2006）"]
        head = ("## 标识", "## 引用文件")
    else:
        who = f", written by {ours_name}" if ours_name else ""
        ident = f"This document covers the change “{title}” (request {key}) for {client}{who}."
        refs = [f"Task book {key}, “{title}”"]
        if plan not in _NONE:
            refs.append(f"Implementation plan and cost budget {key} ({plan})")
        if contract:
            refs.append(f"Service contract {contract}")
        refs += [f"The {other} {key}", "GB/T 8567-2006, Specification for computer software"
                 " documentation"]  # fmt: skip
        head = ("## Identification", "## Referenced documents")
    listed = "\n".join(f"- {r}" for r in refs)
    return f"{head[0]}\n\n{ident}\n\n{head[1]}\n\n{listed}\n"
