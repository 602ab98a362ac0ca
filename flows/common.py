"""Small pieces every flow uses: artifacts that read well in the Prefect UI."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from changeflow.mdtext import md  # noqa: F401  (flows import it from here)
from changeflow.settings import get_settings


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


def publish_documents(key: str, docs: Iterable[Mapping[str, Any]]) -> None:
    """One link artifact per document made, pointing at the file in the store."""
    from prefect.artifacts import create_link_artifact

    root = get_settings().store_dir
    for d in docs:
        create_link_artifact(
            link=(root / d["path"]).as_uri(),
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
