"""``up`` pins every setting that names a place before anything runs in another directory,
and ``doctor`` / ``up`` notice a database that flow runs once made inside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

PLACES = ("CHANGEFLOW_HOME", "CHANGEFLOW_DATABASE_URL", "CHANGEFLOW_DOCUMENTS_DIR",
          "CHANGEFLOW_INBOX_DIR", "CHANGEFLOW_SECRET_FILE", "CHANGEFLOW_TEMPLATES_DIR")  # fmt: skip


@pytest.fixture
def relative_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from changeflow.settings import reset_settings

    monkeypatch.chdir(tmp_path)
    for name in PLACES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHANGEFLOW_CONFIG", "changeflow.toml")  # relative, as by default
    (tmp_path / "changeflow.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("CHANGEFLOW_INBOX_DIR", "shared/inbox")  # a relative setting
    reset_settings()
    yield tmp_path
    reset_settings()


def test_place_settings_are_made_absolute_where_up_starts(relative_home: Path) -> None:
    from changeflow.cli.serving import place_env

    env = place_env()
    assert env["CHANGEFLOW_HOME"] == str(relative_home / "var")
    assert env["CHANGEFLOW_DATABASE_URL"] == f"sqlite:///{relative_home / 'var' / 'changeflow.db'}"
    assert env["CHANGEFLOW_INBOX_DIR"] == str(relative_home / "shared" / "inbox")
    assert env["CHANGEFLOW_DOCUMENTS_DIR"] == str(relative_home / "var" / "documents")
    assert env["CHANGEFLOW_SECRET_FILE"] == str(relative_home / "var" / "secret.key")
    assert env["CHANGEFLOW_CONFIG"] == str(relative_home / "changeflow.toml")
    assert all(Path(v).is_absolute() for k, v in env.items() if k != "CHANGEFLOW_DATABASE_URL")


def test_relative_sqlite_urls_become_absolute(relative_home: Path) -> None:
    from changeflow.cli.serving import absolute_db_url

    assert absolute_db_url("sqlite:///db/x.db") == f"sqlite:///{relative_home / 'db' / 'x.db'}"
    assert absolute_db_url("sqlite:////srv/x.db") == "sqlite:////srv/x.db"
    pg = "postgresql+psycopg://u:p@h:5432/d"
    assert absolute_db_url(pg) == pg


def test_a_database_inside_the_checkout_is_reported(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from changeflow.tasks import doctor

    checkout = tmp_path / "checkout"
    monkeypatch.setattr(doctor, "checkout_root", lambda: checkout)
    assert doctor.stray_checkout_database() is None
    checks = {c.name: c for c in doctor.diagnose().checks}
    assert checks["checkout"].ok
    (checkout / "var").mkdir(parents=True)
    (checkout / "var" / "changeflow.db").write_bytes(b"")
    assert doctor.stray_checkout_database() == checkout / "var" / "changeflow.db"
    check = {c.name: c for c in doctor.diagnose().checks}["checkout"]
    assert not check.ok and "inside the checkout" in check.problems[0]


def test_the_settings_file_is_pinned_before_it_exists(relative_home: Path) -> None:
    """A changeflow.toml written after ``up`` started is still the one flow runs read (they
    work in the checkout, where the relative name would miss it)."""
    from changeflow.cli.serving import place_env

    (relative_home / "changeflow.toml").unlink()
    assert place_env()["CHANGEFLOW_CONFIG"] == str(relative_home / "changeflow.toml")
