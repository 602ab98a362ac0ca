"""The page check: what a reader sees on every page of a document rendered through
LibreOffice (``to_pdf`` converts a batch in one ``soffice`` call), read page by page from
the PDF (``pdftotext``, ``pdftoppm``) next to the .docx's own tables.

``check_pages(docx_path, pdf_path, lang)`` lists every problem as a ``Finding``:

* ``broken-token``: a token that must stay whole (a request key, a date with its time, a
  time, an amount) split over two lines of a table cell (not found whole on any line of
  the PDF text);
* ``narrow-column``: a table column narrower than its longest unbreakable token (the
  widths in the .docx grid against ``docs_templates.fit.required_mm``);
* ``pushed-over``: a page other than the last whose content ends above
  ``FILLED`` of the text height while the next page begins with what was pushed over;
* ``stranded-rows``: a table that leaves one or two rows alone at the top of the next page
  (or starts with a single row at the foot of a page);
* ``signoff-alone``: the closing sign-off (or seal) section, its heading and the tables
  to be written in, alone on the last page (``tasks.wordkit.keep_signoff`` keeps what is
  before it with it);
* ``stranded-list``: a list that leaves its last one or two items alone at the top of the
  next page;
* ``hash``, ``identifier``, ``tool-file``, ``iso-date``, ``english``: engineering data and
  program wording in a zh-CN document (the hash, identifier and tool-file rules in English
  too): commit hashes and checksums, program identifiers (``a_b``, ``a::b``), tool file
  names (``run_checks.py``, ``junit.xml``), ISO dates, English words and Latin
  abbreviations outside code blocks (monospace runs in the .docx) and a short list of
  names every office knows. The technical document's appendix titled ``TECH_APPENDIX``
  is where commits, tags and checksums belong: these rules stop at it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.oxml.ns import qn

from changeflow.docs_templates import fit

from .words import CLIENT
from .words import TECHNICAL as TECHNICAL_WORDS

ROOT = Path(__file__).resolve().parents[3]
FONTS_CONF = ROOT / "docs_templates" / "fonts" / "fonts.conf"
FILLED = 0.55  # a page ending above this share of its text height is mostly empty
TECH_APPENDIX = ("附录 技术信息", "Appendix: technical record")
# words a Chinese office reads in Latin letters, and what a technical reader of the
# technical document knows: the one list (doccheck/words.py)
ALLOWED = CLIENT
TECHNICAL = TECHNICAL_WORDS
KEY = re.compile(r"\b[A-Z]{2,4}-\d{4}-\d{4}\b")
# not words: an e-mail address, a document's file name, a numbered item (A1, B12), a test
# case's number (TC-1-2, as the cases file and the report's tables name it)
NOT_WORDS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\S+\.(?:docx|pdf|xlsx|doc|png|jpg)\b|\b[A-Z]\d{0,3}\b"
    r"|\b[A-Z]{1,4}(?:-\d+){1,3}\b"
)
WHOLE = re.compile(
    r"[A-Z]{2,4}-\d{4}-\d{4}"
    r"|\d{4}年\d{1,2}月\d{1,2}日(?:\s\d{1,2}:\d{2})?"
    r"|\d{4}-\d{2}-\d{2}(?:\s\d{1,2}:\d{2})?"
    r"|(?<![\d-])\d{2}-\d{2}\s\d{1,2}:\d{2}"
    r"|(?<![\d:])\d{1,2}:\d{2}(?![\d:])"
    r"|[¥￥]?\d{1,3}(?:,\d{3})+(?:\.\d{2})?|[¥￥]?\d+\.\d{2}\b"
    r"|(?<![\d.])\d+(?:\.\d+)?\s(?:min|h)(?![A-Za-z])"  # a length in Latin units
)
HASH = re.compile(r"(?<![\w-])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}(?![\w-])")
IDENTIFIER = re.compile(r"\b[A-Za-z]\w*::\w+|\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
TOOL_FILE = re.compile(r"\b[\w-]+\.(?:py|xml|json|ya?ml|toml|sh|log|cfg|ini|lock)\b")
ISO_DATE = re.compile(r"(?<![\w.-])\d{4}-\d{2}-\d{2}(?![\w-])|(?<![\d-])\d{2}-\d{2}\s\d{2}:\d{2}")
LATIN = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")


@dataclass(frozen=True)
class Finding:
    rule: str
    found: str
    where: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.found!r} ({self.where})"


# --- LibreOffice and poppler ------------------------------------------------------------------


def to_pdf(paths: Iterable[Path], out: Path) -> dict[Path, Path]:
    """Every .docx converted to PDF in ONE soffice call (names must be unique)."""
    paths = list(paths)
    out.mkdir(parents=True, exist_ok=True)
    profile = out / ".lo-profile"
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "pdf", "--outdir", str(out), *map(str, paths)],
        check=True, capture_output=True, env=env, timeout=600,
    )  # fmt: skip
    shutil.rmtree(profile, ignore_errors=True)
    return {p: out / (p.stem + ".pdf") for p in paths}


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def ink_bottoms(pdf: Path, dpi: int = 24) -> list[float]:
    """For each page, where its content ends, as a share of the text height (the page less
    its margins; the header and footer lie outside it)."""
    from PIL import Image

    tmp = pdf.with_suffix("")
    prefix = f"{tmp}-ink"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), prefix], check=True)
    files = sorted(
        Path(prefix).parent.glob(Path(prefix).name + "-*.png"),
        key=lambda p: int(p.stem.rsplit("-", 1)[1]),
    )
    out = []
    for f in files:
        im = Image.open(f).convert("L")
        w, h = im.size
        top, bottom = round(h * 27 / 297), round(h * (297 - 26) / 297)
        px = im.load()
        last = top
        for y in range(top, bottom):
            if any(px[x, y] < 200 for x in range(0, w)):
                last = y
        out.append((last - top) / (bottom - top))
        f.unlink()
    return out


# --- the rules -------------------------------------------------------------------------------


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _cell_paragraphs(tbl: object) -> Iterable[str]:
    for tc in tbl.iter(qn("w:tc")):  # type: ignore[attr-defined]
        yield from fit.read_cell(tc).lines


def broken_tokens(doc: object, pages: list[str]) -> list[Finding]:
    """A token of a table cell found whole on fewer lines of the PDF than the document
    holds it (the header and the repeated table headers only add whole copies)."""
    lines = [_squash(line) for page in pages for line in page.splitlines()]
    body = doc.element.body  # type: ignore[attr-defined]
    in_doc = " ".join(
        "".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p"))
    )
    out = []
    seen = set()
    for tbl in body.iter(qn("w:tbl")):
        for text in _cell_paragraphs(tbl):
            # a length in Chinese units stays whole in a short value (达标（150 分钟）); in
            # prose a Chinese layout engine breaks before 分钟 as it breaks between any two
            # characters (LibreOffice does so even after a no-break space)
            short = len(text.strip()) <= fit.SHORT_LINE
            for tok in WHOLE.findall(text) + (fit.CJK_LENGTH.findall(text) if short else []):
                t = _squash(tok)
                if t in seen:
                    continue
                seen.add(t)
                whole = sum(line.count(t) for line in lines)
                if whole < _squash(in_doc).count(t):
                    out.append(Finding("broken-token", tok, "table cell"))
    return out


def narrow_columns(doc: object) -> list[Finding]:
    out = []
    body = doc.element.body  # type: ignore[attr-defined]
    for i, tbl in enumerate(body.iter(qn("w:tbl")), start=1):
        need = fit.required_mm(tbl)
        grid = fit.grid_mm(tbl)
        if need is None or len(grid) != len(need):
            continue
        for c, (have, want) in enumerate(zip(grid, need, strict=True), start=1):
            if have + 0.5 < want:
                out.append(
                    Finding("narrow-column", f"{have:.1f} mm < {want:.1f} mm", f"table {i} col {c}")
                )
    return out


def pushed_over(bottoms: list[float], pages: list[str]) -> list[Finding]:
    out = []
    for n, (b, text) in enumerate(zip(bottoms[:-1], pages[:-1], strict=False), start=1):
        if b < FILLED:
            head = " ".join(text.split())[:40]
            out.append(Finding("pushed-over", f"page {n} ends at {b:.0%}", head))
    return out


def _row_signature(tr: object) -> str:
    """The first unbreakable token of the row's first two cells: what the row's first line
    on the page begins with (``pdftotext -layout`` puts a row's cells side by side)."""
    parts = []
    for tc in tr.findall(qn("w:tc"))[:2]:  # type: ignore[attr-defined]
        lines = fit.read_cell(tc).lines
        first = _squash(lines[0]) if lines else ""
        toks = fit.tokens(lines[0]) if lines else []
        if not toks:
            break
        parts.append(first if len(first) <= 6 else _squash(toks[0]))
    sig = "".join(parts)
    return sig if len(sig) >= 2 else ""


def stranded_rows(doc: object, pages: list[str]) -> list[Finding]:
    """Each table's data rows found, in order, in the pages' text; a table whose last one
    or two rows land alone on a later page (or whose first row alone ends a page)."""
    flat, starts = "", []
    for n, page in enumerate(pages):  # each page without the running header it repeats
        starts.append(len(flat))
        flat += _own_text(page, pages[n - 1]) if n else _squash(page)
    starts.append(len(flat) + 1)

    def page_of(pos: int) -> int:
        return max(i for i, s in enumerate(starts) if s <= pos)

    out = []
    cursor = 0
    body = doc.element.body  # type: ignore[attr-defined]
    for i, tbl in enumerate(body.findall(qn("w:tbl")), start=1):
        rows = tbl.findall(qn("w:tr"))
        data = [tr for tr in rows if not fit._is_header(tr)]
        where = []
        for tr in data:
            sig = _row_signature(tr)
            if not sig:
                continue
            pos = flat.find(sig, cursor)
            if pos < 0:
                continue
            cursor = pos + len(sig)
            where.append(page_of(pos))
        if len(where) < 3 or where[0] == where[-1]:
            continue
        last = where.count(where[-1])
        first = where.count(where[0])
        if last <= 2:
            out.append(Finding("stranded-rows", f"{last} row(s) alone on page {where[-1] + 1}",
                               f"table {i}"))  # fmt: skip
        elif first == 1:
            out.append(Finding("stranded-rows", f"1 row alone at the foot of page {where[0] + 1}",
                               f"table {i}"))  # fmt: skip
    return out


def _el_text(e: object) -> str:
    return _squash("".join(t.text or "" for t in e.iter(qn("w:t"))))  # type: ignore[attr-defined]


def _own_text(page: str, before: str) -> str:
    """The page's text without the running header it shares with the page before."""
    here = [_squash(x) for x in page.splitlines() if x.strip()]
    there = [_squash(x) for x in before.splitlines() if x.strip()]
    n = 0  # whole lines: a row that begins as the last page's did (2026年11月…) is its own
    while n < min(len(here), len(there)) and here[n] == there[n]:
        n += 1
    return "".join(here[n:])


def signoff_alone(doc: object, pages: list[str]) -> list[Finding]:
    from changeflow.tasks.wordkit import signoff_start

    if len(pages) < 2:
        return []
    at = signoff_start(doc)  # type: ignore[arg-type]
    if at is None:
        return []
    body = doc.element.body  # type: ignore[attr-defined]
    els = [e for e in body if e.tag in (qn("w:p"), qn("w:tbl"))]
    head = _el_text(els[at])
    own = _own_text(pages[-1], pages[-2])
    if head and own.startswith(head):
        return [Finding("signoff-alone", f"page {len(pages)} holds only the sign-off",
                        head[:20])]  # fmt: skip
    return []


_LIST_MARK = re.compile(r"^(?:\d{1,2}[.)、．]|[•·●▪◦–-])")


def stranded_list(doc: object, pages: list[str]) -> list[Finding]:
    """A list (numbered or bulleted paragraphs in a row, or paragraphs typed 1. 2. 3.) of
    three or more items whose last one or two items stand alone at the top of the next
    page: its items found in order in the pages' text, as the rows of a table are."""
    from changeflow.tasks.wordkit import _is_list

    flat, starts = "", []
    for n, page in enumerate(pages):
        starts.append(len(flat))
        flat += _own_text(page, pages[n - 1]) if n else _squash(page)

    def page_of(pos: int) -> int:
        return max(i for i, s in enumerate(starts) if s <= pos)

    body = doc.element.body  # type: ignore[attr-defined]
    runs: list[list[str]] = [[]]
    for e in body:
        if e.tag == qn("w:p") and _is_list(e) and _el_text(e):
            runs[-1].append(_LIST_MARK.sub("", _el_text(e))[:12])  # without a typed 1.
        elif runs[-1]:
            runs.append([])
    out, cursor = [], 0
    for items in runs:
        where = []
        for item in items:
            pos = flat.find(item, cursor)
            if pos < 0:
                continue
            cursor = pos + len(item)
            where.append(page_of(pos))
        if len(where) < 3 or where[0] == where[-1]:
            continue
        last = where.count(where[-1])
        if last <= 2:
            out.append(Finding("stranded-list", f"{last} item(s) alone on page {where[-1] + 1}",
                               items[-1]))  # fmt: skip
    return out


def _code_texts(doc: object) -> list[str]:
    from .content import _is_mono

    out = []
    for p in doc.element.body.iter(qn("w:p")):  # type: ignore[attr-defined]
        from docx.text.paragraph import Paragraph

        cur = ""
        for r in Paragraph(p, None).runs:  # each stretch of monospace runs is one piece
            if _is_mono(r):
                cur += r.text
            elif cur:
                out.append(cur)
                cur = ""
        if cur.strip():
            out.append(cur)
    return out


def _before_appendix(pages: list[str], lang: str) -> str:
    text = "\n".join(pages)
    title = TECH_APPENDIX[0] if lang == "zh-CN" else TECH_APPENDIX[1]
    at = _squash(text).find(_squash(title))
    if at < 0:
        return text
    # cut the spaced text at the same squashed offset
    n = 0
    for i, c in enumerate(text):
        if not c.isspace():
            if n == at:
                return text[:i]
            n += 1
    return text


def wording(
    doc: object, pages: list[str], lang: str, allow: Iterable[str] = (), technical: bool = False
) -> list[Finding]:
    text = _before_appendix(pages, lang)
    # code, word by word (a table's columns interleave in the PDF text), whole words only,
    # as many times as the code holds each word
    from collections import Counter

    words = Counter(w for code in _code_texts(doc) for w in code.split())
    for word, n in sorted(words.items(), key=lambda x: len(x[0]), reverse=True):
        text = re.sub(rf"(?<![\w/.]){re.escape(word)}(?![\w/.])", " ", text, count=n)
    text = re.sub(r"\S*/\S*|\S+@\S+", " ", text) if lang != "zh-CN" else text
    out = []
    rules: list[tuple[str, re.Pattern[str]]] = [
        ("hash", HASH), ("identifier", IDENTIFIER), ("tool-file", TOOL_FILE),
    ]  # fmt: skip
    if lang == "zh-CN":
        rules.append(("iso-date", ISO_DATE))
    # names the document may quote (the contract's, the design notes' tables and fields)
    quoted = {m for a in allow for m in IDENTIFIER.findall(a)}
    for rule, pattern in rules:
        for m in pattern.finditer(text):
            if m.group(0) not in quoted:
                out.append(Finding(rule, m.group(0), _around(text, m.start())))
    if lang == "zh-CN":
        allowed = ALLOWED | {w.casefold() for a in allow for w in LATIN.findall(a)}
        allowed |= TECHNICAL if technical else frozenset()
        prose = NOT_WORDS.sub(" ", KEY.sub(" ", text))
        for m in LATIN.finditer(prose):
            if m.group(0).casefold() not in allowed:
                out.append(Finding("english", m.group(0), _around(prose, m.start())))
    return out


def _around(text: str, at: int) -> str:
    return " ".join(text[max(0, at - 20) : at + 30].split())


def check_pages(
    docx_path: Path, pdf_path: Path, lang: str, allow: Iterable[str] = (), technical: bool = False
) -> list[Finding]:
    """Every rule on one document (``technical``: the technical document, whose reader
    knows HTTP, API and the like)."""
    doc = docx.Document(str(docx_path))
    pages = page_texts(pdf_path)
    bottoms = ink_bottoms(pdf_path)
    return [
        *broken_tokens(doc, pages),
        *narrow_columns(doc),
        *pushed_over(bottoms, pages),
        *stranded_rows(doc, pages),
        *signoff_alone(doc, pages),
        *stranded_list(doc, pages),
        *wording(doc, pages, lang, allow, technical),
    ]
