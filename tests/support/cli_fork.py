"""``python -m changeflow ARGS`` as a real process, without paying the imports each time.

The crash tests start the CLI a hundred times or more (every stage, every commit boundary,
every re-run), and each new interpreter spent most of its time importing. Here one helper
process imports the CLI once and forks a child per command: the child is a process of its
own (its own pid, files, database connections; killed by the fault switch's SIGKILL like
any process), it sets the command's environment, working folder and output files, then runs
``changeflow/__main__.py`` exactly as ``python -m changeflow`` does. Nothing in the helper
reads settings, opens a database or starts a thread before forking.

``run_cli(args, env=..., cwd=..., timeout=...)`` returns a ``subprocess.CompletedProcess``
with the same return code a subprocess would have (``-9`` when killed).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_helper: subprocess.Popen[bytes] | None = None


def _start() -> subprocess.Popen[bytes]:
    global _helper
    if _helper is None or _helper.poll() is not None:
        _helper = subprocess.Popen(
            [sys.executable, "-m", "tests.support.cli_fork"], cwd=ROOT, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        atexit.register(_stop)
    return _helper


def _stop() -> None:
    global _helper
    if _helper is not None and _helper.poll() is None:
        os.killpg(_helper.pid, signal.SIGKILL)
        _helper.wait()
    _helper = None


def run_cli(
    args: list[str], *, env: dict[str, str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    helper = _start()
    assert helper.stdin is not None and helper.stdout is not None
    with tempfile.TemporaryDirectory(prefix="cli-fork-") as tmp:
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        job = {"args": args, "env": env, "cwd": str(cwd), "out": str(out), "err": str(err)}
        helper.stdin.write((json.dumps(job) + "\n").encode())
        helper.stdin.flush()
        ready, _, _ = select.select([helper.stdout], [], [], timeout)
        if not ready:
            _stop()  # the helper and the command's child with it (one process group)
            raise subprocess.TimeoutExpired(["changeflow", *args], timeout)
        line = helper.stdout.readline()
        if not line:
            raise RuntimeError("the CLI fork helper died")
        code = json.loads(line)["returncode"]
        return subprocess.CompletedProcess(
            ["changeflow", *args], code, out.read_text("utf-8", "replace"),
            err.read_text("utf-8", "replace"),
        )  # fmt: skip


def _child(job: dict) -> None:
    """In the forked child: become ``python -m changeflow ARGS`` and exit with its code."""
    import runpy
    import traceback

    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    for fd, path in ((1, job["out"]), (2, job["err"])):
        f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(f, fd)
        os.close(f)
    code = 0
    try:
        from changeflow import faults

        faults.install()  # what importing changeflow.cli.ops does, with the child's switch
        sys.argv = ["changeflow", *job["args"]]
        runpy.run_module("changeflow", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def serve() -> None:
    import changeflow.cli  # noqa: F401  (the imports every command would pay)

    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(job)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        sys.stdout.write(json.dumps({"returncode": code}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
