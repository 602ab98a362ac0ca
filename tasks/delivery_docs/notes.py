"""The design notes the team writes in Markdown: read and decoded (UTF-8, size-limited), and
split in two: everything after a level-1 heading "用户手册", "使用说明", "操作说明" or
"User manual" goes to the manual, the rest is the technical design.
"""

from __future__ import annotations

from pathlib import Path

from changeflow.errors import InputError

from ..inputs import read_limited
from .common import CONTROL
from .markdown import md_parser

MAX_NOTES_BYTES = 512 * 1024
MANUAL_HEADINGS = {"用户手册", "使用说明", "操作说明", "user manual", "how to use"}


def split_notes(text: str) -> tuple[str, str]:
    """(design notes, manual notes): the manual part starts at a level-1 heading such as
    '# 用户手册' and runs to the next level-1 heading."""
    tokens = md_parser().parse(text)
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
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
