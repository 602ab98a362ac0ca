"""The inbox: the one door for files a client sends.

A filled task book goes to intake, a returned signed document (of any kind in ``kinds``:
plan, acceptance certificate, dispatch order) to verification and its decision, anything
else is refused with its reason. Each file is classified once; the opened document is
handed on, not parsed again.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from docx.document import Document as DocxDocument

from changeflow.db.types import utcnow
from changeflow.errors import ChangeflowError, InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings

from ..inputs import open_docx, read_limited
from ..wordkit import read_custom_properties
from .decisions import approve_document
from .kinds import signable
from .reading import read_returned
from .sealing import P_MAC

Outcome = Literal["intake", "decision", "duplicate", "refused", "retry"]


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

    def as_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "items": [asdict(i) for i in self.items]}


TASKBOOK_KIND = "taskbook-form"
SKIP_PREFIXES = ("~$", ".~lock", ".")
STALE_CLAIM_SECONDS = 600  # a claimed file this old belongs to a pass that died


def classify(path: Path, data: bytes) -> tuple[str, DocxDocument | None]:
    """What a file in the inbox is: ('taskbook' | 'signed', the opened .docx or None);
    raises InputError for anything else."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "taskbook", None
    if suffix != ".docx":
        raise InputError(
            source,
            "file",
            "is neither a task book (.docx from our template, or .yaml) nor a document we"
            " issued (.docx)",
        )
    doc = open_docx(data, source)
    props = read_custom_properties(doc)
    if props.get(P_MAC) or any(k.startswith("changeflow.digest") for k in props):
        return "signed", doc
    if props.get("changeflow.kind") == TASKBOOK_KIND:
        return "taskbook", doc
    if signable(props.get("changeflow.kind")) is not None:
        return "signed", doc  # a document of ours that lost its signature: refused there
    from ..taskbook import parse_docx

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


def process_inbox(
    folder: Path | None = None, *, actor: str = "inbox", settle_seconds: float = 2.0
) -> InboxReport:
    """One pass over the inbox. Each file is claimed (renamed into ``.processing/``) so two
    passes at once never handle the same file; it ends in ``done/`` or in ``refused/``
    beside ``<name>.reason.txt``. A file that could not be handled for a passing reason
    (a conflict, a missing configuration) goes back to the inbox for the next pass."""
    from ..inputs import load_yaml
    from ..intake import intake
    from ..taskbook import parse_docx, validate

    inbox = Path(folder or get_settings().inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    work, done, refused = inbox / ".processing", inbox / "done", inbox / "refused"
    work.mkdir(exist_ok=True)
    report = InboxReport(str(inbox))
    now = time.time()
    for left in work.iterdir():  # a pass that died mid-file: put it back for this pass
        if left.is_file() and now - left.stat().st_ctime > STALE_CLAIM_SECONDS:
            with contextlib.suppress(OSError):
                os.replace(left, inbox / left.name)
    for path in sorted(inbox.iterdir()):
        if not path.is_file() or path.name.startswith(SKIP_PREFIXES):
            continue
        try:
            if now - path.stat().st_mtime < settle_seconds:
                continue  # still being copied in; next pass
            claimed = work / path.name
            os.rename(path, claimed)
        except FileNotFoundError:
            continue  # another pass took it
        source = str(path)
        try:
            data = read_limited(claimed)
            what, doc = classify(path, data)
            if what == "taskbook":
                if path.suffix.lower() == ".docx":
                    book = validate(parse_docx(data, source), source)
                else:
                    book = validate(load_yaml(data, source), source)
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
                dec = approve_document(
                    data, source, filename=path.name, actor=actor, returned=returned
                )
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
                        f" {dec.decided_on}; {dec.key} is now {dec.state}",
                        dec.key,
                    )
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
            os.replace(claimed, path)
            item = InboxItem(path.name, "retry", str(exc))
        except BaseException:
            os.replace(claimed, path)
            raise
        report.items.append(item)
    return report
