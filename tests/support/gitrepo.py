"""Build real git repositories in temporary folders with the git CLI, deterministically."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

DEFAULT_AUTHOR = ("Zhang San", "zhangsan@corp.cn")


class GitRepo:
    """A throwaway repository; every commit has a fixed author, committer and date."""

    def __init__(self, path: Path, *, init: bool = True) -> None:
        self.path = path
        if init:
            path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main")

    def env(self, when: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            GIT_AUTHOR_DATE=when,
            GIT_COMMITTER_DATE=when,
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_CONFIG_NOSYSTEM="1",
            LC_ALL="C",
        )
        return env

    def git(
        self, *args: str, when: str = "2026-03-02T10:00:00+08:00", stdin: bytes | None = None
    ) -> str:
        proc = subprocess.run(
            ["git", "-c", "user.name=Tester", "-c", "user.email=tester@corp.cn", *args],
            cwd=self.path,
            input=stdin,
            capture_output=True,
            env=self.env(when),
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
        return proc.stdout.decode("utf-8", "replace").strip()

    def commit(
        self,
        message: str | bytes,
        files: dict[str, str | bytes] | None = None,
        *,
        author: tuple[str, str] = DEFAULT_AUTHOR,
        when: str = "2026-03-02T10:00:00+08:00",
        allow_empty: bool = False,
    ) -> str:
        """Write ``files``, stage them and commit; returns the new sha."""
        for rel, content in (files or {}).items():
            p = self.path / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content, encoding="utf-8")
            self.git("add", "--", rel, when=when)
        raw = message if isinstance(message, bytes) else message.encode("utf-8")
        name, email = author
        args = ["-c", f"user.name={name}", "-c", f"user.email={email}", "commit", "-q", "-F", "-"]
        if allow_empty or not files:
            args.append("--allow-empty")
        self.git(*args, when=when, stdin=raw)
        return self.head()

    def raw_commit(
        self,
        message: bytes,
        *,
        author: tuple[str, str] = DEFAULT_AUTHOR,
        stamp: str = "1772416800 +0800",
        headers: bytes = b"",
    ) -> str:
        """Write a commit object by hand (``git commit`` would re-encode a non-UTF-8 message
        as Latin-1): the same tree as HEAD, message bytes as given, then move the branch."""
        tree = self.git("rev-parse", "HEAD^{tree}")
        parent = self.head()
        who = f"{author[0]} <{author[1]}> {stamp}".encode()
        body = (
            b"tree " + tree.encode() + b"\nparent " + parent.encode()
            + b"\nauthor " + who + b"\ncommitter " + who + b"\n" + headers
            + b"\n" + message + b"\n"
        )  # fmt: skip
        sha = self.git("hash-object", "-t", "commit", "-w", "--stdin", stdin=body)
        self.git("update-ref", "HEAD", sha)
        return sha

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str, start: str = "HEAD") -> None:
        self.git("checkout", "-q", "-b", name, start)

    def checkout(self, ref: str) -> None:
        self.git("checkout", "-q", ref)

    def merge(self, ref: str, message: str, when: str = "2026-03-05T10:00:00+08:00") -> str:
        self.git("merge", "-q", "--no-ff", "-m", message, ref, when=when)
        return self.head()


def lines(n: int, tag: str = "x") -> str:
    return "".join(f"{tag} line {i}\n" for i in range(n))
