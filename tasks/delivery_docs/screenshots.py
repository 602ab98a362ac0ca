"""Screenshots for the user manual, checked before anything opens them: size, PNG/JPEG magic
bytes, a picture header python-docx can read, sensible pixel dimensions; then placed with
their captions.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from changeflow.bilingual import is_zh
from changeflow.errors import InputError

from ..inputs import clean_text, read_limited

MAX_SCREENSHOTS = 20
MAX_SCREENSHOT_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 12_000
PICTURE_WIDTH_MM = 146  # within the house's text width (docs_templates.house.TEXT_MM, 146.6)
# a picture at most this tall, so a screenshot does not push half a page over
PICTURE_HEIGHT_MM = 110
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


@dataclass
class Screenshot:
    name: str
    data: bytes
    caption: str
    width_px: int = 0
    height_px: int = 0

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_screenshot(data: bytes, source: str, caption: str | None = None) -> Screenshot:
    """A PNG or JPEG within the size limits, by its bytes (the file name does not count)."""
    if not data:
        raise InputError(source, "screenshot", "is empty")
    if len(data) > MAX_SCREENSHOT_BYTES:
        raise InputError(
            source, "screenshot", f"is {len(data)} bytes; the limit is {MAX_SCREENSHOT_BYTES}"
        )
    if not (data.startswith(PNG_MAGIC) or data.startswith(JPEG_MAGIC)):
        raise InputError(source, "screenshot", "is not a PNG or JPEG picture")
    from docx.image.image import Image

    try:
        img = Image.from_blob(data)
        width, height = img.px_width, img.px_height
    except Exception:
        raise InputError(source, "screenshot", "is a damaged picture (no readable size)") from None
    if not (0 < width <= MAX_PIXELS and 0 < height <= MAX_PIXELS):
        raise InputError(
            source, "screenshot", f"is {width}x{height} pixels; at most {MAX_PIXELS} a side"
        )
    name = Path(source).name
    text = clean_text(caption if caption is not None else Path(name).stem, 200)
    return Screenshot(name=name, data=data, caption=text, width_px=width, height_px=height)


def read_screenshots(paths: Sequence[Path]) -> list[Screenshot]:
    """The pictures given: files, or a folder standing for its PNG and JPEG files."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(f for f in p.iterdir() if f.is_file()
                            and f.suffix.lower() in (".png", ".jpg", ".jpeg"))  # fmt: skip
        else:
            found.append(p)
    paths = found
    if len(paths) > MAX_SCREENSHOTS:
        raise InputError("--screenshot", "screenshot", f"at most {MAX_SCREENSHOTS} pictures")
    return [check_screenshot(read_limited(Path(p), MAX_SCREENSHOT_BYTES), str(p)) for p in paths]


def write_screenshots(
    doc: Any, anchor: Any, shots: Sequence[Screenshot], lang: str, start: int = 1
) -> None:
    """Each picture centred with its numbered caption (图 n), before ``anchor``."""
    for n, shot in enumerate(shots, start=start):
        p = doc.add_paragraph()
        anchor.addprevious(p._p)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_with_next = True  # its caption on the same page
        natural = Mm(shot.width_px * 25.4 / 96)
        width = min(natural, Mm(PICTURE_WIDTH_MM))
        if shot.width_px and shot.height_px:  # a tall picture: its height sets the width
            width = min(width, Mm(PICTURE_HEIGHT_MM * shot.width_px / shot.height_px))
        p.add_run().add_picture(io.BytesIO(shot.data), width=width)
        cap = doc.add_paragraph(style="Caption")
        anchor.addprevious(cap._p)
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        label = f"图 {n}  " if is_zh(lang) else f"Figure {n}. "
        cap.add_run(label + shot.caption)
