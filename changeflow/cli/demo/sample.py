"""The sample client project: the OA system whose git repository the demo builds in
``<out>/repo``, and the design notes its developers write.

The project's files are ``examples/client-project/`` (the leave workflow, its checks and a
tiny test runner that writes JUnit XML); the notes are ``examples/design-notes.md``. Commits
are made with the git CLI as the developers would, with Chinese messages that name the
request and time logs (``@2h``). The leave form's screenshot is drawn (no browser here).
"""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path

from .common import examples_dir

PROJECT = "client-project"


def project_file(rel: str) -> str:
    """The text of ``examples/client-project/<rel>``, as the demo commits it."""
    return (examples_dir() / PROJECT / rel).read_text(encoding="utf-8")


def design_notes(lang: str = "zh-CN") -> str:
    """The developers' notes: the technical design, then a '# 用户手册' section (the manual);
    in English (``design-notes.en.md``) for a contract in English."""
    name = "design-notes.en.md" if lang == "en" else "design-notes.md"
    return (examples_dir() / name).read_text(encoding="utf-8")


ZHANG_WEI = ("Zhang Wei", "zhang.wei@contractor.example")
LI_MING = ("Li Ming", "li.ming@contractor.example")


def sample_git(repo: Path, *args: str, when: datetime | None = None, stdin: str | None = None,
         author: tuple[str, str] = ZHANG_WEI) -> str:  # fmt: skip
    import subprocess

    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    name, email = author
    proc = subprocess.run(
        ["git", "-c", f"user.name={name}", "-c", f"user.email={email}", *args],
        cwd=repo,
        input=stdin.encode("utf-8") if stdin is not None else None,
        capture_output=True,
        env=env,
        check=True,
    )
    return proc.stdout.decode("utf-8", "replace").strip()


def sample_commit(repo: Path, message: str, files: dict[str, str], when: datetime,
            author: tuple[str, str]) -> None:  # fmt: skip
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        sample_git(repo, "add", "--", rel)
    sample_git(repo, "commit", "-q", "-F", "-", when=when, stdin=message, author=author)


# the screens the demo's manual shows, one per role's chapter: (zh title, fields, button), en
SCREENS = {
    "form": (("OA 请假申请", ("请假类型", "开始日期", "结束日期", "请假天数"), "提交"),
             ("OA: Leave request", ("Type", "From", "To", "Days"), "Submit")),
    "approve": (("待办事项：请假审批", ("申请人", "请假天数", "事由", "审批意见"), "同意"),
                ("To do: leave approval", ("Applicant", "Days", "Reason", "Comment"), "Approve")),
    "sync": (("请假管理：同步状态", ("请假单号", "申请人", "同步状态", "失败原因"), "重新同步"),
             ("Leave admin: sync state", ("Leave no.", "Applicant", "State", "Error"), "Sync")),
}  # fmt: skip


def sample_screenshot(screen: str = "form", lang: str = "zh-CN") -> bytes:
    """A picture of one of the OA's screens (``SCREENS``: the leave form, the approver's to-do,
    the administrator's sync list; drawn, as the demo has no browser): in Chinese, as the
    client's OA shows it, for a zh-CN installation when a CJK font is installed; with English
    labels for an English one (its manual shows an English OA), or without a CJK font."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt
    from matplotlib.patches import Rectangle

    from changeflow.tasks.weekly import cjk_font

    family = cjk_font(font_manager) if lang == "zh-CN" else None
    zh, en = SCREENS[screen]
    if family:
        plt.rcParams["font.family"] = [family]
        title, labels, submit = zh
    else:
        title, labels, submit = en

    fig = plt.figure(figsize=(6.4, 4), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 640)
    ax.set_ylim(400, 0)
    ax.axis("off")
    ax.add_patch(Rectangle((0, 0), 640, 400, color="#f3f6fa"))
    ax.add_patch(Rectangle((0, 0), 640, 48, color="#1f4e79"))
    ax.text(16, 30, title, color="white", fontsize=14)
    for i, label in enumerate(labels):
        ax.text(40, 100 + i * 50, label, fontsize=11)
        ax.add_patch(Rectangle((140, 80 + i * 50), 300, 30, fill=False, ec="#888888"))
    ax.add_patch(Rectangle((140, 300), 120, 36, color="#2e7d32"))
    ax.text(172, 324, submit, color="white", fontsize=11)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    plt.rcParams["font.family"] = matplotlib.rcParamsDefault["font.family"]
    return buf.getvalue()
