"""Glyphs of symbol fonts: what a character typed in Wingdings, Webdings or Symbol shows.

Word writes a tick box as ``w:sym`` (font and private-use code F0xx); LibreOffice as the
character F0FE in a Wingdings run. Both are read as the character they draw; an unknown
character of a symbol font is refused (``Unreadable``) rather than guessed.
"""

from __future__ import annotations

from typing import Any

from docx.oxml.ns import nsmap as _NSMAP

from .drawn import Unreadable, first

W = _NSMAP["w"]


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Symbol fonts: private-use code (F0xx) -> what the glyph shows.
_DIGITS = {ord(c): c for c in " ,.-0123456789/:;()+="}
SYMBOL_FONTS: dict[str, dict[int, str]] = {
    "wingdings": {
        0x6C: "●", 0x6E: "■", 0x6F: "□", 0x71: "❑", 0x72: "❒", 0x9F: "•", 0xA1: "○",
        0xA4: "◉", 0xA8: "☐", 0xFB: "✗", 0xFC: "✓", 0xFD: "☒", 0xFE: "☑",
    },
    "wingdings 2": {
        0x4F: "✗", 0x50: "✓", 0x51: "☒", 0x52: "☑", 0x53: "☒", 0x54: "☒", 0x97: "●",
        0x99: "○", 0xA3: "☐", 0xA2: "■",
    },
    "symbol": {**_DIGITS, 0xB4: "×", 0xD6: "√", 0xB7: "•", 0xA5: "∞"},
    "webdings": {0x61: "✓", 0x63: "☐", 0x67: "■", 0x72: "✗"},
}  # fmt: skip


_RFONTS = _w("rFonts")


def run_font(rpr: Any) -> str:
    """The run's own font (ascii, else hAnsi), lower case; '' when it names none."""
    if rpr is None:
        return ""
    fonts = first(rpr, _RFONTS)
    if fonts is None:
        return ""
    return (fonts.get(_w("ascii")) or fonts.get(_w("hAnsi")) or "").strip().lower()


def in_font(text: str, font: str) -> str:
    """Text typed in a symbol font shows that font's glyphs (LibreOffice writes a Wingdings
    tick as the character F0FE in a Wingdings run, not as ``w:sym``)."""
    table = SYMBOL_FONTS.get(font)
    if table is None or not text:
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if not (code < 0x100 or 0xF000 <= code <= 0xF0FF):
            out.append(ch)  # CJK and the rest are drawn by the run's East Asian font
            continue
        low = code - 0xF000 if code >= 0xF000 else code
        if low not in table:
            raise Unreadable(f"a symbol character the reader cannot map ({font} {code:04X})")
        out.append(table[low])
    return "".join(out)


def symbol(sym: Any) -> str:
    font = (sym.get(_w("font")) or "").strip().lower()
    try:
        code = int(sym.get(_w("char")) or "", 16)
    except ValueError:
        raise Unreadable("a symbol character without a code") from None
    low = code - 0xF000 if code >= 0xF000 else code
    table = SYMBOL_FONTS.get(font)
    if table is not None:
        if low in table:
            return table[low]
        raise Unreadable(f"a symbol character the reader cannot map ({font} {code:04X})")
    if font.startswith(("wingdings", "webdings", "marlett", "zapf")):
        raise Unreadable(f"a symbol character the reader cannot map ({font} {code:04X})")
    return chr(low)
