"""What a file a client sent really is, when it is not a Word .docx, and what to do instead.

One place for these refusals: the inbox, the hand-in page and the mailbox all reach them
through ``inputs.check_docx`` / ``inputs.read_limited`` (``signoff.take_in``), so the
reason file, the page's line and the mail receipt say the same thing, Chinese first, and
name the client's own file. Each names the format the bytes really are (not the name's
suffix), what we need instead (the .docx we sent, filled in), and how to get it:

- Word: 文件 > 另存为 > Word 文档(*.docx); WPS: 文件 > 另存为 > Word 文件(*.docx);
  LibreOffice: 文件 > 另存为, 文件类型 Word 2007-365 (.docx);
- an archive holding the .docx: attach the .docx itself;
- a scan or photo of the signed paper (PDF, picture): our project lead records the
  decision with the scan as its evidence (``changeflow decision ... --evidence``), or
  the client fills in the .docx.
"""

from __future__ import annotations

import io
import zipfile

from changeflow.errors import InputError

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

SAVE_AS_ZH = (
    "请打开我们发送的 Word 文件（.docx）填写（回签文件只填写签署表），然后保存为 .docx："
    "Word 用“文件 > 另存为 > Word 文档(*.docx)”，WPS 用“文件 > 另存为 > Word 文件(*.docx)”，"
    "LibreOffice 用“文件 > 另存为”并选择“Word 2007-365 (.docx)”；再发送这个 .docx 文件"
)
SAVE_AS_EN = (
    "open the Word file (.docx) we sent, fill it in (a returned document: only its sign-off"
    " table) and save it as .docx (Word:"
    " File > Save As > Word Document (*.docx); WPS: File > Save As > Word File (*.docx);"
    " LibreOffice: File > Save As, type Word 2007-365 (.docx)), then send that .docx"
)
SCAN_ZH = (
    "如果这是签字盖章后纸质文件的扫描件或照片：请把它发给我方项目负责人，由项目负责人以扫描件"
    "为凭证登记您的决定；或者按上面的方法填写 .docx 后发送"
)
SCAN_EN = (
    "if it is a scan or photo of the signed paper, send it to our project lead, who records"
    " your decision with the scan as its evidence; or fill in the .docx as above"
)


def refusal(source: str, what_zh: str, what_en: str, todo_zh: str, todo_en: str) -> InputError:
    """One bilingual line: what it is, then what to do (Chinese first)."""
    return InputError(source, "file", f"{what_zh}。{todo_zh}。 / {what_en}: {todo_en}.")


def empty_file(source: str) -> InputError:
    return refusal(
        source,
        "是空文件（0 字节），可能保存或上传时中断了",
        "is 0 bytes (an empty file): the save or the upload was cut short",
        "请重新保存后再发送（回签文件：我们发送的、签署表已填写的 .docx）",
        "save it again and send it (a returned document: the .docx we sent, its sign-off"
        " table filled in)",
    )


_PICTURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
_ARCHIVES = (
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
)


def _utf16(word: str) -> bytes:
    return word.encode("utf-16-le")


def not_a_docx(data: bytes, source: str, unknown: bool = True) -> InputError | None:
    """The refusal for bytes that are not a Word .docx package (None when they look like
    one: a zip with ``word/document.xml``, or a damaged zip the caller reports; and, without
    ``unknown``, bytes of no format recognised, for the caller to name)."""
    if not data:
        return empty_file(source)
    head = data[:16]
    if head.startswith(OLE2_MAGIC):
        if _utf16("EncryptionInfo") in data or _utf16("EncryptedPackage") in data:
            return refusal(
                source,
                "是加密（设有打开密码）的文件，无法读取",
                "is encrypted (it has an opening password) and cannot be read",
                "请取消密码后保存为 .docx 再发送（Word：文件 > 信息 > 保护文档 > 用密码进行加密，"
                "清空密码；WPS：文件 > 文档加密 > 密码加密，清空密码）",
                "remove the password and save it as .docx again (Word: File > Info > Protect"
                " Document > Encrypt with Password, clear it; WPS: File > Document Encryption"
                " > Password Encryption, clear it), then send it",
            )
        if _utf16("WordDocument") not in data and _utf16("Workbook") in data:
            return refusal(
                source,
                "是 Excel 表格（.xls），不是 Word .docx",
                "is an Excel workbook (.xls), not a Word .docx",
                SAVE_AS_ZH,
                SAVE_AS_EN,
            )
        if _utf16("WordDocument") in data:
            return refusal(
                source,
                "是旧版 Word 文档（.doc，Word 97-2003 格式），不是 .docx",
                "is an old binary Word 97-2003 document (.doc), not a .docx",
                SAVE_AS_ZH + "（保存类型不要选“Word 97-2003 文档(*.doc)”）",
                SAVE_AS_EN + " (not as Word 97-2003 Document (*.doc))",
            )
        return refusal(
            source,
            "是旧版 Word 文档（.doc）或加密（设有打开密码）的文件，不是 .docx",
            "is an old binary Word .doc or an encrypted (password-protected) document, not a .docx",
            SAVE_AS_ZH + "；如设有打开密码，请先取消密码",
            SAVE_AS_EN + "; if it has an opening password, remove it first",
        )
    if head.startswith(b"%PDF"):
        return refusal(
            source,
            "是 PDF 文件，不是 Word .docx；PDF 上的签署无法核对登记",
            "is a PDF, not a Word .docx; a PDF's sign-off cannot be verified and recorded",
            f"{SAVE_AS_ZH}。{SCAN_ZH}",
            f"{SAVE_AS_EN}; {SCAN_EN}",
        )
    for magic, fmt in _PICTURES:
        if head.startswith(magic):
            return refusal(
                source,
                f"是图片（{fmt}），不是 Word .docx；图片上的签署无法核对登记",
                f"is a picture ({fmt}), not a Word .docx; a picture's sign-off cannot be"
                " verified and recorded",
                f"{SAVE_AS_ZH}。{SCAN_ZH}",
                f"{SAVE_AS_EN}; {SCAN_EN}",
            )
    for magic, fmt in _ARCHIVES:
        if head.startswith(magic):
            return refusal(
                source,
                f"是压缩包（{fmt}），不是 Word .docx",
                f"is an archive ({fmt}), not a Word .docx",
                "请不要压缩：直接把填好的 .docx 文件作为附件发送",
                "do not compress it: attach the filled .docx itself",
            )
    stripped = data.lstrip()[:64].lower()
    if stripped.startswith(b"{\\rtf"):
        return refusal(
            source,
            "是 RTF 格式文件，不是 Word .docx",
            "is an RTF file, not a Word .docx",
            SAVE_AS_ZH,
            SAVE_AS_EN,
        )
    if stripped.startswith((b"<html", b"<!doctype html", b"mime-version")) or b"<html" in stripped:
        return refusal(
            source,
            "是网页格式（.htm/.mht），不是 Word .docx",
            "is a web page (.htm/.mht), not a Word .docx",
            SAVE_AS_ZH,
            SAVE_AS_EN,
        )
    if not data.startswith(ZIP_MAGIC):
        if not unknown:
            return None
        return refusal(
            source,
            "不是 Word .docx 文件（不是 zip 包，也不是能认出的其他格式）",
            "is not a Word .docx file (not a zip package, nor any format we recognise)",
            SAVE_AS_ZH,
            SAVE_AS_EN,
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            mimetype = zf.read("mimetype")[:80] if "mimetype" in names else b""
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError, OSError):
        return None  # a damaged zip: the caller says so
    if "word/document.xml" in names:
        return None
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        kind = "文本 .odt" if b"opendocument.text" in mimetype else "文件"
        return refusal(
            source,
            f"是 OpenDocument {kind}（LibreOffice 或 WPS 的另存格式），不是 Word .docx",
            "is an OpenDocument file (.odt, as LibreOffice or WPS save it), not a Word .docx",
            SAVE_AS_ZH,
            SAVE_AS_EN,
        )
    if any(n.startswith("xl/") for n in names):
        return refusal(
            source,
            "是 Excel 工作簿（.xlsx），不是 Word .docx",
            "is an Excel workbook (.xlsx), not a Word .docx",
            SAVE_AS_ZH,
            SAVE_AS_EN,
        )
    if any(n.startswith("ppt/") for n in names):
        return refusal(
            source,
            "是 PowerPoint 演示文稿（.pptx），不是 Word .docx",
            "is a PowerPoint presentation (.pptx), not a Word .docx",
            SAVE_AS_ZH,
            SAVE_AS_EN,
        )
    inside = [n.rsplit("/", 1)[-1] for n in names if n.lower().endswith(".docx")]
    if inside:
        listed = "、".join(inside[:3]) + (" …" if len(inside) > 3 else "")
        return refusal(
            source,
            f"是 zip 压缩包，里面有 {listed}，不是 .docx 文件本身",
            f"is a zip archive holding {', '.join(inside[:3])}, not the .docx itself",
            "请不要压缩：解压后直接把这个 .docx 文件作为附件发送",
            "do not compress it: attach the .docx itself",
        )
    return refusal(
        source,
        "是 zip 压缩包，但不是 Word 文档（没有 word/document.xml）",
        "is a zip but not a Word document (no word/document.xml)",
        "如果是压缩包，请不要压缩，直接把填好的 .docx 文件作为附件发送；否则" + SAVE_AS_ZH,
        "if it is an archive, do not compress: attach the filled .docx itself; otherwise "
        + SAVE_AS_EN,
    )
