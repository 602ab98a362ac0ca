"""Git sync of a 100,000-commit repository against a bare ``git log --numstat`` (the floor).

The repository is synthetic but shaped like the client's OA project: Chinese messages, 10
authors (some in two spellings), 1-5 files per commit, a ``cr/<key>`` branch merged back every
~40 commits (plus a few left open), request keys, ``refs #N`` and time logs in messages.
It is built once with ``git fast-import`` and cached in ``bench/.cache``.

Rows (every figure beside a floor measured in the same run, interleaved):

* full sync (fresh database, child process) vs ``git log --numstat --all > /dev/null``;
  target < 1.0x: the sync splits the history over the cores (``stream_log_split``), the
  floor is one git. The child's peak RSS is reported (target < 300 MB).
* our exact ``git log`` command alone (format, mailmap, refs), one process and split as the
  sync splits it, vs the same floor: git's own share.
* a one-week incremental sync (~1,000 commits) vs ``git log --numstat`` of the same range;
  target < 0.5 s.

Run alone: ``python -m bench.bench_gitsync [--quick]``.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import row

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
VERSION = 2
START = 1_704_067_200  # 2024-01-01 00:00 UTC
STEP = 600  # one commit every 10 minutes: ~1,000 a week
WEEK = 7 * 86400
AUTHORS = [
    ("Zhang San", "zhangsan@corp.cn"),
    ("zhang san", "ZhangSan@corp.cn"),
    ("Li Si", "lisi@corp.cn"),
    ("Wang Wu", "wangwu@corp.cn"),
    ("王五", "wangwu@corp.cn"),
    ("Zhao Liu", "zhaoliu@corp.cn"),
    ("Chen Qi", "chenqi@corp.cn"),
    ("Liu Ba", "liuba@corp.cn"),
    ("Sun Jiu", "sunjiu@corp.cn"),
    ("Zhou Shi", "zhoushi@corp.cn"),
]
VERBS = ["修复", "新增", "调整", "优化", "重构", "补充"]
THINGS = ["请假审批表单", "公文流转节点", "会议室预约", "报表导出", "用户权限", "流程监控"]
TIMES = ["@1h", "@2h", "@1h30m", "@45m", "@0.5", "@3h"]
KEYS_PER_YEAR = 400
FULL_COMMITS = 100_000
QUICK_COMMITS = 10_000  # --quick (and the smoke test): ten weeks, built in a few seconds


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(LC_ALL="C", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    return env


def _message(rng: random.Random, year: int) -> str:
    msg = f"{rng.choice(VERBS)}{rng.choice(THINGS)}"
    r = rng.random()
    if r < 0.3:
        msg = f"CR-{year}-{rng.randint(1, KEYS_PER_YEAR):04d} {msg}"
    elif r < 0.4:
        msg += f" refs #{rng.randint(1, KEYS_PER_YEAR)}"
    if rng.random() < 0.25:
        msg += f" {rng.choice(TIMES)}"
    if rng.random() < 0.2:
        msg += "\n\n详细说明：调整字段校验规则，补充单元测试。\nSigned-off-by: dev <dev@corp.cn>"
    return msg


def _year(ts: int) -> int:
    return 2024 + (ts - START) // (366 * 86400)


def build(n: int, path: Path) -> dict[str, Any]:
    """Write ``n`` commits with ``git fast-import`` into a bare repository at ``path``."""
    rng = random.Random(20260301)
    tmp = path.with_suffix(".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(tmp)], check=True, env=_env())
    proc = subprocess.Popen(
        ["git", "-C", str(tmp), "fast-import", "--quiet", "--done"],
        stdin=subprocess.PIPE,
        env=_env(),
    )
    assert proc.stdin is not None
    out = proc.stdin
    files: dict[str, list[str]] = {}
    pool = [f"src/mod{d:02d}/file{f:03d}.py" for d in range(80) for f in range(50)]
    mark = 0
    ts = START
    main_tip = 0
    week_ago_mark = 0
    cr_seq = 0
    open_branches: list[str] = []
    count = 0
    cut = START + (n - 1) * STEP - WEEK  # the mainline commit one week before the end

    def data(b: bytes) -> bytes:
        return b"data %d\n%s\n" % (len(b), b)

    def commit(ref: str, msg: str, parents: list[int], nfiles: int) -> int:
        nonlocal mark, ts, count
        mark += 1
        count += 1
        ts += STEP
        name, email = AUTHORS[rng.randrange(len(AUTHORS))]
        who = f"{name} <{email}> {ts} +0800".encode()
        parts = [
            f"commit {ref}\nmark :{mark}\n".encode(),
            b"author " + who + b"\ncommitter " + who + b"\n",
            data(msg.encode()),
        ]
        if parents:
            parts.append(b"from :%d\n" % parents[0])
            for p in parents[1:]:
                parts.append(b"merge :%d\n" % p)
        for p in rng.sample(pool, nfiles):
            body = files.setdefault(p, [f"# {p}\n"])
            for _ in range(rng.randint(1, 3)):
                if len(body) > 3 and rng.random() < 0.5:
                    body[rng.randrange(1, len(body))] = f"value_{rng.randrange(10**6)} = {ts}\n"
                else:
                    body.append(f"def f_{rng.randrange(10**6)}():  # 修改 {ts}\n")
            parts.append(f"M 100644 inline {p}\n".encode())
            parts.append(data("".join(body).encode()))
        parts.append(b"\n")
        out.write(b"".join(parts))
        return mark

    while count < n:
        year = _year(ts)
        if main_tip and count % 40 == 0 and count + 5 < n:
            cr_seq += 1
            left_open = cr_seq % 500 == 7 and ts < cut
            seq = (
                KEYS_PER_YEAR + 1 + len(open_branches) if left_open else cr_seq % KEYS_PER_YEAR + 1
            )
            key = f"CR-{year}-{seq:04d}"  # an open branch's name is never reused
            ref = f"refs/heads/cr/{key}"
            tip = main_tip
            for _ in range(3):
                msg = f"{rng.choice(VERBS)}{rng.choice(THINGS)}"
                if rng.random() < 0.4:
                    msg += f" {rng.choice(TIMES)}"
                tip = commit(ref, msg, [tip], rng.randint(1, 5))
            if left_open:
                open_branches.append(ref)  # left open, never merged
            else:
                main_tip = commit("refs/heads/main", f"Merge branch 'cr/{key}'", [main_tip, tip], 0)
                out.write(f"reset {ref}\nfrom {'0' * 40}\n\n".encode())
        else:
            main_tip = commit(
                "refs/heads/main",
                _message(rng, year),
                [main_tip] if main_tip else [],
                rng.randint(1, 5),
            )
        if ts <= cut:
            week_ago_mark = main_tip
    out.write(f"reset refs/weekago\nfrom :{week_ago_mark}\n\ndone\n".encode())
    out.close()
    if proc.wait() != 0:
        raise RuntimeError("git fast-import failed")
    subprocess.run(["git", "-C", str(tmp), "repack", "-adq"], check=True, env=_env())
    shutil.rmtree(path, ignore_errors=True)
    tmp.rename(path)
    info = {"commits": count, "open_branches": open_branches, "version": VERSION}
    (path / "bench-info.json").write_text(json.dumps(info))
    return info


def cached_repo(n: int) -> tuple[Path, dict[str, Any]]:
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")
    path = CACHE / f"gitsync-{n}-v{VERSION}.git"
    info_file = path / "bench-info.json"
    if info_file.exists():
        return path, json.loads(info_file.read_text())
    return path, build(n, path)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _git_log_floor(path: Path, *revs: str) -> None:
    subprocess.run(
        ["git", "-C", str(path), "log", "--numstat", *revs],
        stdout=subprocess.DEVNULL,
        check=True,
        env=_env(),
    )


def _our_log_only(path: Path) -> None:
    from changeflow.tasks.gitsync import git_env, inspect_repository, log_args, select_heads

    heads, _ = select_heads(inspect_repository(path), [])
    subprocess.run(
        ["git", "-C", str(path), *log_args()],
        input="\n".join(sorted(set(heads.values()))).encode() + b"\n",
        stdout=subprocess.DEVNULL,
        check=True,
        env=git_env(path),
    )


def _our_split_log_only(path: Path) -> int:
    """The split the sync makes (``split_ranges``), each range's ``git log`` at once into
    /dev/null: git's own share of the split sync. Returns the number of ranges."""
    from changeflow.tasks.gitsync import git_env, inspect_repository, log_args, select_heads
    from changeflow.tasks.gitsync.adapter import log_ways, split_ranges

    heads, _ = select_heads(inspect_repository(path), [])
    ranges = split_ranges(path, sorted(set(heads.values())), [], log_ways())
    procs = []
    for inc, exc in ranges:
        p = subprocess.Popen(["git", "-C", str(path), *log_args()], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, env=git_env(path))  # fmt: skip
        assert p.stdin is not None
        p.stdin.write(("\n".join([*inc, *(f"^{x}" for x in exc)]) + "\n").encode())
        p.stdin.close()
        procs.append(p)
    if any(p.wait() != 0 for p in procs):
        raise RuntimeError("git log failed")
    return len(ranges)


def _template_db(folder: Path) -> str:
    """A migrated SQLite database holding the client and the requests the messages name."""
    from sqlalchemy import insert

    from changeflow.db.migrate import upgrade
    from changeflow.db.models import Client, Request
    from changeflow.db.session import dispose_engines, transaction

    db = folder / "template.db"
    url = f"sqlite:///{db}"
    upgrade(url)
    with transaction(url) as s:
        client = Client(code="DEMO", name="示例客户", aliases=[])
        s.add(client)
        s.flush()
        rows = [
            {
                "key": f"CR-{y}-{q:04d}",
                "year": y,
                "seq": q,
                "kind": "dev",
                "client_id": client.id,
                "title": f"需求 {q}",
                "description": "",
                "requester": "",
                "contact": {},
                "priority": "medium",
                "attachments": [],
                "state": "in_development",
                "row_version": 1,
            }
            for y in (2024, 2025, 2026)
            for q in range(1, KEYS_PER_YEAR + 20)
        ]
        s.execute(insert(Request), rows)
    dispose_engines()
    return url


CHILD = """
import json, os, resource, sys, time
from changeflow.tasks.gitsync import sync
url, repo = sys.argv[1], sys.argv[2]
def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime
s0, c0 = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
t0 = time.perf_counter()
(res,) = sync(repo, url=url)
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "new": res.new, "seen": res.seen, "linked": res.linked,
                  "time_entries": res.time_entries,
                  "python_cpu_s": cpu(resource.RUSAGE_SELF) - s0,
                  "git_cpu_s": cpu(resource.RUSAGE_CHILDREN) - c0,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child_sync(template: Path, work: Path, repo: Path) -> dict[str, Any]:
    """One full sync in a fresh interpreter on a copy of the template database."""
    db = work / "run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, db)
    env = dict(os.environ, CHANGEFLOW_HOME=str(work), CHANGEFLOW_CONFIG=str(work / "none.toml"))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, f"sqlite:///{db}", str(repo)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[dict[str, Any]]:
    import time

    n = QUICK_COMMITS if quick else FULL_COMMITS
    repeat = 1 if quick else 3
    t0 = time.perf_counter()
    repo, info = cached_repo(n)
    build_s = time.perf_counter() - t0
    print(f"   repo {repo.name}: {info['commits']} commits ({build_s:.1f} s)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench-gitsync-") as tmp:
        work = Path(tmp)
        os.environ["CHANGEFLOW_HOME"] = str(work)
        os.environ["CHANGEFLOW_CONFIG"] = str(work / "none.toml")
        from changeflow.db.session import dispose_engines
        from changeflow.settings import reset_settings

        reset_settings()
        _template_db(work)
        template = work / "template.db"

        floor_s: list[float] = []
        ours_s: list[float] = []
        log_s: list[float] = []
        split_s: list[float] = []
        ways = 1
        rss: list[float] = []
        last: dict[str, Any] = {}
        floor_cpu: list[float] = []
        py_cpu: list[float] = []
        git_cpu: list[float] = []
        for _ in range(repeat):  # interleaved: a noisy neighbour slows both alike
            t, c = time.perf_counter(), _children_cpu()
            _git_log_floor(repo, "--all")
            floor_s.append(time.perf_counter() - t)
            floor_cpu.append(_children_cpu() - c)
            t = time.perf_counter()
            _our_log_only(repo)
            log_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            ways = _our_split_log_only(repo)
            split_s.append(time.perf_counter() - t)
            last = _child_sync(template, work, repo)
            ours_s.append(last["seconds"])
            rss.append(last["maxrss_mb"])
            py_cpu.append(last["python_cpu_s"])
            git_cpu.append(last["git_cpu_s"])
        if last["new"] != info["commits"]:
            raise AssertionError(f"synced {last['new']} commits, repository has {info['commits']}")

        # one-week incremental: sync up to a week ago, then the last week
        week_ago = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "refs/weekago"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        tip = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "refs/heads/main"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        inc_template = work / "inc-template.db"
        try:
            subprocess.run(
                ["git", "-C", str(repo), "update-ref", "refs/heads/main", week_ago], check=True
            )
            _child_sync(template, work, repo)
            dispose_engines()
            shutil.copy(work / "run.db", inc_template)
        finally:
            subprocess.run(
                ["git", "-C", str(repo), "update-ref", "refs/heads/main", tip], check=True
            )
        inc_s: list[float] = []
        inc_floor: list[float] = []
        inc_new = 0
        for _ in range(3 if quick else 7):
            t = time.perf_counter()
            _git_log_floor(repo, tip, f"^{week_ago}")
            inc_floor.append(time.perf_counter() - t)
            r = _child_sync(inc_template, work, repo)
            inc_s.append(r["seconds"])
            inc_new = r["new"]
        reset_settings()
        dispose_engines()

    return [
        row(f"full git sync, {info['commits']} commits (fresh DB, history split {ways} ways)",
            ours_s, "git log --numstat --all > /dev/null", floor_s, target="< 1.0x",
            peak_rss_mb=round(max(rss), 1), linked=last["linked"],
            time_entries=last["time_entries"],
            cpu_s={"python": round(min(py_cpu), 2), "git": round(min(git_cpu), 2),
                   "floor_git": round(min(floor_cpu), 2)},
            load_avg=os.getloadavg()[0]),
        row("  our git log command alone, one process (no parsing, no DB)", log_s,
            "git log --numstat --all > /dev/null", floor_s, target="-"),
        row(f"  our git log split as the sync splits it, {ways} at once (no parsing, no DB)",
            split_s, "git log --numstat --all > /dev/null", floor_s, target="-", ways=ways),
        row(f"one-week incremental sync ({inc_new} new commits)", inc_s,
            "git log --numstat <week> > /dev/null", inc_floor, target="< 0.5 s"),
        row("peak RSS of the full-sync process (MB, not seconds)", rss,
            "-", None, target="< 300 MB"),
    ]  # fmt: skip


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for r in run(quick):
        print(json.dumps(r, ensure_ascii=False))
