"""The OA manual's chapters and how a request's chapters are merged into them.

A chapter is ``{"title", "body", "requests"}`` (Markdown body; the keys of the requests it
came from, oldest first). A request's chapter whose title matches one already in the manual
(numbering and case ignored) replaces that chapter's text and adds its key; a new title is
appended. Pure functions: the record and the document are in ``versions``.
"""

from __future__ import annotations

import re
from typing import Any

from changeflow.bilingual import is_zh

_NUMBERING = re.compile(r"^\s*(?:第?[一二三四五六七八九十\d]+[章节]?[、.．:：\s]+)")


def title_key(title: str) -> str:
    return _NUMBERING.sub("", title or "").strip().rstrip(":：").strip().lower()


def merge_chapters(
    current: list[dict[str, Any]], key: str, chapters: list[dict[str, str]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The manual's chapters with ``key``'s merged, and the titles it changed or added."""
    out = [dict(c, requests=list(c.get("requests", []))) for c in current]
    index = {title_key(c["title"]): i for i, c in enumerate(out)}
    changed: list[str] = []
    for ch in chapters:
        title = _NUMBERING.sub("", ch.get("title", "")).strip()
        if not title:
            continue
        k = title_key(title)
        if k in index:
            c = out[index[k]]
            c["body"] = ch.get("body", "")
            c["pictures"] = list(ch.get("pictures") or [])  # the revised text's own pictures
            if key not in c["requests"]:
                c["requests"].append(key)
        else:
            index[k] = len(out)
            out.append({"title": title, "body": ch.get("body", ""), "requests": [key],
                        "pictures": list(ch.get("pictures") or [])})  # fmt: skip
        changed.append(title)
    return out, changed


def chapter_heading(n: int, title: str, lang: str) -> str:
    return f"第{n}章　{title}" if is_zh(lang) else f"{n}. {title}"


def picture_name(n: int, name: str) -> str:
    """The name chapter ``n``'s picture ``name`` goes by in the whole manual (two requests'
    chapters may each show their own 审批界面.png)."""
    return f"c{n}-{name}"


def _own_pictures(body: str, n: int, pictures: list[dict[str, Any]]) -> str:
    """The body's images that name one of its chapter's pictures renamed (``picture_name``)."""
    from pathlib import PurePosixPath
    from urllib.parse import quote, unquote

    names = {p.get("name") for p in pictures}

    def rename(m: re.Match[str]) -> str:
        name = PurePosixPath(unquote(m.group(2))).name
        if name not in names:
            return m.group(0)
        return m.group(1) + quote(picture_name(n, name)) + m.group(3)

    return re.sub(r"(!\[[^\]]*\]\(\s*<?)([^)\s>]+)(>?)", rename, body)


def compose(chapters: list[dict[str, Any]], lang: str) -> str:
    """The chapters as one Markdown text: a level-1 heading each, the requests it came from
    under it, then its text (its own headings one level down; its images naming its own
    pictures renamed by ``picture_name``)."""
    zh = is_zh(lang)
    parts = []
    for n, c in enumerate(chapters, 1):
        source = ("、" if zh else ", ").join(c.get("requests", []))
        note = f"*本章依据：{source}*" if zh else f"*From: {source}*"
        body = c.get("body", "").strip()
        if c.get("pictures"):
            body = _own_pictures(body, n, c["pictures"])
        body = _demote(body) or ("（待补充）" if zh else "(to be completed)")
        parts.append(f"# {chapter_heading(n, c['title'], lang)}\n\n{note}\n\n{body}\n")
    return "\n".join(parts)


def _demote(body: str) -> str:
    """Headings inside a chapter sit below its level-1 heading."""
    out, fence = [], False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if not fence and re.match(r"^#{1,5}\s", line):
            line = "#" + line
        out.append(line)
    return "\n".join(out)
