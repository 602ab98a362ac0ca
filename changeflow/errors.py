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
