"""Settings apply without a restart: the mailbox settings are changed in changeflow.toml
between two runs of the mailbox flow in the same process (as ``changeflow up`` serves it),
and the second run uses the new value. The first run's advice names the settings file and
the key to change, not the form (which has no such field). Real dovecot and aiosmtpd, a
real Prefect server."""

from __future__ import annotations

import pytest

from tests.support.mail import reply
from tests.support.prefect import read_artifacts
from tests.support.smtp import free_port

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def _toml(path, env: dict[str, str], **over: str) -> None:
    values = {k.removeprefix("CHANGEFLOW_").lower(): v for k, v in env.items()}
    values.update({k.removeprefix("CHANGEFLOW_").lower(): v for k, v in over.items()})
    num = ("imap_port",)
    lines = [f'{k} = {v if k in num else chr(34) + v + chr(34)}' for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_mailbox_settings_changed_in_the_toml_apply_to_the_next_run(
    prefect_server, contract, servers, tmp_path, monkeypatch
) -> None:
    from changeflow.flows.mail import mailbox
    from changeflow.settings import config_path, get_settings

    # the mailbox set up in the settings file, as a contractor does, not in the environment
    env = servers.imap.env()
    for k in env:
        monkeypatch.delenv(k)
    toml = config_path()
    wrong = str(free_port())  # nothing listens there
    _toml(toml, env, CHANGEFLOW_IMAP_PORT=wrong, imap_kept_folder="questions")
    assert get_settings().imap_port == int(wrong)  # read now, no reset

    servers.imap.append(reply(None, [], subject="一个问题", body="请回电。"))
    state = mailbox(return_state=True)
    assert state.is_failed() and not state.is_crashed()
    assert "not reachable" in state.message and str(toml.resolve()) in state.message
    assert "imap_port" in state.message and "no restart" in state.message
    (art,) = [a for a in read_artifacts(state.state_details.flow_run_id) if a.type == "markdown"]
    assert "correct the form" not in art.data and "改正上文所列设置" in art.data

    # the lead corrects the port in the file; the same process's next run uses it
    _toml(toml, env, imap_kept_folder="questions-kept")
    state = mailbox(return_state=True)
    assert state.is_completed(), state.message
    assert "1 来信已保存并转交负责人" in state.message
    assert len(servers.imap.uids("questions-kept")) == 1  # the new folder name too
