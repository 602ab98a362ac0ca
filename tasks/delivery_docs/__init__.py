"""Technical document (技术文档) and user manual (用户手册) of a request.

Both come from templates with the request's requirements, its plan, the design notes the
team writes in Markdown, the modules changed by the linked commits (paths grouped by
module) and screenshots. Why it is shaped like this:

* Markdown becomes real Word structure (headings, lists, tables, code blocks, bold,
  italic, code, links) through markdown-it's token stream with HTML off: raw HTML shows as
  the text it is, never as markup; links are written out, never fetched; images in the
  Markdown are shown by their alt text (pictures come only from ``screenshots``).
* Screenshots are checked before anything opens them: size, PNG/JPEG magic bytes, a
  picture header python-docx can read, sensible pixel dimensions.
* Versioned and reproducible: the inputs (context, notes, screenshots, template) have a
  digest; unchanged inputs give no new version, and rendering the same inputs again gives
  the same content (the core-property time comes from the inputs, not from now).
  ``content_digest`` compares documents by their parts, since a zip records write times.
* The notes' part for users: everything after a level-1 heading "用户手册", "使用说明",
  "操作说明" or "User manual" goes to the manual; the rest is the technical design.

Rooms:

* ``common``: ``CONTROL``;
* ``markdown``: Markdown to Word (``MarkdownWriter``, ``write_markdown``);
* ``notes``: the design notes, read, decoded and split into design and manual parts;
* ``screenshots``: screenshots checked (``MAX_SCREENSHOT_BYTES`` is read there) and placed;
* ``context``: what the documents show (``docs_context``);
* ``render``: one document rendered from its template (``render_doc``);
* ``making``: versions, digests and ``make_docs`` / ``make_docs_from_files``.
"""

from __future__ import annotations

from .context import docs_context
from .making import (
    DOCUMENT_STATES,
    KINDS,
    DocInputs,
    DocResult,
    content_digest,
    input_digest,
    make_docs,
    make_docs_from_files,
)
from .markdown import MONO, MarkdownWriter, write_markdown
from .notes import MANUAL_HEADINGS, MAX_NOTES_BYTES, decode_notes, read_notes, split_notes
from .render import render_doc
from .screenshots import (
    JPEG_MAGIC,
    MAX_PIXELS,
    MAX_SCREENSHOT_BYTES,
    MAX_SCREENSHOTS,
    PICTURE_WIDTH_MM,
    PNG_MAGIC,
    Screenshot,
    check_screenshot,
    read_screenshots,
    write_screenshots,
)

__all__ = [
    "DOCUMENT_STATES",
    "JPEG_MAGIC",
    "KINDS",
    "MANUAL_HEADINGS",
    "MAX_NOTES_BYTES",
    "MAX_PIXELS",
    "MAX_SCREENSHOTS",
    "MAX_SCREENSHOT_BYTES",
    "MONO",
    "PICTURE_WIDTH_MM",
    "PNG_MAGIC",
    "DocInputs",
    "DocResult",
    "MarkdownWriter",
    "Screenshot",
    "check_screenshot",
    "content_digest",
    "decode_notes",
    "docs_context",
    "input_digest",
    "make_docs",
    "make_docs_from_files",
    "read_notes",
    "read_screenshots",
    "render_doc",
    "split_notes",
    "write_markdown",
    "write_screenshots",
]
