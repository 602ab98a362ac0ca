"""Small pieces every flow uses: artifacts that read well in the Prefect UI."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from changeflow.mdtext import md


def artifact_key(*parts: str) -> str:
    """Artifact keys allow lowercase letters, digits and dashes only."""
    key = "-".join(parts).lower()
    return re.sub(r"[^a-z0-9-]+", "-", key).strip("-")[:100] or "changeflow"


def publish_markdown(key: str, markdown: str, description: str = "") -> None:
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(markdown=markdown, key=artifact_key(key), description=description)


def publish_table(key: str, rows: Iterable[Mapping[str, Any]], description: str = "") -> None:
    from prefect.artifacts import create_table_artifact

    from changeflow.jsonout import to_jsonable

    create_table_artifact(
        table=[to_jsonable(dict(r)) for r in rows], key=artifact_key(key), description=description
    )


DOCS_URL_ENV = "CHANGEFLOW_DOCS_URL"  # set by ``changeflow up`` (its document service)
DEFAULT_DOCS_URL = "http://127.0.0.1:4210"


def docs_base() -> str:
    return (os.environ.get(DOCS_URL_ENV) or DEFAULT_DOCS_URL).rstrip("/")


def document_url(path: str) -> str:
    """The http(s) address of a recorded document (by its id, never its path) on the document
    service; ``path`` is the store-relative path the domain functions return."""
    from sqlalchemy import select

    from changeflow.db.models import Document
    from changeflow.db.session import transaction

    with transaction() as s:
        doc_id = s.scalar(select(Document.id).where(Document.path == str(path)))
    if doc_id is None:
        raise LookupError(f"no document recorded at {path}")
    return f"{docs_base()}/documents/{doc_id}"


def document_link(path: str, text: str | None = None) -> str:
    """A markdown link to a recorded document, for artifacts."""
    return f"[{md(text or Path(path).name)}]({document_url(path)})"


def hand_in_url() -> str:
    return f"{docs_base()}/hand-in"


def publish_documents(key: str, docs: Iterable[Mapping[str, Any]]) -> None:
    """One link artifact per document made, opening it from the document service."""
    from prefect.artifacts import create_link_artifact

    for d in docs:
        create_link_artifact(
            link=document_url(d["path"]),
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
    """The closing line of every artifact: what to do next and the deployment to run."""
    if deployment is None:
        return f"\n下一步 Next: {what or '无 nothing: this step is complete'}"
    return f"\n下一步 Next: {what + ' ' if what else ''}run the **{deployment}** deployment."


def outcome(line: str, data: Any = None) -> Any:
    """The run's final state: Completed with its one bilingual line as the state message."""
    from prefect.states import Completed

    print(line)
    return Completed(message=line, data=data)


def refused(step: str, exc: BaseException, key: str | None = None) -> Any:
    """A failed run as one bilingual line (the state message) and a markdown artifact; no
    traceback. Use for the project's own errors (bad input, wrong state, not found)."""
    from prefect.states import Failed

    line = f"失败 Failed: {exc}".replace("\n", " ")[:900]
    publish_markdown(
        artifact_key("failed", step, key or ""),
        f"# {step}{' ' + md(key) if key else ''}: 失败 Failed\n\n{md(str(exc))}\n"
        + next_line(step, "改正表单后重新运行 / correct the form, then"),
        "Failed run",
    )
    print(line)
    return Failed(message=line)
