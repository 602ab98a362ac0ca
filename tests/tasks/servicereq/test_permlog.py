"""The month's record of permission changes (账号权限变更记录), in both languages, read back
with python-docx: every recorded change with its authoriser, nothing of another month."""

from __future__ import annotations

import json
from pathlib import Path

from docx import Document


def _run(cli, *args: str) -> dict:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def _text(path: str) -> tuple[str, list[list[str]]]:
    doc = Document(path)
    body = "\n".join(p.text for p in doc.paragraphs)
    rows = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
    return body, rows


def test_the_months_record_lists_each_change_with_its_authoriser(contract, cli) -> None:
    for day, dept, who, auth, what, acct in (
        ("2026-11-20", "办公室", "李娜", "王芳", "授予 报销审批 角色", "lina"),
        ("2026-11-26", "信息中心", "孙浩", "赵强", "停用离职人员账号", "sunhao"),
        ("2026-12-02", "办公室", "李娜", "王芳", "收回 报销审批 角色", "lina"),
    ):
        key = _run(
            cli,
            "service",
            "new",
            "--category",
            "account",
            "--title",
            what,
            "--requester",
            who,
            "--engineer",
            "张伟",
            "--received-at",
            f"{day} 09:00",
        )["key"]
        _run(
            cli,
            "service",
            "permission",
            key,
            "--department",
            dept,
            "--asked-by",
            who,
            "--authorised-by",
            auth,
            "--change",
            what,
            "--account",
            acct,
            "--at",
            f"{day} 10:00",
        )
    zh = _run(cli, "service", "permlog", "--month", "2026-11")
    assert (zh["rows"], zh["version"]) == (2, 1)
    assert Path(zh["path"]).name == "OA-2026-2026-11-账号权限变更记录-v1.docx"
    body, rows = _text(zh["path"])
    assert "账号权限变更记录" in body and "2026年11月" in "\n".join(map(" ".join, rows))
    changes = [r for r in rows if r[1].startswith("FW-")]
    assert [(r[0], r[2], r[3], r[4], r[5], r[6]) for r in changes] == [
        ("2026年11月20日", "办公室", "李娜", "lina", "授予 报销审批 角色", "王芳"),
        ("2026年11月26日", "信息中心", "孙浩", "sunhao", "停用离职人员账号", "赵强"),
    ]
    assert "收回" not in "\n".join(map(" ".join, rows))  # December's change is not November's

    en = _run(cli, "service", "permlog", "--month", "2026-11", "--lang", "en")
    assert Path(en["path"]).name == "OA-2026-2026-11-permission-changes-v1.docx"
    body, rows = _text(en["path"])
    assert "Record of Account and Permission Changes" in body + " ".join(map(" ".join, rows))
    assert [
        "Date",
        "Request",
        "Department",
        "Asked by",
        "Account",
        "What changed",
        "Authorised by",
        "Engineer",
    ] in rows
    again = _run(cli, "service", "permlog", "--month", "2026-11")
    assert again["version"] == 2

    empty = _run(cli, "service", "permlog", "--month", "2026-10")
    body, _ = _text(empty["path"])
    assert empty["rows"] == 0 and "本月没有账号权限变更。" in body
