"""The client's systems played on loopback for the probes: an HTTP server that can stop
answering (it drops the connection without a reply), a TLS server whose certificate can be
renewed while it runs (self-signed, made with ``cryptography``), and a folder of backups."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class HttpTarget:
    def __init__(self) -> None:
        self.down = False
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # headers and body go out at once

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                outer.hits += 1
                if outer.down:  # no answer at all: the connection is dropped
                    self.close_connection = True
                    return
                body = "<html><body>OA 登录 Login</body></html>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/oa/login"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HttpTarget:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def make_cert(
    folder: Path, not_after: dt.datetime, name: str = "oa.client.example"
) -> tuple[Path, Path]:
    """A self-signed certificate ending at ``not_after`` (and its key), as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - dt.timedelta(days=365))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    stamp = not_after.strftime("%Y%m%d")
    cert_path, key_path = folder / f"cert-{stamp}.pem", folder / f"key-{stamp}.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TlsTarget:
    """Accepts TLS connections with the current certificate (``renew`` swaps it)."""

    def __init__(self, folder: Path, not_after: dt.datetime) -> None:
        self.folder = folder
        self.renew(not_after)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def renew(self, not_after: dt.datetime) -> None:
        cert, key = make_cert(self.folder, not_after)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.ctx = ctx

    def _serve(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn.settimeout(5)
                with self.ctx.wrap_socket(conn, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                conn.close()

    def __enter__(self) -> TlsTarget:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped = True
        self.sock.close()
