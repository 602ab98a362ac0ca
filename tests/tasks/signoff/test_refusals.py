"""Refusals with a way forward: a file that is not a Word .docx is named as what it really is
(PDF, OpenDocument .odt, a zip holding the filled .docx, RAR, an empty file, a picture, an
old .doc, an encrypted file), with what we need instead and how (save as .docx from the
document we sent; a scan goes to our project lead), Chinese first; the same text in the
inbox's reason file, on the hand-in page and in the mail receipt, naming the client's own
file (never an internal ``.processing/...`` path)."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile

import pytest

from tests.support.helpers import all_counts, states

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92"
    b"\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _odt() -> bytes:
    """An OpenDocument text as LibreOffice writes it: ``mimetype`` first, stored."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
        zf.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return buf.getvalue()


def _files(filled: bytes) -> dict[str, tuple[bytes, tuple[str, ...]]]:
    """name -> (bytes, words its refusal must hold: what it is, and how to do it)."""
    save_as = "文件 > 另存为 > Word 文档(*.docx)"
    return {
        "回签.pdf": (b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n", ("是 PDF 文件", save_as, "项目负责人",
                                                        "is a PDF", "scan")),
        "回签.odt": (_odt(), ("OpenDocument", save_as, "WPS", "is an OpenDocument file")),
        "回签.zip": (_zip({"回签/CR-2026-0001-实施计划和费用预算-v1.docx": filled}),
                     ("zip 压缩包", "CR-2026-0001-实施计划和费用预算-v1.docx", "不要压缩",
                      "attach the .docx itself")),
        "回签.rar": (b"Rar!\x1a\x07\x01\x00" + b"\0" * 64, ("压缩包（RAR）", "is an archive")),
        "扫描件.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\0" * 64,
                     ("是图片（JPEG）", "项目负责人", "is a picture (JPEG)")),
        "扫描件.png": (PNG, ("是图片（PNG）",)),
        "空.docx": (b"", ("是空文件（0 字节）", "is 0 bytes")),
        "旧版.doc": (OLE2 + b"\0" * 512 + "WordDocument".encode("utf-16-le") + b"\0" * 512,
                   ("旧版 Word 文档（.doc", "Word 97-2003", save_as)),
        "加密.docx": (OLE2 + b"\0" * 512 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 512,
                    ("加密", "取消密码", "is encrypted")),
    }  # fmt: skip


def _chinese_first(text: str) -> None:
    zh, _, en = text.partition(" / ")
    assert en and any("\u4e00" <= c <= "\u9fff" for c in zh), text


def test_inbox_reason_files_say_what_it_is_and_what_to_do(submitted: str, tmp_path) -> None:
    from changeflow.settings import get_settings
    from changeflow.tasks.inbox import process_inbox
    from tests.support.approval import fill, make_plan

    files = _files(fill(make_plan(submitted)))
    inbox = get_settings().inbox
    inbox.mkdir(parents=True, exist_ok=True)
    old = time.time() - 3600  # settled long ago (a .docx that is no zip is waited for)
    for name, (data, _) in files.items():
        (inbox / name).write_bytes(data)
        os.utime(inbox / name, (old, old))
    before = all_counts()
    report = process_inbox(inbox, settle_seconds=0)
    assert {i.file: i.outcome for i in report.items} == dict.fromkeys(files, "refused")
    for name, (_, words) in files.items():
        reason = (inbox / "refused" / f"{name}.reason.txt").read_text("utf-8")
        first, line = reason.splitlines()[:2]
        assert first == name, reason
        assert ".processing" not in reason and name in line, reason
        for w in words:
            assert w in line, (name, w, line)
        _chinese_first(line)
    assert all_counts() == before and states()[submitted] == "planned"


@pytest.mark.parametrize("name", ["回签.pdf", "回签.zip", "空.docx", "回签.odt"])
def test_hand_in_page_says_the_same(name: str, submitted: str) -> None:
    from changeflow.tasks.uploads import hand_in
    from tests.support.approval import fill, make_plan

    data, words = _files(fill(make_plan(submitted)))[name]
    res = hand_in("returned", name, data, actor="hand-in: test")
    assert not res.ok and res.line.startswith("拒收 Refused: ")
    assert name in res.line and ".processing" not in res.line
    for w in words:
        assert w in res.line, (w, res.line)


@pytest.mark.slow
def test_mail_receipt_says_the_same(submitted: str, servers, cli) -> None:
    from tests.support.mail import CLIENT, attachment, body_text, reply

    assert cli("plan", submitted, "--issue", "--send")[0] == 0
    (sent,) = [m for m in servers.sent_to(CLIENT) if "请审批" in m["Subject"]]
    _, data = attachment(sent)
    from tests.support.approval import fill

    files = _files(fill(data))
    chosen = ["回签.pdf", "回签.zip", "空.docx"]
    for name in chosen:
        servers.imap.append(reply(sent, [(name, files[name][0])]))
    code, out, _ = cli("mailbox", "--json")
    assert code == 2
    items = json.loads(out)["items"]
    assert [i["outcome"] for i in items] == ["refused"] * len(chosen)
    answers = [body_text(m) for m in servers.sent_to(CLIENT) if "未登记" in m["Subject"]]
    assert len(answers) == len(chosen)
    for name in chosen:
        (text,) = [a for a in answers if f"所附文件 {name} " in a]
        for w in files[name][1]:
            assert w in text, (name, w, text)
        assert ".processing" not in text
    assert states()[submitted] == "planned"
