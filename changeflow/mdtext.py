"""Text inside Markdown (the Prefect UI's artifacts, the Markdown views of reports): at the
bottom, so the domain and the flows escape it the same way."""

from __future__ import annotations


def md(text: object) -> str:
    """Text safe inside a markdown table cell: pipes escaped, and ``<``/``>``/``&`` as
    entities so the UI shows ``<online booking>`` instead of dropping it as a tag."""
    out = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return out.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
