"""The hostile-input corpus: files a careless or malicious sender could hand each door.

Generated, not committed: zip bombs and huge tables are big, and generating them keeps the
corpus honest as the templates change. ``make(dest)`` writes every case into ``dest`` and
returns them; ``python -m tests.support.hostile.make_corpus OUT`` writes them for a look by hand.

A case says which door it is for (the command that reads the file), its class, and what the
door must do: ``refused`` (exit 2, one line naming the file, field and problem, nothing
written) or ``harmless`` (taken as plain text: nothing outside the store, names made safe).
"""

from __future__ import annotations

import copy
import io
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Doors: the command that reads the file (``{file}`` and ``{key}`` are filled in by the test).
DOORS: dict[str, tuple[str, ...]] = {
    "taskbook": ("intake", "{file}"),
    "estimates": ("plan", "{key}", "--estimates", "{file}"),
    "calendar": ("calendar", "import", "{file}"),
    "contract": ("contract", "load", "{file}"),
    "approve": ("approve", "{file}"),  # the returned plan with the client's sign-off
    "accept": ("accept", "{file}"),  # the returned acceptance certificate
    "dispatch": ("dispatch", "signoff", "{file}"),  # the returned dispatch order
    "junit": ("test", "{key}", "--junit", "{file}"),  # JUnit XML of a test run elsewhere
    "notes": ("docs", "{key}", "--notes", "{file}", "--draft"),  # design notes (Markdown)
}
# Every generic Word case is also sent to these doors (any .docx a client returns).
WORD_DOORS = ("approve", "accept", "dispatch")
# Doors that read their file only for a request in development (the test brings it there).
NEEDS_DEVELOPMENT = ("junit", "notes")


@dataclass(frozen=True)
class Case:
    door: str
    klass: str  # the class of hostility, as the note lists it
    name: str  # file name in the corpus
    field: str = ""  # expected in the error line
    words: str = ""  # expected in the error line
    expect: str = "refused"  # or "harmless"
    pending: str = ""  # a known gap: the owner and the fix (the test is xfail until then)


Maker = Callable[[], bytes]


# --- building blocks -------------------------------------------------------------------------


def zip_bytes(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def docx_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(EXAMPLES / "taskbook.docx") as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def with_part(name: str, data: bytes) -> bytes:
    parts = docx_parts()
    parts[name] = data
    return zip_bytes(parts)


def document_xml() -> bytes:
    return docx_parts()["word/document.xml"]


def xml_body(xml: bytes) -> bytes:
    """The document part without its XML declaration."""
    return xml.split(b"?>", 1)[1]


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def billion_laughs_docx() -> bytes:
    body = xml_body(document_xml()).replace("请假".encode(), b"&lol9;", 1)
    return with_part("word/document.xml", b'<?xml version="1.0"?>' + LAUGHS.encode() + body)


def utf16_doctype_docx(entity: str = "lol9") -> Maker:
    def make() -> bytes:
        xml = '<?xml version="1.0" encoding="UTF-16"?>' + LAUGHS
        xml += xml_body(document_xml()).decode().replace("请假", f"&{entity};", 1)
        return with_part("word/document.xml", xml.encode("utf-16"))

    return make


def xxe_docx() -> bytes:
    dtd = b'<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    body = xml_body(document_xml()).replace("请假".encode(), b"&xxe;", 1)
    return with_part("word/document.xml", b'<?xml version="1.0"?>' + dtd + body)


def content_types_doctype_docx() -> bytes:
    ct = docx_parts()["[Content_Types].xml"]
    return with_part(
        "[Content_Types].xml", b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "b">]>' + xml_body(ct)
    )


def nested_doctype_docx() -> bytes:
    """A DOCTYPE hidden in a part that python-docx loads second (styles), inner subset nesting."""
    styles = docx_parts()["word/styles.xml"]
    dtd = b"<!DOCTYPE s [<!ELEMENT s ANY><!ENTITY % p \"<!ENTITY e 'x'>\"> %p;]>"
    return with_part("word/styles.xml", b'<?xml version="1.0"?>' + dtd + xml_body(styles))


def zip_bomb_docx() -> bytes:
    return with_part("word/document.xml", b"<w:p/>" * (12 * 1024 * 1024))


def many_parts_docx() -> bytes:
    parts = docx_parts()
    for i in range(2100):
        parts[f"customXml/item{i}.xml"] = b"<a/>"
    return zip_bytes(parts)


def encrypted_zip_docx() -> bytes:
    """Entries flagged as encrypted (ZipCrypto): the flag a password-protected zip carries.

    ``zipfile`` cannot write encrypted entries, so the flag bit is set in every local and
    central header of a plain package.
    """
    data = bytearray(zip_bytes(docx_parts()))
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = data.find(sig)
        while i != -1:
            data[i + flag_at] |= 0x1
            i = data.find(sig, i + 4)
    return bytes(data)


def truncated_docx() -> bytes:
    return (EXAMPLES / "taskbook.docx").read_bytes()[:3000]


def cut_central_directory_docx() -> bytes:
    data = (EXAMPLES / "taskbook.docx").read_bytes()
    return data[: data.rfind(b"PK\x01\x02")]


def macro_docx() -> bytes:
    return with_part("word/vbaProject.bin", b'Attribute VB_Name = "ThisDocument"')


def macro_content_type_docx() -> bytes:
    ct = docx_parts()["[Content_Types].xml"].replace(
        b"document.main+xml", b"document.macroEnabled.main+xml"
    )
    return with_part("[Content_Types].xml", ct)


def not_word_zip() -> bytes:
    return zip_bytes({"hello.txt": b"hi", "[Content_Types].xml": b"<Types/>"})


def slip_docx(name: str) -> Maker:
    return lambda: with_part(name, b"<evil/>")


def broken_xml_docx(old: bytes, new: bytes) -> Maker:
    return lambda: with_part("word/document.xml", document_xml().replace(old, new, 1))


def taskbook_data(**changes: Any) -> dict[str, Any]:
    from changeflow.tasks.inputs import load_yaml  # YAML 1.2 booleans: the key ``no`` stays

    data = load_yaml((EXAMPLES / "taskbook.yaml").read_bytes(), "taskbook.yaml")
    data.update(copy.deepcopy(changes))
    return data


def filled_docx(**changes: Any) -> Maker:
    def make() -> bytes:
        import tempfile

        sys.path.insert(0, str(EXAMPLES))
        try:
            from make_taskbook_docx import fill  # type: ignore[import-not-found]
        finally:
            sys.path.remove(str(EXAMPLES))
        with tempfile.TemporaryDirectory() as tmp:
            out = fill(taskbook_data(**changes), Path(tmp) / "t.docx")
            return out.read_bytes()

    return make


def huge_table_docx() -> bytes:
    """A requirements table of 600 rows (the limit is 500), built straight into the XML."""
    xml = document_xml().decode()
    import re

    rows = re.findall(r"<w:tr[ >].*?</w:tr>", xml, flags=re.S)
    req_row = next(r for r in rows if "请假超过" in r)
    extra = "".join(
        req_row.replace("请假超过 3 天增加分管领导审批节点", f"需求 {i}").replace(
            ">1<", f">{i}<", 1
        )
        for i in range(4, 604)
    )
    xml = xml.replace(req_row, req_row + extra, 1)
    return with_part("word/document.xml", xml.encode())


def y(data: Any) -> Maker:
    return lambda: yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()


def raw(data: bytes | str) -> Maker:
    return lambda: data if isinstance(data, bytes) else data.encode()


YAML_LAUGHS = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
NESTED_YAML = "[" * 5000 + "]" * 5000 + "\n"


def estimates(**item: Any) -> dict[str, Any]:
    base = {"phase": "development", "role": "developer", "person_days": "2"}
    base.update(item)
    return {"items": [base]}


def calendar_year(**changes: Any) -> dict[str, Any]:
    data = {
        "year": 2027,
        "source": "国务院办公厅通知",
        "example": False,
        "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
        "workdays": [],
    }
    data.update(changes)
    return data


# --- the corpus ------------------------------------------------------------------------------


def cases() -> list[tuple[Case, Maker]]:
    long_text = "长" * 100_000
    control = "项目\x00\x01\x07\x1b[31m\x7f名称"
    t = "taskbook"
    out: list[tuple[Case, Maker]] = [
        # --- task book, Word ---
        (Case(t, "not a zip", "notzip.docx", "file", "not a Word"), raw(b"plain text, no zip")),
        (Case(t, "empty file", "empty.docx", "file", "empty"), raw(b"")),
        (Case(t, "truncated", "truncated.docx", "file", "damaged"), truncated_docx),
        (Case(t, "truncated (no central directory)", "nocd.docx", "file", "damaged"),
         cut_central_directory_docx),
        (Case(t, "old binary .doc", "old.doc", "file", ".doc"), raw(OLE2 + b"\0" * 4096)),
        (Case(t, "encrypted (OLE2 container)", "encrypted.docx", "file", "encrypted"),
         raw(OLE2 + b"\0" * 4096)),
        (Case(t, "encrypted (zip entries)", "zipcrypto.docx", "file", "encrypted"),
         encrypted_zip_docx),
        (Case(t, "macros (.docm part)", "macro.docx", "file", "macro"), macro_docx),
        (Case(t, "macros (.docm content type)", "macro.docm.docx", "file", "macro"),
         macro_content_type_docx),
        (Case(t, "zip bomb (ratio)", "bomb.docx", "file", "zip bomb"), zip_bomb_docx),
        (Case(t, "zip bomb (entry count)", "parts.docx", "file", "limit"), many_parts_docx),
        (Case(t, "zip but not Word", "notword.docx", "file", "not a Word document"),
         not_word_zip),
        (Case(t, "billion laughs (XML)", "laughs.docx", "file", "DOCTYPE"), billion_laughs_docx),
        (Case(t, "external entity (XXE)", "xxe.docx", "file", "DOCTYPE"), xxe_docx),
        (Case(t, "DOCTYPE in [Content_Types].xml", "ctdtd.docx", "file", "DOCTYPE"),
         content_types_doctype_docx),
        (Case(t, "nested DOCTYPE/ENTITY (parameter entity)", "nested-dtd.docx", "file",
              "DOCTYPE"), nested_doctype_docx),
        (Case(t, "billion laughs hidden in UTF-16", "utf16-laughs.docx", "file", ""),
         utf16_doctype_docx("lol9")),
        (Case(t, "DOCTYPE hidden in UTF-16 (small entity)", "utf16-dtd.docx", "file", "DOCTYPE"),
         utf16_doctype_docx("lol1")),
        (Case(t, "wrong encoding (GBK bytes in UTF-8 XML)", "gbk.docx", "file", "XML"),
         broken_xml_docx("请假".encode(), "请假".encode("gbk"))),
        (Case(t, "control character reference", "ctrl.docx", "file", "XML"),
         broken_xml_docx(b"<w:t>", b"<w:t>&#x1;")),
        (Case(t, "huge table (600 requirement rows)", "hugetable.docx", "requirements", "500"),
         huge_table_docx),
        (Case(t, "very long string (Word cell)", "longcell.docx", "project", "300"),
         filled_docx(project=long_text[:5000])),
        (Case(t, "path traversal in part name", "slip.docx", "file", "part name"),
         slip_docx("../../evil.xml")),
        (Case(t, "absolute part name", "abs.docx", "file", "part name"),
         slip_docx("/etc/evil.xml")),
        (Case(t, "path traversal in title (Word)", "traversal-title.docx", expect="harmless"),
         filled_docx(project="../../etc/passwd", attachments=["../../x", "C:\\Windows\\x"])),
        (Case(t, "reserved device name as file name", "CON.docx", expect="harmless"),
         filled_docx(project="设备名 CON")),
        # --- task book, YAML ---
        (Case(t, "billion laughs (YAML)", "laughs.yaml", "line", "aliases"), raw(YAML_LAUGHS)),
        (Case(t, "YAML merge key alias", "merge.yaml", "line", "aliases"),
         raw("base: &b {contact: x}\nproject:\n  <<: *b\n")),
        (Case(t, "YAML python tag", "pytag.yaml", "line", "constructor"),
         raw("project: !!python/object/apply:os.system ['touch /tmp/pwned']\n")),
        (Case(t, "deep nesting (YAML)", "nested.yaml", "", "nest"),
         raw(NESTED_YAML)),
        (Case(t, "wrong encoding (GBK YAML)", "gbk.yaml", "file", "UTF-8"),
         raw("project: 请假流程\n".encode("gbk"))),
        (Case(t, "wrong encoding (UTF-16 YAML)", "utf16.yaml", "file", "UTF-8"),
         raw("project: 请假流程\n".encode("utf-16"))),
        (Case(t, "control characters (raw in YAML)", "ctrl.yaml", "", "special characters"),
         raw(f"project: {control}\n")),
        (Case(t, "empty YAML", "empty.yaml", "file", "empty"), raw(b"")),
        (Case(t, "two YAML documents", "two.yaml", "line", "another document"),
         raw("project: a\n---\nproject: b\n")),
        (Case(t, "very long string (YAML)", "long.yaml", "project", "300"),
         y(taskbook_data(project=long_text))),
        (Case(t, "huge table (YAML, 5,000 rows)", "hugereqs.yaml", "requirements", "500"),
         y(taskbook_data(requirements=[{"no": i, "text": "x"} for i in range(1, 5001)]))),
        (Case(t, "huge number", "bignum.yaml", "", "digits"),
         raw(b"project: x\nrequirements:\n  - no: " + b"9" * 5000 + b"\n")),
        (Case(t, "impossible date", "baddate.yaml", "", "day is out of range"),
         raw((EXAMPLES / "taskbook.yaml").read_text("utf-8").replace(
             "date: 2026-11-20", "date: 2026-02-30"))),
        (Case(t, "control characters (escaped in YAML)", "ctrl-escaped.yaml", expect="harmless"),
         y(taskbook_data(project="控制字符 \x07\x1b[31m 名称\x7f"))),
        (Case(t, "path traversal and device names (YAML)", "NUL.yaml", expect="harmless"),
         y(taskbook_data(project="../../../../tmp/x", attachments=["CON", "NUL", "/etc/passwd",
                                                                   "..\\..\\boot.ini"]))),
        (Case(t, "oversized file", "huge.yaml", "file", "limit"),
         raw(b"# " + b"x" * (21 * 1024 * 1024) + b"\n")),
        # --- estimates (plan --estimates) ---
        (Case("estimates", "billion laughs (YAML)", "est-laughs.yaml", "line", "aliases"),
         raw(YAML_LAUGHS)),
        (Case("estimates", "not a mapping", "est-list.yaml", "document", "mapping"),
         raw("- a\n- b\n")),
        (Case("estimates", "huge table (YAML)", "est-huge.yaml", "items", "limit"),
         y({"items": [estimates()["items"][0] for _ in range(5000)]})),
        (Case("estimates", "not a number (NaN)", "est-nan.yaml", "person_days", ""),
         y(estimates(person_days=".nan"))),
        (Case("estimates", "infinite person-days", "est-inf.yaml", "person_days", ""),
         raw("items:\n  - {phase: development, role: developer, person_days: .inf}\n")),
        (Case("estimates", "negative person-days", "est-neg.yaml", "person_days", ""),
         y(estimates(person_days="-3"))),
        (Case("estimates", "unknown role (injection text)", "est-role.yaml", "role", "day rate"),
         y(estimates(role="developer'; DROP TABLE request; --"))),
        (Case("estimates", "wrong encoding", "est-gbk.yaml", "file", "UTF-8"),
         raw("items: 开发\n".encode("gbk"))),
        (Case("estimates", "deep nesting", "est-nested.yaml", "", "nest"),
         raw(NESTED_YAML)),
        (Case("estimates", "oversized file", "est-huge-file.yaml", "file", "limit"),
         raw(b"# " + b"x" * (2 * 1024 * 1024) + b"\n")),
        # --- calendar import ---
        (Case("calendar", "billion laughs (YAML)", "cal-laughs.yaml", "line", "aliases"),
         raw(YAML_LAUGHS)),
        (Case("calendar", "python tag", "cal-pytag.yaml", "line", "constructor"),
         raw("year: !!python/object/apply:os.getpid []\n")),
        (Case("calendar", "impossible date", "cal-date.yaml", "", "date"),
         raw("year: 2027\nsource: x\nholidays:\n  - {name: a, from: 2027-02-30}\n")),
        (Case("calendar", "control characters", "cal-ctrl.yaml", "", "special characters"),
         raw("year: 2027\nsource: \"\x1b]0;pwned\x07\"\n")),
        # --- JUnit XML (test KEY --junit FILE) ---
        (Case("junit", "billion laughs (XML)", "laughs.xml", "file", "DOCTYPE"),
         raw('<?xml version="1.0"?>' + LAUGHS + "<testsuite>&lol9;</testsuite>")),
        (Case("junit", "external entity (XXE)", "xxe.xml", "file", "DOCTYPE"),
         raw('<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
             '<testsuite name="&x;"/>')),
        (Case("junit", "DOCTYPE hidden in UTF-16", "utf16.xml", "", "DOCTYPE"),
         raw(('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE t [<!ENTITY a "b">]>'
              '<testsuite name="&a;"/>').encode("utf-16"))),
        (Case("junit", "not XML", "notxml.xml", "line", "well-formed"), raw("PASSED 3 tests\n")),
        (Case("junit", "empty file", "empty.xml", "file", "empty"), raw(b"")),
        (Case("junit", "wrong root element", "html.xml", "root", "not JUnit"),
         raw("<html><body>3 passed</body></html>")),
        (Case("junit", "deep nesting (XML)", "deep.xml", "line", "well-formed"),
         raw("<testsuite>" + "<a>" * 20000 + "</a>" * 20000 + "</testsuite>")),
        (Case("junit", "wrong encoding (GBK bytes in UTF-8 XML)", "gbk.xml", "line",
              "well-formed"),
         raw(b'<?xml version="1.0" encoding="UTF-8"?><testsuite name="'
             + "请假".encode("gbk") + b'"/>')),
        (Case("junit", "control character reference", "ctrl.xml", "line", "well-formed"),
         raw('<testsuite><testcase name="a&#x1b;[31m"/></testsuite>')),
        (Case("junit", "oversized file", "huge.xml", "file", "limit"),
         raw(b"<testsuite>" + b" " * (21 * 1024 * 1024) + b"</testsuite>")),
        (Case("junit", "path traversal and device names in test names", "names.xml",
              expect="harmless"),
         raw('<testsuite name="../../etc"><testcase classname="CON" name="../../../x"/>'
             '<testcase classname="C:\\Windows" name="NUL"/></testsuite>')),
        # --- design notes, Markdown (docs KEY --notes FILE) ---
        (Case("notes", "wrong encoding (GBK)", "gbk.md", "notes", "UTF-8"),
         raw("# 设计说明\n请假流程\n".encode("gbk"))),
        (Case("notes", "wrong encoding (UTF-16)", "utf16.md", "notes", "UTF-8"),
         raw("# 设计说明\n".encode("utf-16"))),
        (Case("notes", "empty file", "empty.md", "file", "empty"), raw(b"")),
        (Case("notes", "oversized file", "huge.md", "", "limit"),
         raw(b"# x\n" + b"y" * (600 * 1024))),
        (Case("notes", "raw HTML and local-file images", "html.md", expect="harmless"),
         raw("# 设计\n<script>alert(1)</script>\n\n![p](../../../../etc/passwd)\n"
             "![f](file:///etc/passwd)\n<img src=\"/etc/passwd\">\n")),
        (Case("notes", "control characters (Markdown)", "ctrl.md", expect="harmless"),
         raw("# 设计\x00\x07\x1b[31m说明\n正文\x0b\x7f\n")),
        (Case("notes", "deep nesting (Markdown)", "deep.md", expect="harmless"),
         raw("> " * 5000 + "深\n\n" + "- " * 3000 + "x\n")),
        (Case("notes", "very long line", "longline.md", expect="harmless"),
         raw("# 长\n" + "长" * 150_000 + "\n")),
        # --- contract load ---
        (Case("contract", "billion laughs (YAML)", "contract-laughs.yaml", "line", "aliases"),
         raw(YAML_LAUGHS)),
        (Case("contract", "python tag", "contract-pytag.yaml", "line", "constructor"),
         raw("clients: !!python/name:os.system\n")),
        (Case("contract", "wrong encoding", "contract-gbk.yaml", "file", "UTF-8"),
         raw("clients: 示例\n".encode("gbk"))),
    ]  # fmt: skip
    for door in WORD_DOORS:
        out += [
            (Case(door, c.klass, f"{door}-{c.name}", c.field, c.words, c.expect, c.pending), m)
            for c, m in out
            if c.door == t and c.name.endswith((".docx", ".doc")) and c.field == "file"
        ]
    return out


# --- cases built from a real returned document (need the database: made at test time) -----

Edit = Callable[[bytes], bytes]


def _xml_edit(old: bytes, new: bytes, part: str = "word/document.xml") -> Edit:
    def edit(good: bytes) -> bytes:
        with zipfile.ZipFile(io.BytesIO(good)) as zf:
            parts = {n: zf.read(n) for n in zf.namelist()}
        assert old in parts[part], old
        parts[part] = parts[part].replace(old, new, 1)
        return zip_bytes(parts)

    return edit


def _custom_dtd(good: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    custom = parts["docProps/custom.xml"]
    parts["docProps/custom.xml"] = b'<?xml version="1.0"?>' + LAUGHS.encode() + xml_body(custom)
    return zip_bytes(parts)


# (case, signoff values typed by the "client", then an edit of the saved bytes)
RETURNED: list[tuple[Case, dict[str, str], Edit | None]] = [
    (Case("approve", "control character in sign-off cell", "ctrl-signoff.docx", "file", "XML"),
     {"comment": "CTRLMARK"}, _xml_edit(b"CTRLMARK", b"&#x1;&#x1b;")),
    (Case("approve", "billion laughs in signed properties", "laughs-props.docx", "file",
          "DOCTYPE"), {}, _custom_dtd),
    (Case("approve", "very long decision text", "long-decision.docx", "decision", "decision"),
     {"decision": "同意不同意" * 5000}, None),
    (Case("approve", "markup in the date cell", "date-markup.docx", "date", "date"),
     {"date": "<script>alert(1)</script>"}, None),
    (Case("approve", "very long approver and comment", "long-signoff.docx", expect="harmless"),
     {"approver": "王" * 10_000, "comment": "长" * 100_000}, None),
    (Case("approve", "path traversal and device names in sign-off", "CON-signoff.docx",
          expect="harmless"),
     {"approver": "../../etc/passwd", "comment": "C:\\Windows\\NUL ../../x"}, None),
]  # fmt: skip


def make(dest: Path) -> list[tuple[Case, Path]]:
    """Write every case into ``dest``; returns (case, file) pairs."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for case, maker in cases():
        path = dest / case.door / case.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(maker())
        written.append((case, path))
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for case, path in make(target):
        print(f"{case.door:10} {case.expect:9} {case.klass:45} {path} ({path.stat().st_size} B)")
