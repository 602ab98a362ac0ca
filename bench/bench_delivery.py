"""Delivery: each figure beside a floor measured in the same run.

* JUnit parsing (our safe parser: DOCTYPE scan, hardened lxml, per-case outcomes) against a
  bare ``lxml.etree.fromstring`` that only visits every ``testcase``.
* Markdown design notes to Word (markdown-it tokens to paragraphs, lists, tables, code)
  against python-docx adding the same number of plain paragraphs.
* A test command in a fresh ``git worktree`` (add, run, collect, remove) against running
  the same command directly in the checkout: the price of a clean tree.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import interleaved, row


def junit_xml(cases: int) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?><testsuites>']
    for s in range(cases // 100):
        parts.append(f'<testsuite name="suite{s}" tests="100">')
        for c in range(100):
            if c % 25 == 0:
                parts.append(
                    f'<testcase classname="oa.审批{s}" name="case{c}" time="0.01">'
                    '<failure message="期望 5 天 &lt;实际 4&gt;">trace line\nmore</failure>'
                    "</testcase>"
                )
            else:
                parts.append(f'<testcase classname="oa.审批{s}" name="case{c}" time="0.01"/>')
        parts.append("</testsuite>")
    parts.append("</testsuites>")
    return "".join(parts).encode()


NOTES_BLOCK = """## 模块 {n}

请假流程在 **审批引擎** 中新增 *分管领导* 节点，见 `leave.yaml`。

| 字段 | 类型 | 说明 |
|---|---|---|
| leave_id | int | 主键 |
| days | decimal | 天数 |

1. 提交
2. 审批
   - 部门经理
   - 分管领导

```python
def approvers(days):
    return ["dept", "vp"] if days > 3 else ["dept"]
```
"""


def run(quick: bool) -> list[dict[str, Any]]:
    import docx
    from lxml import etree

    from changeflow.tasks.delivery_docs import write_markdown
    from changeflow.tasks.testing import parse_junit, run_command

    rows: list[dict[str, Any]] = []
    cases = 2_000 if quick else 20_000
    data = junit_xml(cases)

    def ours_junit() -> None:
        parse_junit(data, "bench.xml")

    def bare_junit() -> None:
        root = etree.fromstring(data)
        for _ in root.iter("testcase"):
            pass

    got = interleaved({"bare": bare_junit, "ours": ours_junit}, repeat=5 if quick else 7)
    rows.append(row(f"JUnit parse ({cases} cases, {len(data) // 1024} KB)", got["ours"],
                    "bare lxml parse + visit every testcase", got["bare"], target="<= 4x",
                    cases_per_second=round(cases / min(got["ours"]))))  # fmt: skip

    notes = "\n".join(NOTES_BLOCK.format(n=i) for i in range(10 if quick else 50))
    n_paragraphs = notes.count("\n")

    def ours_md() -> None:
        d = docx.Document()
        write_markdown(d, d.add_paragraph("marker")._p, notes)
        d.save(io.BytesIO())

    def bare_md() -> None:
        d = docx.Document()
        for line in notes.split("\n"):
            d.add_paragraph(line)
        d.save(io.BytesIO())

    got = interleaved({"bare": bare_md, "ours": ours_md}, repeat=5)
    rows.append(row(f"Markdown notes to Word ({n_paragraphs} lines)", got["ours"],
                    "python-docx: one plain paragraph per line", got["bare"],
                    target="<= 6x (tables, runs, styles: more XML than the floor)"))  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        env = {
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1",
            "PATH": "/usr/bin:/bin",
        }

        def git(*args: str) -> None:
            subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", *args],
                           cwd=repo, env=env, check=True, capture_output=True)  # fmt: skip

        git("init", "-q", "-b", "main")
        for i in range(200 if quick else 2000):
            p = repo / f"mod{i % 20}" / f"f{i}.py"
            p.parent.mkdir(exist_ok=True)
            p.write_text(f"X = {i}\n")
        git("add", "-A")
        git("commit", "-q", "-m", "init")
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                             text=True, check=True).stdout.strip()  # fmt: skip
        cmd = f"{sys.executable} -c pass"

        def ours_cmd() -> None:
            out = run_command(repo, sha, cmd, timeout=60)
            assert out.exit_code == 0

        def bare_cmd() -> None:
            subprocess.run([sys.executable, "-c", "pass"], cwd=repo, check=True)

        got = interleaved({"bare": bare_cmd, "ours": ours_cmd}, repeat=3 if quick else 5)
        files = 200 if quick else 2000
    rows.append(row(f"test command in a clean worktree ({files} files)", got["ours"],
                    "the same command run directly", got["bare"],
                    target="checkout + cleanup; the floor has none"))  # fmt: skip
    return rows


if __name__ == "__main__":
    for r in run(quick=True):
        print(r)
