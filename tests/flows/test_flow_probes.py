"""The probe-round deployment's flow on a real Prefect server: one line as its state
message, the results as a table artifact with no address in it, a failed (not crashed) run
when a notice cannot go out."""

from __future__ import annotations

import pytest

from tests.support.prefect import read_artifacts
from tests.support.probes import HttpTarget

pytestmark = pytest.mark.prefect


def test_a_probe_round_from_the_scheduler(prefect_server: str, contract: str, monkeypatch) -> None:
    from changeflow.flows.probes import probe_round
    from changeflow.tasks.probes import add_target

    with HttpTarget() as web:
        monkeypatch.setenv("CF_PROBE_OA_URL", web.url)
        add_target(name="oa-web", kind="http", secret="env:CF_PROBE_OA_URL",
                   params={"fail_after": 1}, contract="OA-2026")  # fmt: skip
        state = probe_round(return_state=True)
        assert state.is_completed(), state.message
        assert state.message.startswith("探测 Probes: 1 probe(s): 1 passed")
        assert "\n" not in state.message
        arts = read_artifacts(state.state_details.flow_run_id)
        text = "\n".join(str(a.data) for a in arts)
        assert "oa-web" in text and web.url not in text and str(web.port) not in text

        web.down = True  # a fault opens; mail is not set up, so its notice cannot go out
        state = probe_round(return_state=True)
        assert state.is_failed() and not state.is_crashed()
        assert "1 fault(s) opened" in state.message and "\n" not in state.message


def test_an_oa_backup_from_the_form(prefect_server: str, contract: str) -> None:
    from changeflow.flows.probes import OaBackupInput, oa_backup
    from changeflow.tasks.probes import list_records

    state = oa_backup(entry=OaBackupInput(kind="backup", what="OA 数据库全量备份",
                                          location="NAS /backup/oa", verified_by="张伟",
                                          verified=True), return_state=True)  # fmt: skip
    assert state.is_completed(), state.message
    assert "已登记 recorded" in state.message and "\n" not in state.message
    bad = oa_backup(entry=OaBackupInput(kind="restore-test 恢复测试", what="OA 数据库"),
                    return_state=True)  # fmt: skip
    assert bad.is_failed() and not bad.is_crashed()
    assert bad.message.startswith("失败 Failed:") and "restore_minutes" in bad.message
    assert [r["kind"] for r in list_records("OA-2026")] == ["backup"]


def test_an_address_in_a_prefect_secret_block(prefect_server: str, contract: str) -> None:
    from prefect.blocks.system import Secret

    from changeflow.tasks.probes import add_target, probe_round

    with HttpTarget() as web:
        Secret(value=web.url).save("cf-probe-oa-url", overwrite=True)
        add_target(name="oa-web", kind="http", secret="block:cf-probe-oa-url",
                   contract="OA-2026")  # fmt: skip
        out = probe_round(notify=False)
        assert out["results"][0]["status"] == "pass", out["results"]
        add_target(name="oa-web-2", kind="http", secret="block:cf-probe-missing",
                   contract="OA-2026")  # fmt: skip
        missing = {r["probe"]: r for r in probe_round(notify=False)["results"]}["oa-web-2"]
        assert missing["status"] == "error" and "cf-probe-missing" in missing["detail"]
