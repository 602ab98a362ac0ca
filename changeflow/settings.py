"""One settings object: environment ``CHANGEFLOW_*`` over an optional ``changeflow.toml``.

Paths default to a ``var/`` folder under the current directory so a checkout is self-contained.
The signing secret is never a setting value: only the path of the owner-only file holding it.

Settings apply without a restart: ``get_settings()`` reads the file again when it changed
(its modification time and size), so a served flow run (``changeflow up``) uses what the
file says now. The environment is read once per process (``reset_settings()`` re-reads it).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHANGEFLOW_",
        toml_file=os.environ.get("CHANGEFLOW_CONFIG", "changeflow.toml"),
        extra="ignore",
    )

    home: Path = Field(Path("var"), description="Folder for the default database, store, inbox.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in home.")
    documents_dir: Path | None = None
    inbox_dir: Path | None = None
    templates_dir: Path | None = Field(None, description="Override of the shipped templates.")
    secret_file: Path | None = None
    timezone: str = "Asia/Shanghai"
    lang: Literal["zh-CN", "en"] = "zh-CN"
    max_upload_bytes: int = 20 * 1024 * 1024
    company: str = Field(
        "", description="Our company (乙方): a document's author when no staff member is named."
    )

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_password_block: str | None = Field(
        None, description="Name of a Prefect Secret block holding the SMTP password."
    )
    mail_from: str = "changeflow@localhost"

    # The project's mailbox (IMAP): clients reply to it with the documents they signed.
    imap_host: str | None = None
    imap_port: int | None = Field(None, description="Default 993 for ssl, 143 otherwise.")
    imap_security: Literal["ssl", "starttls", "plain"] = "ssl"
    imap_user: str | None = None
    imap_password: SecretStr | None = None  # like smtp_password: environment or toml, never logged
    imap_password_block: str | None = Field(
        None, description="Name of a Prefect Secret block holding the IMAP password."
    )
    imap_folder: str = "INBOX"
    imap_processed_folder: str = "changeflow-processed"
    imap_refused_folder: str = "changeflow-refused"
    imap_kept_folder: str = Field(
        "changeflow-kept",
        description="A client's mail without attachment (a question): kept here, forwarded.",
    )
    lead_email: str | None = Field(
        None, description="Our lead's address when a contract names no lead with an email."
    )
    mailbox_address: str | None = Field(
        None, description="The project mailbox's address: Reply-To of documents we send."
    )

    prefect_port: int = 4200
    prefect_host: str = "127.0.0.1"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_path()),
        )

    # Derived paths: absolute, so a flow run in another working directory finds the same files.
    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_dir / 'changeflow.db'}"

    @property
    def store_dir(self) -> Path:
        return (self.documents_dir or self.home_dir / "documents").expanduser().resolve()

    @property
    def inbox(self) -> Path:
        return (self.inbox_dir or self.home_dir / "inbox").expanduser().resolve()

    @property
    def secret_path(self) -> Path:
        return (self.secret_file or self.home_dir / "secret.key").expanduser().resolve()

    @property
    def imap_port_effective(self) -> int:
        return self.imap_port or (993 if self.imap_security == "ssl" else 143)

    @property
    def reply_to(self) -> str | None:
        """Where clients answer: the project mailbox (its address, else its user if that is
        an address)."""
        if self.mailbox_address:
            return self.mailbox_address
        if self.imap_user and "@" in self.imap_user:
            return self.imap_user
        return None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def template_root(self) -> Path:
        if self.templates_dir:
            return self.templates_dir.expanduser().resolve()
        # found, not imported: the templates' package sits above the settings
        from importlib.util import find_spec

        spec = find_spec("changeflow.docs_templates")
        assert spec is not None and spec.origin is not None
        return Path(spec.origin).parent


def config_path() -> Path:
    """The settings file: CHANGEFLOW_CONFIG, else ``changeflow.toml`` in the current folder."""
    return Path(os.environ.get("CHANGEFLOW_CONFIG", "changeflow.toml"))


def _stamp() -> tuple[str, int, int] | None:
    path = config_path()
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _settings_for(stamp: tuple[str, int, int] | None, generation: int) -> Settings:
    return Settings()


_generation = 0


def get_settings() -> Settings:
    """The process's settings as the file says now: read again when ``changeflow.toml``
    changed (no restart); tests call ``reset_settings()`` after changing the env."""
    return _settings_for(_stamp(), _generation)


def reset_settings() -> None:
    global _generation
    _generation += 1
    _settings_for.cache_clear()


def where_to_set(*keys: str) -> str:
    """Where a lead changes these settings, in words: the keys in the settings file (its
    absolute path), or the environment variables that set them now (they win over it)."""
    path = config_path().expanduser().resolve()
    env = [f"CHANGEFLOW_{k.upper()}" for k in keys if f"CHANGEFLOW_{k.upper()}" in os.environ]
    names = ", ".join(keys)
    if env:
        return (
            f"环境变量 {', '.join(env)}（优先于 {path}）/ the environment variable(s)"
            f" {', '.join(env)} (they win over {path}); restart changeflow up after changing them"
        )
    var = ", ".join(f"CHANGEFLOW_{k.upper()}" for k in keys)
    return (
        f"设置文件 {path} 中的 {names}（或环境变量 {var}）/ {names} in the settings file {path}"
        f" (applies to the next run, no restart; or the environment variable(s) {var})"
    )
