"""The weekly report's fixtures: a project in development, a real SMTP server (STARTTLS,
AUTH) with its certificate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.tasks.weekly.helpers import (
    SMTP_PASSWORD,
    SMTP_USER,
    Mailbox,
    free_port,
    make_project,
)


@pytest.fixture
def project(submitted: str, db: str, tmp_path: Path) -> dict[str, Any]:
    return make_project(submitted, db, tmp_path)


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (trusted through SSL_CERT_FILE in the test)."""
    import ipaddress
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    crt, pem = folder / "cert.pem", folder / "key.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


@pytest.fixture
def smtp(
    cf_home: Path, monkeypatch: pytest.MonkeyPatch, tls_cert: tuple[Path, Path]
) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 requiring STARTTLS and a login; settings point at it."""
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from changeflow.settings import reset_settings

    box = Mailbox()

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = data.login.decode() == SMTP_USER and data.password.decode() == SMTP_PASSWORD
        if ok:
            box.logins.append(data.login.decode())
        return AuthResult(success=ok)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(tls_cert[0]), str(tls_cert[1]))
    port = free_port()
    ctl = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        tls_context=ctx,
        require_starttls=True,
        authenticator=check,
        auth_required=True,
    )
    ctl.start()
    box.port = port
    for k, v in {
        "CHANGEFLOW_SMTP_HOST": "127.0.0.1",
        "CHANGEFLOW_SMTP_PORT": str(port),
        "CHANGEFLOW_SMTP_SECURITY": "starttls",
        "CHANGEFLOW_SMTP_USER": SMTP_USER,
        "CHANGEFLOW_SMTP_PASSWORD": SMTP_PASSWORD,
        "CHANGEFLOW_MAIL_FROM": "changeflow@contractor.example",
        "SSL_CERT_FILE": str(tls_cert[0]),
    }.items():
        monkeypatch.setenv(k, v)
    reset_settings()
    try:
        yield box
    finally:
        ctl.stop()
