"""Small pieces every flow uses: artifacts that read well in the Prefect UI."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import Field

from changeflow.mdtext import md
from changeflow.settings import get_settings


def artifact_key(*parts: str) -> str:
    """Artifact keys allow lowercase letters, digits and dashes only."""
    key = "-".join(parts).lower()
    return re.sub(r"[^a-z0-9-]+", "-", key).strip("-")[:100] or "changeflow"


# an ISO date-time as the domain returns it (UTC, seconds, microseconds, an offset)
ISO_TIME = re.compile(
    r"\b(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?\b"
)


def local_times(text: str) -> str:
    """Every ISO date-time in ``text`` as a lead reads it: Asia/Shanghai, to the minute
    (``2026-12-04T06:05:00.123456+00:00`` -> ``2026-12-04 14:05``); one without an offset
    is already local and only loses its seconds."""
    from datetime import datetime

    def one(m: re.Match[str]) -> str:
        if not m.group(4):
            return f"{m.group(1)} {m.group(2)}"
        try:
            when = datetime.fromisoformat(m.group(0).replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            return m.group(0)
        return f"{when.astimezone(get_settings().tz):%Y-%m-%d %H:%M}"

    return ISO_TIME.sub(one, text)


def publish_markdown(key: str, markdown: str, description: str = "") -> None:
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(
        markdown=local_times(markdown), key=artifact_key(key), description=description
    )


def publish_table(key: str, rows: Iterable[Mapping[str, Any]], description: str = "") -> None:
    from prefect.artifacts import create_table_artifact

    from changeflow.jsonout import to_jsonable

    table = [
        {k: local_times(v) if isinstance(v, str) else v for k, v in to_jsonable(dict(r)).items()}
        for r in rows
    ]
    create_table_artifact(table=table, key=artifact_key(key), description=description)


DOCS_URL_ENV = "CHANGEFLOW_DOCS_URL"  # set by ``changeflow up`` (its document service)
DEFAULT_DOCS_URL = "http://127.0.0.1:4210"


def docs_base() -> str:
    return (os.environ.get(DOCS_URL_ENV) or DEFAULT_DOCS_URL).rstrip("/")


def document_url(path: str | Path) -> str | None:
    """The http(s) address of a recorded document (by its id, never its path) on the document
    service; ``path`` is what the domain functions return (store-relative or absolute in the
    store). None when no document is recorded there."""
    from sqlalchemy import select

    from changeflow.db.models import Document
    from changeflow.db.session import transaction

    rel = Path(path)
    if rel.is_absolute():
        try:
            rel = rel.resolve().relative_to(get_settings().store_dir)
        except ValueError:
            return None
    with transaction() as s:
        doc_id = s.scalar(select(Document.id).where(Document.path == rel.as_posix()))
    return None if doc_id is None else f"{docs_base()}/documents/{doc_id}"


def document_link(path: str | Path, text: str | None = None) -> str:
    """A markdown link to a recorded document, for artifacts (the name alone if unknown)."""
    name = md(text or Path(path).name)
    url = document_url(path)
    return f"[{name}]({url})" if url else name


def hand_in_url() -> str:
    return f"{docs_base()}/hand-in"


def was_sent(mail: Mapping[str, Any] | None) -> bool:
    """True when the step mailed its document to the client (not failed, mail set up)."""
    return bool(mail) and mail.get("status") != "not-set-up" and mail.get("state") != "failed"


def hand_in_line(what_zh: str, what_en: str, sent: bool = False) -> str:
    """Where the client's signed copy goes: the hand-in page, which checks it exactly as the
    inbox does and records the decision itself (so there is no approve-file or accept-file
    deployment: a second door for the same file would only be a second way to get it
    wrong). Used by every artifact whose document comes back signed. ``sent``: the step
    mailed it already, so the line no longer asks the lead to send it."""
    if sent:
        return (
            f"{what_zh}已发给客户，等待回签；回签件由项目邮箱登记，或在交回页面 {hand_in_url()}"
            f" 上传 / the {what_en} is with the client: the signed copy is recorded from the"
            f" mailbox, or hand it in on the hand-in page"
        )
    return (
        f"下载{what_zh}发给客户；回签件在交回页面 {hand_in_url()} 上传，页面核验后直接登记"
        f"客户的决定 / download the {what_en}, send it to the client and hand the signed copy"
        f" in on the hand-in page: it checks the file and records the decision itself"
    )


def publish_documents(key: str, docs: Iterable[Mapping[str, Any]]) -> None:
    """One link artifact per document made, opening it from the document service."""
    from prefect.artifacts import create_link_artifact

    for d in docs:
        url = document_url(d["path"])
        if url is None:
            continue
        create_link_artifact(
            link=url,
            link_text=f"{d['kind']} v{d['version']} ({d.get('lang', '')})",
            key=artifact_key(key, d["kind"]),
            description=f"sha256 {d['sha256']}",
        )


def _faults() -> None:
    """The crash-test switch (CHANGEFLOW_FAULT_INJECT) in flow processes too; a no-op
    unless it is set."""
    from changeflow.faults import install

    install()


_faults()


def next_line(deployment: str | None, what: str = "") -> str:
    """The closing lines of every artifact: what to do next and the deployment to run, then
    the link to the board (看板)."""
    # a blank line first: after a list, a single newline would continue its last item
    if deployment is None:
        return f"\n\n下一步 Next: {what or '无 nothing: this step is complete'}" + board_line()
    from changeflow.bilingual import step_label

    return (
        f"\n\n下一步 Next: {what + ' ' if what else ''}运行 run **{step_label(deployment)}**"
        + board_line()
    )


def ui_base() -> str:
    """The Prefect UI's address: ``PREFECT_UI_URL``, else the API's address without /api."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    ui = PREFECT_UI_URL.value()
    if not ui:
        api = PREFECT_API_URL.value() or "http://127.0.0.1:4200/api"
        ui = api.rstrip("/").removesuffix("/api")
    return str(ui).rstrip("/")


def board_versions_url() -> str:
    """The UI's page of the artifact keyed ``board``: its versions, newest first (the UI
    shows a key's versions there, not the content: one more click opens the newest)."""
    return f"{ui_base()}/v2/artifacts/key/board"


def board_url() -> str:
    """The board's stable address: the document service's ``/board`` opens the newest
    version of the artifact keyed ``board`` in the UI (its page by id)."""
    return f"{docs_base()}/board"


def board_line() -> str:
    """The last line of every step's artifact: the board, and its versions."""
    return (
        f"\n\n看板 Board: [打开看板 open the board]({board_url()})"
        f" · [历次版本 versions]({board_versions_url()})"
    )


def outcome(line: str, data: Any = None, name: str | None = None, board: bool = True) -> Any:
    """The run's final state: Completed with its one bilingual line as the state message;
    ``name`` renames the run (``<step> <key>`` once the key exists, e.g. after intake); the
    board (看板) is refreshed first (``board=False``: the caller did)."""
    from prefect.states import Completed

    if name:
        rename_run(name)
    line = local_times(line)
    if board:
        publish_board()
    print(line)
    return Completed(message=line, data=data)


def rename_run(name: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run

    run_id = flow_run.get_id()
    if run_id:
        with get_client(sync_client=True) as c:
            c.update_flow_run(run_id, name=name[:200])


def run_name(step: str, *path: str) -> Any:
    """A ``flow_run_name`` callable: ``<step> <value of the parameter at path>``."""

    def name() -> str:
        from prefect.runtime import flow_run

        value: Any = flow_run.parameters
        for part in path:
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        return f"{step} {value}" if value else step

    return name


def timed_name(step: str) -> Any:
    """A ``flow_run_name`` callable for runs without a key (scheduled ones above all): the
    step and the local time it ran, as a lead says it ("inbox 12-01 10:05"), not a random
    Prefect name."""

    def name() -> str:
        from datetime import datetime

        return f"{step} {datetime.now(get_settings().tz):%m-%d %H:%M}"

    return name


def refused(step: str, exc: BaseException, key: str | None = None) -> Any:
    """A failed run as one bilingual line (the state message) and a markdown artifact; no
    traceback. Use for the project's own errors (bad input, wrong state, not found)."""
    from prefect.states import Failed

    line = local_times(f"失败 Failed: {exc}".replace("\n", " "))[:900]
    publish_markdown(
        artifact_key("failed", step, key or ""),
        f"# {step}{' ' + md(key) if key else ''}: 失败 Failed\n\n{md(str(exc))}\n"
        + next_line(step, advice_for(exc)),
        "失败 Failed run",
    )
    print(line)
    return Failed(message=line, data=exc)


def advice_for(exc: BaseException) -> str:
    """What a failed run's artifact tells the lead to change: a setting (its file and key are
    named in the error's line) or the form."""
    from changeflow.errors import ConfigError

    if isinstance(exc, ConfigError):
        return (
            "改正上文所列设置（设置文件及键）后重新运行，无需重启"
            " / change the setting named above (file and key), then"
        )
    return "改正表单后重新运行 / correct the form, then"


def bilingual_choice(value: object, choices: tuple[str, ...]) -> object:
    """A form choice shows "code 中文" (e.g. "crash 系统崩溃"); the plain code is accepted too
    (API callers, older runs)."""
    if isinstance(value, str):
        for c in choices:
            if value.strip() == c.split(" ")[0]:
                return c
    return value


def code_of(choice: str) -> str:
    """The domain's value of a bilingual choice: "crash 系统崩溃" -> "crash"."""
    return choice.split(" ")[0]


# A request's key on a form (CR-2026-0001): ``Field(**REQUEST_KEY)``, the hint left out
# where the form names it otherwise (``REQUEST_KEY_BARE``).
REQUEST_KEY_BARE: dict[str, Any] = {
    "title": "请求编号 Request key",
    "min_length": 3,
    "max_length": 20,
}
REQUEST_KEY: dict[str, Any] = {
    **REQUEST_KEY_BARE,
    "description": "例如 CR-2026-0001 / e.g. CR-2026-0001",
}
# The fields every step form shares: the key it acts on, who does it, when.
KEY = Field(title="编号 Key", description="例如 CR-2026-0001 / e.g. CR-2026-0001",
            min_length=3, max_length=30)  # fmt: skip
BY = Field("", title="经办人 Done by", max_length=120)
WHEN_HINT = "（YYYY-MM-DD HH:MM，北京时间，例 2026-12-04 14:05；空 = 现在 now）"
# A date field's label ends with its format and an example (``deployments.date_boxes``).
DATE_HINT = "（YYYY-MM-DD，例 2026-12-04）"
AT = Field(
    "",
    title=f"时间 At{WHEN_HINT}",
    max_length=40,
)
# The time an act really happened, on every form that records one (``tasks.acttime`` checks
# it; a refusal names the field by this label, both languages).
AT_LABEL = "发生时间 When it happened"
AT_FIELD: dict[str, Any] = {
    "default": "",
    "title": f"{AT_LABEL}（YYYY-MM-DD HH:MM，北京时间，例 2026-11-20 17:00；空 = 现在 now）",
    "max_length": 40,
}


def publish_board() -> str | None:
    """Render the board and publish it under its key; the warning line if it could not be
    (the step that called it has recorded its work already)."""
    from changeflow.tasks.board import BOARD_KEY, board_markdown

    try:
        text = board_markdown(docs_url=docs_base())
        publish_markdown(BOARD_KEY, text + next_line("board", "刷新 / refresh:"), "看板 Board")
    except Exception as exc:  # the board is a view: never fail a step for it
        line = f"看板未刷新 Board not refreshed: {type(exc).__name__}: {exc}"[:300]
        print(line)
        return line
    return None
