"""The inbox: the one door for files a client sends.

A filled task book goes to intake, a returned signed document (of any kind in ``kinds``:
plan, acceptance certificate, dispatch order) to verification and its decision, a filled
service request form (服务请求单) becomes a service request (``servicereq.form``), anything
else is refused with its reason. Each file is classified once; the opened document is
handed on, not parsed again.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from docx.document import Document as DocxDocument

from changeflow.bilingual import state_label
from changeflow.db.types import utcnow
from changeflow.errors import ChangeflowError, InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings
from changeflow.wordparts import read_custom_properties

from .inputs import open_docx, read_limited
from .returned import approve_document
from .signoff import P_MAC, read_returned, row_conclusions_line, signable

Outcome = Literal["intake", "decision", "service", "duplicate", "refused", "retry", "waiting"]


@dataclass
class InboxItem:
    file: str
    outcome: Outcome
    detail: str
    key: str | None = None
    moved_to: str | None = None


@dataclass
class InboxReport:
    folder: str
    items: list[InboxItem] = field(default_factory=list)

    @property
    def refused(self) -> list[InboxItem]:
        return [i for i in self.items if i.outcome == "refused"]

    @property
    def retry(self) -> list[InboxItem]:
        return [i for i in self.items if i.outcome == "retry"]

    @property
    def counts(self) -> dict[str, int]:
        """How many files went where: done (taken in, decided, already recorded), refused,
        and left for the next pass (still arriving, or to try again)."""
        out = {"done": 0, "refused": 0, "waiting": 0}
        for i in self.items:
            key = {"refused": "refused", "retry": "waiting", "waiting": "waiting"}.get(
                i.outcome, "done"
            )
            out[key] += 1
        return out

    def summary(self) -> str:
        c = self.counts
        return f"{c['done']} done, {c['refused']} refused, {c['waiting']} left for the next pass"

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "items": [asdict(i) for i in self.items],
            "counts": self.counts,
        }


TASKBOOK_KIND = "taskbook-form"
SKIP_PREFIXES = ("~$", ".~lock", ".")
STALE_CLAIM_SECONDS = 600  # a claimed file this old belongs to a pass that died
# A .docx that does not open as a complete package yet is still arriving, unless it has not
# changed for this long: then it is taken (and refused as truncated, with the reason).
INCOMPLETE_GRACE_SECONDS = 300
_CLAIM = re.compile(r"^c[0-9a-f]{12}~(.+)$")


def classify(path: Path, data: bytes) -> tuple[str, DocxDocument | None]:
    """What a file in the inbox is: ('taskbook' | 'signed' | 'service', the opened .docx or
    None; 'service': the client's service request form 服务请求单); raises InputError for
    anything else."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "taskbook", None
    if suffix != ".docx":
        from changeflow.tasks.formats import SAVE_AS_EN, SAVE_AS_ZH, not_a_docx

        other = not_a_docx(data, source, unknown=False)
        if other is not None:
            raise other  # what it really is, and what to do instead
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise InputError(
                source,
                "file",
                f"既不是任务书（我们模板的 .docx 或 .yaml），也不是我们签发的文档（.docx）。"
                f"{SAVE_AS_ZH}。 / is neither a task book (.docx from our template, or .yaml)"
                f" nor a document we issued (.docx): {SAVE_AS_EN}.",
            )
        # a Word .docx under another name: read as what it is
    doc = open_docx(data, source)
    props = read_custom_properties(doc)
    if props.get(P_MAC) or any(k.startswith("changeflow.digest") for k in props):
        return "signed", doc
    if props.get("changeflow.kind") == TASKBOOK_KIND:
        return "taskbook", doc
    from .servicereq.form import KIND as SERVICE_FORM_KIND
    from .servicereq.form import is_form

    if props.get("changeflow.kind") == SERVICE_FORM_KIND or is_form(doc):
        return "service", doc
    if signable(props.get("changeflow.kind")) is not None:
        return "signed", doc  # a document of ours that lost its signature: refused there
    from .taskbook import parse_docx

    try:
        parse_docx(data, source)
    except InputError:
        raise InputError(
            source,
            "file",
            "is a Word file but neither a task book from our template nor a document we issued",
        ) from None
    return "taskbook", doc


def _unique_target(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    n = 1
    while target.exists() or target.with_name(target.name + ".reason.txt").exists():
        target = folder / f"{Path(name).stem}.{n}{Path(name).suffix}"
        n += 1
    return target


def _claim_name(name: str) -> str:
    """A name in ``.processing/`` no other claim has: two files of one name never meet."""
    return f"c{uuid.uuid4().hex[:12]}~{name}"


def original_name(claimed: Path) -> str:
    m = _CLAIM.match(claimed.name)
    return m.group(1) if m else claimed.name


def _return_leftovers(inbox: Path, work: Path, now: float) -> None:
    """Files a pass that died had claimed go back to the inbox under their own name (or a
    free variant of it), to be taken again by this pass."""
    for left in work.iterdir():
        if left.is_file() and now - left.stat().st_ctime > STALE_CLAIM_SECONDS:
            with contextlib.suppress(OSError):
                os.replace(left, _unique_target(inbox, original_name(left)))


def _complete(path: Path) -> bool:
    """A .docx whose zip directory can be read: the copy has reached its end."""
    if path.suffix.lower() != ".docx":
        return True
    try:
        with zipfile.ZipFile(path) as zf:
            zf.infolist()
        return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _settled(paths: list[Path], settle_seconds: float) -> tuple[list[Path], list[Path]]:
    """(files that have stopped changing, files still arriving). A file has stopped when
    neither its size nor its modification time changed for ``settle_seconds`` and, for a
    .docx, it opens as a complete package (a copy that stalls midway is waited for, up to
    ``INCOMPLETE_GRACE_SECONDS``)."""
    ready, arriving = [], []
    for p in paths:
        try:
            st = p.stat()
        except FileNotFoundError:
            continue  # another pass took it
        age = time.time() - st.st_mtime
        if age < settle_seconds or (not _complete(p) and age < INCOMPLETE_GRACE_SECONDS):
            arriving.append(p)
        else:
            ready.append(p)
    return ready, arriving


def take_in(
    path: Path,
    data: bytes,
    *,
    actor: str = "inbox",
    allow: Callable[[str, str], None] | None = None,
) -> InboxItem:
    """One file a client sent, by the inbox, the hand-in page and the mailbox alike: a task
    book taken in, a returned document verified and its decision recorded (outcome 'intake',
    'decision' or 'duplicate'). Raises InputError, NotFoundError or TransitionError for a
    file refused (with the reason; nothing is recorded), another ChangeflowError for one to
    try again.

    ``allow(what, ident)``, when given, is asked before anything is recorded, with
    ("client", the task book's client), ("request", the returned document's request key) or
    ("contract", the service request form's contract, "" when it names none);
    it raises InputError to refuse (the mailbox: a sender may only send their own client's
    files)."""
    from .inputs import load_yaml
    from .intake import intake
    from .taskbook import parse_docx, validate

    source = str(path)
    what, doc = classify(path, data)
    if what == "service":
        from .servicereq.form import take_form

        channel = "mail" if actor.startswith("mailbox") else "inbox" if actor == "inbox" else "ui"
        res = take_form(data, path.name, doc, filename=path.name, channel=channel, actor=actor,
                        allow=allow)  # fmt: skip
        return InboxItem(path.name, "duplicate" if res.duplicate else "service", res.line(),
                         res.key)  # fmt: skip
    if what == "taskbook":
        if path.suffix.lower() == ".docx":
            book = validate(parse_docx(data, source), source)
        else:
            book = validate(load_yaml(data, source), source)
        if allow is not None:
            allow("client", book.client)
        res = intake(
            book,
            source=source,
            original=data,
            filename=path.name,
            actor=actor,
            channel="document",
        )
        item = InboxItem(path.name, "intake", f"task book taken in as {res.key}", res.key)
    else:
        returned = read_returned(data, source, doc)
        if allow is not None:
            allow("request", returned.request)
        dec = approve_document(data, source, filename=path.name, actor=actor, returned=returned)
        verb = "approved" if dec.decision == "approve" else "not approved"
        if dec.duplicate:
            item = InboxItem(
                path.name,
                "duplicate",
                f"already recorded: {dec.kind} v{dec.version} {verb} by {dec.approver}",
                dec.key,
            )
        else:
            item = InboxItem(
                path.name,
                "decision",
                f"{dec.kind} v{dec.version} {verb} by {dec.approver} on"
                f" {dec.decided_on}; {dec.key} 现为 now {state_label(dec.state)}"
                + (f" ({row_conclusions_line(dec.requirements)})" if dec.requirements else "")
                + (f"; {dec.manual}" if getattr(dec, "manual", "") else ""),
                dec.key,
            )
    return item


def process_inbox(
    folder: Path | None = None, *, actor: str = "inbox", settle_seconds: float = 2.0
) -> InboxReport:
    """One pass over the inbox; no file is ever lost.

    A file is taken only once it has stopped changing (``_settled``); one still arriving is
    left for the next pass. Each taken file is claimed (renamed into ``.processing/`` under
    a name no other claim has) so two passes at once never handle the same file; it ends in
    ``done/`` or in ``refused/`` beside ``<name>.reason.txt``. A file that could not be
    handled for a passing reason (a conflict, a missing configuration) goes back to the
    inbox for the next pass, and so do the claims of a pass that died."""
    inbox = Path(folder or get_settings().inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    work, done, refused = inbox / ".processing", inbox / "done", inbox / "refused"
    work.mkdir(exist_ok=True)
    report = InboxReport(str(inbox))
    _return_leftovers(inbox, work, time.time())
    candidates = [
        p for p in sorted(inbox.iterdir()) if p.is_file() and not p.name.startswith(SKIP_PREFIXES)
    ]
    ready, arriving = _settled(candidates, settle_seconds)
    for path in arriving:
        report.items.append(
            InboxItem(path.name, "waiting", "still arriving (it changed or is incomplete)")
        )
    for path in ready:
        claimed = work / _claim_name(path.name)
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            continue  # another pass took it
        try:
            data = read_limited(claimed, source=str(path))
            item = take_in(path, data, actor=actor)
            target = _unique_target(done, path.name)
            os.replace(claimed, target)
            item.moved_to = str(target)
        except (InputError, NotFoundError, TransitionError) as exc:
            target = _unique_target(refused, path.name)
            os.replace(claimed, target)
            reason = str(exc)
            code = getattr(exc, "code", "file" if isinstance(exc, InputError) else "state")
            target.with_name(target.name + ".reason.txt").write_text(
                f"{path.name}\nrefused ({code}): {reason}\n"
                f"at {utcnow().astimezone(get_settings().tz):%Y-%m-%d %H:%M} (Asia/Shanghai)\n",
                encoding="utf-8",
            )
            item = InboxItem(path.name, "refused", reason, moved_to=str(target))
        except ChangeflowError as exc:  # conflict, configuration: try again next pass
            os.replace(claimed, _unique_target(inbox, path.name))
            item = InboxItem(path.name, "retry", str(exc))
        except BaseException:
            os.replace(claimed, _unique_target(inbox, path.name))
            raise
        report.items.append(item)
    return report
