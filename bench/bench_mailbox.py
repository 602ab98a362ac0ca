"""The project mailbox: one pass over clients' replies, each with a filled plan attached.

A pass per message: fetch it over IMAP, claim it, check the sender and the attachment, take
it in through the inbox's own door (verify, record the decision, archive), answer the sender
over SMTP and file the message. Floor, measured in the same run: the work any pass must do
anyway, a bulk IMAP fetch of the same messages plus ``take_in`` of the same kind of files
(another set of requests) in one process, with no claim, no answer and no filing.

Needs dovecot (/usr/sbin/dovecot, Debian's dovecot-imapd): started on loopback with a
throwaway user in a temporary folder, as the tests do; aiosmtpd takes the answers.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, Skipped, row


def _planned(n: int) -> list[tuple[str, bytes]]:
    from changeflow.tasks.inputs import load_yaml
    from changeflow.tasks.intake import intake
    from changeflow.tasks.planning import make_plan
    from changeflow.tasks.taskbook import validate
    from tests.support.approval import fill

    book = load_yaml((ROOT / "examples" / "taskbook.yaml").read_bytes(), "taskbook.yaml")
    out = []
    for _ in range(n):
        key = intake(validate(book, "bench"), source="bench").key
        stored = Path(make_plan(key, issue=True)["document"]).read_bytes()
        out.append((f"{key}-plan-v1.docx", fill(stored)))
    return out


def run(quick: bool) -> list[dict[str, Any]]:
    from pathlib import Path as P

    if not P("/usr/sbin/dovecot").exists():
        raise Skipped("needs dovecot (apt-get install dovecot-imapd) for the IMAP server")
    from bench.bench_approval import _setup
    from changeflow.settings import reset_settings
    from tests.support.imap import start_imap
    from tests.support.mail import mail_env, reply
    from tests.support.smtp import Sink, free_port, start_smtp

    # every plan holds our two staff's days: about 50 plans fill their next three years
    n = 6 if quick else 12
    rounds = 2
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp) / "var")
        imap = start_imap(Path(tmp) / "dovecot", user="project@contractor.example")
        sink, port = Sink(), free_port()
        ctl = start_smtp(sink, port)
        try:
            os.environ.update(mail_env(imap, port))
            reset_settings()
            from imap_tools import AND

            from changeflow.tasks.clientmail.mailbox import read_mailbox
            from changeflow.tasks.inbox import take_in

            passes, floors = [], []
            for _ in range(rounds):
                for name, data in _planned(n):
                    imap.append(reply(None, [(name, data)], subject=f"Re: {name}"))
                t0 = time.perf_counter()
                report = read_mailbox()
                passes.append((time.perf_counter() - t0) / n)
                assert report.counts["recorded"] == n, report.as_dict()
                other = _planned(n)
                t0 = time.perf_counter()
                with imap.mailbox() as box:
                    box.folder.set("changeflow-processed")
                    fetched = list(box.fetch(AND(all=True), mark_seen=False, bulk=True))
                for name, data in other:
                    take_in(Path(name), data, actor="bench")
                floors.append((time.perf_counter() - t0) / n)
                assert len(fetched) >= n
        finally:
            ctl.stop()
            imap.stop()
            for k in mail_env(imap, port):
                os.environ.pop(k, None)
            reset_settings()
    return [
        row(f"mailbox pass, per reply with a filled plan (claim, verify, record, answer, file;"
            f" {n} a pass)", passes,
            "bulk IMAP fetch + take_in of the same files in one process, per file", floors,
            target="<= 2x", per_minute=round(60 / min(passes))),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run(quick=True):
        print(r)
