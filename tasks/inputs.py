"""Checks every file a client sends before anything parses it.

A .docx is a zip of XML parts: refuse what is not a zip (an old binary .doc or an encrypted
document is an OLE2 file), macro-enabled files, zip bombs (entry count, declared sizes,
compression ratio) and XML with DOCTYPE/ENTITY declarations (entity expansion), all before
python-docx or lxml sees the bytes. YAML gets a loader without aliases (no alias bombs) and
without any Python tags.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import yaml

from changeflow.errors import InputError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_PART_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 120
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# Control characters a text keeps out (tab, line feed and carriage return stay).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read_limited(path: Path, limit: int = MAX_FILE_BYTES, source: str | None = None) -> bytes:
    """Read a whole file, refusing a missing, empty, special or oversized one. ``source``
    names the file in a refusal (the client's name of a file the inbox claimed)."""
    from .formats import empty_file

    src = source or str(path)
    try:
        if not path.is_file():
            raise InputError(src, "file", "not found or not a regular file")
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(src, "file", f"cannot be read ({exc.strerror})") from None
    if size == 0:
        raise empty_file(src)
    if size > limit:
        raise InputError(src, "file", f"is {size} bytes; the limit is {limit}")
    return path.read_bytes()


def check_docx(data: bytes, source: str) -> None:
    """Refuse anything that is not a plain, reasonably sized Word .docx package (what it
    is instead, and what to do, is said by ``formats.not_a_docx``)."""
    from .formats import not_a_docx

    if len(data) > MAX_FILE_BYTES:
        raise InputError(source, "file", f"is {len(data)} bytes; the limit is {MAX_FILE_BYTES}")
    other = not_a_docx(data, source)
    if other is not None:
        raise other
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise InputError(source, "file", f"is a damaged or truncated .docx ({exc})") from None
    if len(infos) > MAX_ENTRIES:
        raise InputError(source, "file", f"has {len(infos)} parts; the limit is {MAX_ENTRIES}")
    names = {i.filename for i in infos}
    total = 0
    for info in infos:
        name = info.filename
        if name.startswith("/") or "\\" in name or ".." in name.split("/") or ":" in name:
            raise InputError(
                source, "file", f"part name {name!r} is not a plain relative name (refused)"
            )
        if info.flag_bits & 0x1:
            raise InputError(source, "file", "is encrypted; save it without a password")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_PART_UNCOMPRESSED or (
            info.file_size > 1_000_000 and ratio > MAX_RATIO
        ):
            raise InputError(
                source, "file", f"part {info.filename} expands too far (zip bomb refused)"
            )
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise InputError(source, "file", "expands to more than 200 MB (zip bomb refused)")
    if "[Content_Types].xml" not in names:
        raise InputError(
            source, "file", "is a zip but not a Word document (no [Content_Types].xml)"
        )
    if "word/vbaProject.bin" in names:
        raise InputError(source, "file", "contains macros (.docm); save it as a plain .docx")
    try:
        ctypes = zf.read("[Content_Types].xml")
        if b"macroEnabled" in ctypes:
            raise InputError(source, "file", "is macro-enabled (.docm); save it as a plain .docx")
        for info in infos:
            if info.filename.endswith((".xml", ".rels")):
                with zf.open(info) as part:
                    chunk = part.read(MAX_PART_UNCOMPRESSED + 1)
                # A UTF-16 part would hide the declaration from a byte search: drop NULs too.
                if _DTD.search(chunk) or (
                    b"\x00" in chunk and _DTD.search(chunk.replace(b"\x00", b""))
                ):
                    raise InputError(
                        source, "file", f"part {info.filename} declares a DOCTYPE/ENTITY (refused)"
                    )
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as exc:
        raise InputError(source, "file", f"is a damaged or truncated .docx ({exc})") from None


def open_docx(data: bytes, source: str) -> Any:
    """Check, then open with python-docx; any parser failure becomes one InputError."""
    check_docx(data, source)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError(source, "file", f"cannot be read as a Word document ({exc})") from None
    except Exception as exc:  # lxml.etree.XMLSyntaxError and friends
        raise InputError(source, "file", f"has broken XML ({type(exc).__name__})") from None


MAX_YAML_DEPTH = 64


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases (no billion laughs) and deep nesting (no
    recursion blow-up): a task book or an estimate is a few levels deep."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not accepted", event.start_mark
            )
        if self._depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nesting deeper than {MAX_YAML_DEPTH} levels is not accepted",
                self.peek_event().start_mark,
            )  # fmt: skip
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# YAML 1.2 booleans only: a key or value such as ``no`` (序号) or ``on`` stays text.
_NoAliasLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_NoAliasLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(data: bytes, source: str) -> Any:
    """Parse YAML from bytes: UTF-8 only, no aliases, no Python tags, one document."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(source, "file", f"is not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.load(text, Loader=_NoAliasLoader)
    except ValueError as exc:  # e.g. an unquoted impossible date such as 2027-02-30
        raise InputError(source, "document", f"invalid value in YAML: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "document"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(source, where, f"invalid YAML: {problem}") from None


def clean_text(value: str, limit: int = 20000) -> str:
    """Strip control characters Word cannot hold and cap the length."""
    return CONTROL.sub("", value).strip()[:limit]
