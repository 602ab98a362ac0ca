"""Where a probe's address lives: a target row names it, never holds it.

``env:NAME`` (or a bare ``NAME``) is an environment variable; ``block:NAME`` a Prefect
Secret block (read like the SMTP password, ``tasks.mail.secret_block``). The value is the
whole address: an URL (``https://oa.client.example/``, ``smtp://mail.client.example:25``,
``imap://user:password@mail.client.example:143``), a SQLAlchemy URL, ``host:port`` or a
folder. ``scrub`` takes the value and its parts (password, user, host) out of any text a
probe keeps or prints.
"""

from __future__ import annotations

import os
import re
import urllib.parse

from changeflow.errors import ConfigError, InputError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/]{0,150}$")


def check_ref(ref: str, source: str) -> str:
    """A reference as stored: ``env:NAME`` or ``block:NAME`` (a bare name is ``env:``).
    Refuses what looks like an address or a password put in its place."""
    ref = (ref or "").strip()
    if not ref:
        return ""
    scheme, _, name = ref.partition(":") if ":" in ref else ("env", "", ref)
    if scheme not in ("env", "block") or not _NAME.match(name):
        raise InputError(
            source,
            "secret",
            "is not the NAME of an environment variable (env:NAME) or of a Prefect Secret "
            "block (block:NAME); the address itself never goes into the database",
        )
    return f"{scheme}:{name}"


def resolve(ref: str) -> str:
    """The address the reference names (ConfigError naming the reference when unset)."""
    scheme, _, name = ref.partition(":")
    if scheme == "env":
        value = os.environ.get(name, "")
        if not value.strip():
            raise ConfigError(f"probe secret env:{name} is not set")
        return value.strip()
    from changeflow.tasks.mail import secret_block

    return secret_block(name, f"probe address {ref}").strip()


def secret_parts(value: str) -> list[str]:
    """The value and the parts of it that must not be shown (longest first)."""
    parts = {value}
    try:
        u = urllib.parse.urlsplit(value)
        for p in (u.password, u.username, u.netloc, u.hostname):
            if p and len(p) >= 3:
                parts.add(p)
                parts.add(urllib.parse.unquote(p))
    except ValueError:
        pass
    return sorted((p for p in parts if p), key=len, reverse=True)


def scrub(text: str, value: str | None) -> str:
    out = text
    if value:
        for p in secret_parts(value):
            out = out.replace(p, "***")
    return out
