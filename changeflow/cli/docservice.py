"""The document service ``changeflow up`` starts beside the Prefect UI (an ASGI app on uvicorn).

- ``GET /documents/<id>``: a recorded document by its id (never a path), as a download;
  ``GET /documents/<id>/pdf``: its PDF, where one was made. 404 for an id not recorded.
- ``GET /hand-in``: the page where a lead hands in what a client returned (a signed plan,
  acceptance certificate or dispatch order, a task book: through the inbox's own
  ``inbox.take_in``) or an evidence scan, JUnit XML or screenshot (kept as an upload whose
  id the forms take). ``POST /hand-in`` answers with one line: recorded or refused, and why.

With ``PREFECT_SERVER_API_AUTH_STRING`` set, every request needs the same basic-auth string
as the Prefect API (a browser asks for it once). It binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hmac
import html
import os
import sys
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

AUTH_ENV = "PREFECT_SERVER_API_AUTH_STRING"
URL_ENV = "CHANGEFLOW_DOCS_URL"  # the address artifacts link to (set by ``up``)
DEFAULT_PORT_OFFSET = 10  # next to the Prefect server: 4200 -> 4210


def docs_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{port}"


def _authorized(request: Request) -> bool:
    wanted = os.environ.get(AUTH_ENV)
    if not wanted:
        return True
    got = request.headers.get("authorization", "")
    scheme, _, value = got.partition(" ")
    if scheme.lower() != "basic":
        return False
    expected = base64.b64encode(wanted.encode()).decode()
    return hmac.compare_digest(value.strip().encode(), expected.encode())


class BasicAuth:
    """The Prefect API's protection: one shared basic-auth string, checked on every request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not _authorized(Request(scope)):
            response = PlainTextResponse(
                "401 需要登录 Authentication required",
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="changeflow"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def document(request: Request) -> Any:
    from changeflow.tasks.pdf import download

    found = download(request.path_params["doc_id"], pdf=request.url.path.endswith("/pdf"))
    if found is None or not os.path.isfile(found[0]):
        return PlainTextResponse("404 没有这个文档 No such document", status_code=404)
    path, name, media = found
    return FileResponse(path, media_type=media, filename=name)


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>交回文件 Hand in</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.5}}
label{{display:block;margin:.6em 0 .2em}} .ok{{color:#176e2c}} .refused{{color:#b3261e}}
#result{{font-weight:bold;padding:.5em 0}}</style></head><body>
<h1>交回文件 Hand in a file</h1>
<p>客户回签的计划、验收单、派工单或任务书，与收件箱同样核验；审批凭证、JUnit 结果和截图<!--
-->登记后得到编号，在表单中填写该编号。
What a client returned goes through the inbox's own
checks; evidence scans, JUnit files and screenshots get an id to enter in the forms.</p>
{result}
<form method="post" action="hand-in" enctype="multipart/form-data">
<label for="what">类别 Kind *</label>
<select id="what" name="what" required>{options}</select>
<label for="file">文件 File *</label>
<input id="file" name="file" type="file" required>
<label for="by">交回人 Handed in by</label>
<input id="by" name="by" type="text" placeholder="项目负责人 Project lead">
<p><button type="submit">交回 Hand in</button></p>
</form>
<p>下一步 Next: 回到 Prefect 界面运行下一步。 Back to the Prefect UI for the next step.</p>
</body></html>
"""


def _page(result: str = "", chosen: str = "returned") -> str:
    from changeflow.tasks.uploads import WHAT_LABELS

    options = "".join(
        f'<option value="{k}"{" selected" if k == chosen else ""}>{html.escape(v)}</option>'
        for k, v in WHAT_LABELS.items()
    )
    return PAGE.format(result=result, options=options)


def _parse_form(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """multipart/form-data by the standard library's MIME parser: name -> (filename, bytes)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    msg = email.message_from_bytes(head + body, policy=email.policy.HTTP)
    out: dict[str, tuple[str | None, bytes]] = {}
    if not msg.is_multipart():
        return out
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            out[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return out


async def hand_in_page(request: Request) -> Any:
    return HTMLResponse(_page())


async def hand_in_post(request: Request) -> Any:
    import anyio

    from changeflow.settings import get_settings
    from changeflow.tasks.uploads import WHAT_LABELS, hand_in

    limit = get_settings().max_upload_bytes + 64 * 1024
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return HTMLResponse(
                _page('<p id="result" class="refused">refused: the file is over the limit</p>'),
                status_code=413,
            )
    form = _parse_form(request.headers.get("content-type", ""), body)
    what = form.get("what", (None, b"returned"))[1].decode(errors="replace").strip()
    filename, data = form.get("file", (None, b""))
    by = form.get("by", (None, b""))[1].decode(errors="replace").strip()[:80]
    if not by:  # left empty: our project lead (of the only contract), never a role word
        from changeflow.tasks.people import our_lead_of

        by = await anyio.to_thread.run_sync(our_lead_of) or "交回页面 hand-in page"
    if what not in WHAT_LABELS:
        res_ok, line = False, f"refused: unknown kind {what!r}"
    else:
        res = await anyio.to_thread.run_sync(
            lambda: hand_in(what, filename or "upload", data, actor=f"hand-in: {by}")
        )
        res_ok, line = res.ok, res.line
    css = "ok" if res_ok else "refused"
    result = f'<p id="result" class="{css}">{html.escape(line)}</p>'
    recorded = res_ok and what == "returned" and res.key
    if recorded and res.outcome in ("intake", "decision", "service"):
        result += await anyio.to_thread.run_sync(lambda: _hand_in_run(res, filename or ""))
    return HTMLResponse(_page(result, what), status_code=200 if res_ok else 422)


def _hand_in_run(res: Any, filename: str) -> str:
    """What the page recorded, as a ``hand-in`` flow run named for it (and the board
    refreshed): links to that run and to the board."""
    from changeflow.flows.board import run_hand_in
    from changeflow.flows.common import board_url

    url = run_hand_in(res.key, res.outcome, detail=res.detail, file=filename)
    run = f'<a id="run" href="{html.escape(url)}">交回运行 Hand-in run</a> · ' if url else ""
    return f'<p>{run}<a id="board" href="{html.escape(board_url())}">看板 Board</a></p>'


def latest_board_page() -> str:
    """The UI page of the board's newest version (by its id), or the key's page of versions
    when there is none yet or the server does not answer."""
    from changeflow.flows.common import board_versions_url, ui_base
    from changeflow.tasks.board import BOARD_KEY

    try:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import (
            ArtifactCollectionFilter,
            ArtifactCollectionFilterKey,
        )

        with get_client(sync_client=True) as c:
            found = c.read_latest_artifacts(
                artifact_filter=ArtifactCollectionFilter(
                    key=ArtifactCollectionFilterKey(any_=[BOARD_KEY])
                ),
                limit=1,
            )
    except Exception:  # the server is away: its page of versions says so itself
        return board_versions_url()
    if not found:
        return board_versions_url()
    return f"{ui_base()}/v2/artifacts/artifact/{found[0].latest_id}"


async def board(request: Request) -> Any:
    import anyio

    return RedirectResponse(await anyio.to_thread.run_sync(latest_board_page), status_code=302)


async def root(request: Request) -> Any:
    return RedirectResponse("hand-in")


def create_app() -> Any:
    app = Starlette(
        routes=[
            Route("/", root),
            Route("/documents/{doc_id:int}", document),
            Route("/documents/{doc_id:int}/pdf", document),
            Route("/board", board),
            Route("/hand-in", hand_in_page, methods=["GET"]),
            Route("/hand-in", hand_in_post, methods=["POST"]),
        ]
    )
    return BasicAuth(app)


def main(argv: list[str] | None = None) -> int:
    """``python -m changeflow.cli.docservice --host H --port P`` (started by ``up``)."""
    import argparse

    import uvicorn

    p = argparse.ArgumentParser(prog="python -m changeflow.cli.docservice")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4210)
    args = p.parse_args(argv)
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
