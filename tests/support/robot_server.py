"""A local HTTP server playing WeCom, DingTalk and Feishu group robots: it checks each
vendor's signature independently of the code under test (its own HMAC code, the vendors'
documented recipe) and keeps every message it accepted.

``script[kind]`` plays failures first, one per request, none accepted: ``"500"`` (HTTP 500),
``"429"`` (HTTP 429), ``"slow"`` (answers after ``delay`` seconds, past the client's
timeout, with a 504), ``"too-fast"`` (the vendor's rate-limit answer)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WECOM_KEY = "wecom-key-0f3a"
DING_TOKEN = "ding-token-77"
DING_SECRET = "SECding-secret-9c1e"
FEISHU_SECRET = "feishu-secret-5b2d"


class RobotServer:
    TOO_FAST = {"wecom": 45009, "dingtalk": 130101, "feishu": 9499}

    def __init__(self) -> None:
        self.accepted: list[tuple[str, dict]] = []
        self.refused: list[tuple[str, str]] = []
        self.script: dict[str, list[str]] = {}
        self.played: list[tuple[str, str]] = []
        self.delay = 1.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                body = json.loads(raw or b"{}")
                kind = url.path.strip("/")
                todo = outer.script.get(kind) or []
                if todo:
                    act = todo.pop(0)
                    outer.played.append((kind, act))
                    if act == "slow":
                        time.sleep(outer.delay)
                    if act in ("500", "429", "slow"):
                        self.send_response({"500": 500, "429": 429, "slow": 504}[act])
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    code = outer.TOO_FAST[kind]
                    answer = {"errcode": code, "errmsg": "send too fast"} if kind != "feishu" else {
                        "code": code, "msg": "too many request"}  # fmt: skip
                    data = json.dumps(answer).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                problem = outer.check(kind, q, body, len(raw))
                if problem:
                    outer.refused.append((kind, problem))
                    code = {"wecom": 93000, "dingtalk": 310000, "feishu": 19021}.get(kind, 1)
                    answer = {"errcode": code, "errmsg": problem} if kind != "feishu" else {
                        "code": code, "msg": problem}  # fmt: skip
                else:
                    outer.accepted.append((kind, body))
                    answer = {"errcode": 0, "errmsg": "ok"} if kind != "feishu" else {"code": 0}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def check(self, kind: str, q: dict, body: dict, size: int) -> str:
        if kind == "wecom":
            if q.get("key") != WECOM_KEY:
                return "invalid webhook key"
            if len(body["text"]["content"].encode()) > 2048:
                return "content exceeds 2048 bytes"
            return ""
        if kind == "dingtalk":
            if q.get("access_token") != DING_TOKEN:
                return "token is not exist"
            ts = q.get("timestamp", "")
            if not ts.isdigit() or abs(int(ts) - time.time() * 1000) > 3600 * 1000:
                return "invalid timestamp"
            want = base64.b64encode(
                hmac.new(
                    DING_SECRET.encode(), f"{ts}\n{DING_SECRET}".encode(), hashlib.sha256
                ).digest()
            ).decode()
            # parse_qsl already URL-decoded the sign
            return "" if hmac.compare_digest(q.get("sign", ""), want) else "sign not match"
        if kind == "feishu":
            ts = body.get("timestamp", "")
            if not ts.isdigit() or abs(int(ts) - time.time()) > 3600:
                return "invalid timestamp"
            key = f"{ts}\n{FEISHU_SECRET}".encode()
            want = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if not hmac.compare_digest(body.get("sign", ""), want):
                return "sign match fail or timestamp is not within one hour from current time"
            if size > 20 * 1024:
                return "request body exceeds 20 KB"
            return ""
        return "unknown robot"

    def __enter__(self) -> RobotServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
