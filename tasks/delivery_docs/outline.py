"""The outlines of the technical document and the user manual (after GB/T 8567-2006's
design-description and user-manual outlines), filled from the team's Markdown notes by
heading.

A section of the notes is a heading at the notes' top level (``# 接口设计``; a leading
number such as ``三、`` or ``3.`` is ignored) and everything up to the next such heading.
A section the notes do not cover shows 待补充 and is reported as missing; in the manual,
a top-level heading that is not one of its sections is a chapter for a role (申请人,
审批人, 管理员 ...).

The manual's sections name the requirements they cover (``coverage``): a heading holding a
requirement number by the contract's convention (``提交请假单（需求1）``, ``[需求2]``,
``REQ-3``), or a line of its own ``对应需求：1、2`` (also 涉及需求, 相关需求, 覆盖需求,
``Requirements: 1, 2``) under the heading of the section it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from changeflow.bilingual import is_zh

from .markdown import md_parser

TODO = ("待补充", "To be completed")
_NUMBERING = re.compile(r"^\s*(?:第?[一二三四五六七八九十\d]+[章节]?[、.．:：\s]+)")


@dataclass(frozen=True)
class Section:
    key: str
    title: tuple[str, str]
    aliases: tuple[str, ...] = ()
    required: bool = True


TECHDOC: tuple[Section, ...] = (
    # GB/T 8567-2006 软件设计说明 (SDD) and 数据库设计说明 (DBDD) essentials; 标识 and 引用文件
    # are written under 引言 from the request's data (scope.scope_text)
    Section(
        "intro", ("引言", "Introduction"), ("概述", "范围", "introduction", "overview", "scope")
    ),
    Section(
        "env",
        ("运行环境", "Operating environment"),
        ("环境", "环境要求", "运行环境要求", "environment", "operating environment"),
    ),
    Section(
        "design", ("总体设计", "Overall design"), ("架构设计", "overall design", "architecture")
    ),
    Section(
        "interfaces", ("接口设计", "Interface design"), ("接口", "interfaces", "interface design")
    ),
    Section(
        "data",
        ("数据库设计", "Database design"),
        ("数据设计", "数据与迁移", "数据库设计说明", "data", "data design", "database design"),
    ),
    Section(
        "security",
        ("安全与权限设计", "Security and permissions"),
        ("安全设计", "权限设计", "安全", "security", "permissions", "security and permissions"),
    ),
    Section(
        "performance",
        ("性能设计", "Performance"),
        ("性能", "性能要求", "performance", "performance design"),
    ),
    Section(
        "deploy",
        ("部署与运维", "Deployment and operation"),
        (
            "部署与配置",
            "部署",
            "配置",
            "运维",
            "deployment",
            "configuration",
            "deployment and configuration",
            "deployment and operation",
        ),
    ),
    Section("errors", ("出错处理", "Error handling"), ("异常处理", "错误处理", "error handling")),
    Section("rollback", ("回退方案", "Rollback"), ("回滚方案", "rollback"), required=False),
)
# GB/T 8567-2006 用户手册 (SUM): 范围, 软件综述, 访问软件 (first use), 使用软件指南 (a chapter
# per role), 出错与恢复, 常见问题, 快速参考
MANUAL: tuple[Section, ...] = (
    Section("intro", ("范围", "Scope"), ("引言", "概述", "introduction", "overview", "scope")),
    Section(
        "env",
        ("软件综述", "Software summary"),
        ("运行环境", "环境要求", "environment", "software summary"),
    ),
    Section(
        "first_use",
        ("首次使用", "First use"),
        (
            "账号与权限",
            "访问软件",
            "首次使用（账号与权限）",
            "first use",
            "accounts and permissions",
            "accessing the software",
        ),
    ),
    Section(
        "recovery",
        ("出错与恢复", "Errors and recovery"),
        ("出错处理", "出错处理和恢复", "错误处理", "errors", "errors and recovery"),
    ),
    Section(
        "faq", ("常见问题", "Questions and answers"), ("问题解答", "faq", "questions and answers")
    ),
    Section(
        "quick",
        ("快速参考", "Quick reference"),
        ("快速参考指南", "quick reference", "quick reference guide"),
    ),
    Section("changes", ("版本说明", "What changed"), ("更新说明", "what changed"), required=False),
)
ROLES = ("roles", ("操作说明（按角色）", "Instructions per role"))


def zh_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 11 -> 十一, 21 -> 二十一 (chapter numbers up to 99)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    if not tens:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _norm(title: str) -> str:
    return _NUMBERING.sub("", title).strip().rstrip(":：").strip().lower()


def _match(title: str, outline: tuple[Section, ...]) -> Section | None:
    t = _norm(title)
    for s in outline:
        if t in {s.title[0].lower(), s.title[1].lower(), *(a.lower() for a in s.aliases)}:
            return s
    return None


def _shift(body: str, by: int) -> str:
    """Headings of a section's body moved ``by`` levels up (outside code fences)."""
    if by <= 0:
        return body
    out, fence = [], False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        m = None if fence else re.match(r"^(#{2,6})(\s)", line)
        if m:
            line = "#" * max(len(m.group(1)) - by, 2) + line[len(m.group(1)) :]
        out.append(line)
    return "\n".join(out)


@dataclass
class Filled:
    """The notes laid on an outline: the sections found, extra chapters, what is missing."""

    sections: dict[str, str] = field(default_factory=dict)  # key -> Markdown body
    extra: list[tuple[str, str]] = field(default_factory=list)  # (title, body)
    missing: list[str] = field(default_factory=list)  # titles (zh-CN / en by lang)


def fill(text: str, outline: tuple[Section, ...], lang: str) -> Filled:
    tokens = md_parser().parse(text)
    lines = text.split("\n")
    heads = [
        (int(tok.tag[1]), tok.map[0], tokens[i + 1].content.strip())
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open" and tok.map is not None
    ]
    out = Filled()
    if heads:
        top = min(h[0] for h in heads)
        tops = [h for h in heads if h[0] == top]
        for n, (_, line, title) in enumerate(tops):
            end = tops[n + 1][1] if n + 1 < len(tops) else len(lines)
            body = _shift("\n".join(lines[line + 1 : end]).strip("\n"), top - 1)
            s = _match(title, outline)
            if s is not None:
                out.sections[s.key] = body
            else:
                out.extra.append((_NUMBERING.sub("", title).strip(), body))
    nth = 0 if is_zh(lang) else 1
    out.missing = [
        s.title[nth] for s in outline if s.required and not out.sections.get(s.key, "").strip()
    ]
    return out


def compose(
    filled: Filled,
    outline: tuple[Section, ...],
    lang: str,
    *,
    roles_after: str | None = None,
    fallback: dict[str, str] | None = None,
    tail: dict[str, str] | None = None,
) -> str:
    """The outline as one Markdown text: a level-1 heading per section, numbered, its body
    (with ``tail``'s text for it after) or 待补充; a section that is not required and has
    nothing to say is left out (never a shell); with ``roles_after`` the extra chapters
    (roles) follow that section."""
    nth = 0 if is_zh(lang) else 1
    fallback = fallback or {}
    tail = tail or {}
    parts: list[str] = []

    def head(title: str) -> str:
        n = len(parts) + 1
        return f"# {zh_number(n)}、{title}" if is_zh(lang) else f"# {n}. {title}"

    for s in outline:
        body = filled.sections.get(s.key, "").strip() or fallback.get(s.key, "").strip()
        if tail.get(s.key, "").strip() and (body or s.required):
            # what the data says (标识, 引用文件) stands even where the notes' part is 待补充
            body = (body or TODO[nth]) + "\n\n" + tail[s.key].strip()
        if body or s.required:
            parts.append(f"{head(s.title[nth])}\n\n{body or TODO[nth]}\n")
        if roles_after == s.key:
            for title, body in filled.extra:
                parts.append(f"{head(title)}\n\n{body.strip() or TODO[nth]}\n")
    return "\n".join(parts)


# A line of its own naming the requirements its section covers.
COVERS = re.compile(
    r"^\s*[（(【\[]?\s*(?:对应需求|涉及需求|相关需求|覆盖需求|requirements?|covers)\s*[:：]\s*"
    r"((?:(?:需求|req\.?\s*)?\d+\s*[、,，/和及与and\s]*)+)[）)】\]]?[。.]?\s*$",
    re.IGNORECASE,
)


def coverage(text: str, pattern: re.Pattern[str]) -> dict[int, list[str]]:
    """Requirement no -> the sections of the composed Markdown ``text`` that cover it, each
    named by its chapter and, when deeper, its section (``三、申请人 › 提交请假单``), in the
    order they appear. ``pattern`` is the contract's convention for a number in a name."""
    tokens = md_parser().parse(text)
    out: dict[int, list[str]] = {}
    stack: list[tuple[int, str]] = []  # (level, title) of the headings above

    def label() -> str:
        titles = [t for _, t in stack]
        return " › ".join(titles[:1] + titles[-1:] if len(titles) > 1 else titles)

    def add(numbers: list[int]) -> None:
        if not stack:
            return
        where = label()
        for n in numbers:
            if where not in out.setdefault(n, []):
                out[n].append(where)

    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            title = _plain_inline(tokens[i + 1])
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            add(_numbers_in(title, pattern))
        elif tok.type == "inline" and i > 0 and tokens[i - 1].type == "paragraph_open":
            for line in _plain_inline(tok).split("\n"):
                m = COVERS.match(line)
                if m:
                    add([int(n) for n in re.findall(r"\d+", m.group(1))])
    return out


def _numbers_in(title: str, pattern: re.Pattern[str]) -> list[int]:
    return [int(m.group(1)) for m in pattern.finditer(title) if m.group(1).isdigit()]


def _plain_inline(tok: Any) -> str:
    """An inline token's text without its Markdown (``**需求1**`` reads 需求1)."""
    parts = []
    for c in tok.children or []:
        if c.type in ("text", "code_inline"):
            parts.append(c.content)
        elif c.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts).strip() if parts else tok.content.strip()
