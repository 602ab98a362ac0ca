"""The domain's error types: one clear line for the user, one exit code for scripts."""

from __future__ import annotations


class ChangeflowError(Exception):
    """Base of every error the product reports to a user (never a traceback)."""

    exit_code = 1


class InputError(ChangeflowError):
    """Bad input: names the file (or form), the field and the problem."""

    exit_code = 2

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = str(source)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.source}: {field}: {problem}")


class NotFoundError(ChangeflowError):
    """A request, client, contract or document that does not exist."""

    exit_code = 3


class TransitionError(ChangeflowError):
    """A lifecycle transition the state machine does not allow."""

    exit_code = 4

    def __init__(self, key: str, state: str, target: str, why: str = "") -> None:
        self.key, self.state, self.target = key, state, target
        msg = f"request {key} is '{state}': cannot move to '{target}'"
        super().__init__(msg + (f" ({why})" if why else ""))


class ConflictError(ChangeflowError):
    """Someone else changed the same record first; nothing was written."""

    exit_code = 5


class ConfigError(ChangeflowError):
    """Settings or environment that make the command impossible (missing secret, no server)."""

    exit_code = 6


class MailNotSetUp(ConfigError):
    """No mail settings at all: mail is optional until it is set up, so the steps that would
    mail say so once (this text) and succeed; a mail server that is set up but fails is a
    plain ``ConfigError`` (retried, exit 6)."""

    SMTP = (
        "mail is not set up: set CHANGEFLOW_SMTP_HOST (and _PORT, _SECURITY, _USER, _PASSWORD,"
        " CHANGEFLOW_MAIL_FROM) in the environment or changeflow.toml (docs/admin.md, Mail)"
    )
    IMAP = (
        "the project mailbox is not set up: set CHANGEFLOW_IMAP_HOST and CHANGEFLOW_IMAP_USER"
        " (and _PASSWORD, _SECURITY) in the environment or changeflow.toml (docs/admin.md,"
        " Mail); nothing was read"
    )

    def __init__(self, message: str = SMTP) -> None:
        super().__init__(message)
