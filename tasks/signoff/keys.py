"""The installation's signing secret: HMAC over what we issue, with key rotation.

The secret lives only in an owner-only file (``settings.secret_path``), one ``kid:hex`` line
per key, newest last. Signing uses the newest key; verifying accepts any key in the file,
so rotating keeps documents signed with an older key verifiable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from changeflow.errors import ConfigError
from changeflow.settings import get_settings


def _path() -> Path:
    return get_settings().secret_path


def _write_keys(path: Path, keys: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("".join(f"{kid}:{key}\n" for kid, key in keys))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def ensure_secret() -> Path:
    """Create the secret file (mode 600) on first use; keep an existing one."""
    path = _path()
    if not path.exists():
        _write_keys(path, [("k1", secrets.token_hex(32))])
    return path


def load_keys() -> list[tuple[str, bytes]]:
    path = _path()
    if not path.exists():
        raise ConfigError(f"no signing secret at {path}; run: changeflow init")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(f"signing secret {path} is readable by others; chmod 600 it")
    keys = []
    for line in path.read_text().splitlines():
        if ":" in line:
            kid, hexkey = line.strip().split(":", 1)
            keys.append((kid, bytes.fromhex(hexkey)))
    if not keys:
        raise ConfigError(f"signing secret {path} holds no key; run: changeflow init")
    return keys


def rotate() -> str:
    """Add a new key and sign with it from now on; older keys still verify."""
    path = ensure_secret()
    keys = [(k, v.hex()) for k, v in load_keys()]
    kid = f"k{len(keys) + 1}"
    keys.append((kid, secrets.token_hex(32)))
    _write_keys(path, keys)
    return kid


def sign(message: bytes) -> tuple[str, str]:
    """HMAC-SHA256 of ``message`` with the newest key: (key id, hex digest)."""
    kid, key = load_keys()[-1]
    return kid, hmac.new(key, message, hashlib.sha256).hexdigest()


def verify(message: bytes, kid: str, mac: str) -> bool:
    for k, key in load_keys():
        if k == kid:
            expected = hmac.new(key, message, hashlib.sha256).hexdigest()
            return hmac.compare_digest(expected, mac)
    return False
