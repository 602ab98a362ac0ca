"""``changeflow probe`` and ``changeflow oabackup``: targets added by the name of their
secret, a round run and listed, backups and restore tests recorded; bad input one line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.probes import HttpTarget


def test_probe_add_run_list(contract: str, cli, monkeypatch, tmp_path: Path) -> None:
    with HttpTarget() as web:
        monkeypatch.setenv("CF_PROBE_OA_URL", web.url)
        code, out, err = cli("probe", "add", "oa-web", "--kind", "http", "--secret",
                             "env:CF_PROBE_OA_URL", "--set", "max_ms=3000", "--set",
                             "fail_after=2", "--contract", "OA-2026", "--json")  # fmt: skip
        assert code == 0, err
        added = json.loads(out)
        assert added["system"] == "oa" and added["params"] == {"max_ms": 3000, "fail_after": 2}
        code, out, err = cli("probe", "run", "--json")
        assert code == 0, err
        run = json.loads(out)
        assert run["results"][0]["status"] == "pass" and "1 passed" in run["line"]
        code, out, _ = cli("probe", "list")
        assert code == 0 and "oa-web" in out and "ok" in out
        assert web.url not in out and str(web.port) not in out
        code, out, _ = cli("probe", "show", "oa-web", "--json")
        shown = json.loads(out)
        assert code == 0 and shown["results"][0]["status"] == "pass"
        assert [e["to"] for e in shown["trail"]] == ["unknown", "ok"]
        code, _out, err = cli("probe", "availability", "--from", "2026-11-31", "--to", "x")
        assert code == 2 and "--from" in err


def test_probe_add_refuses_an_address_in_place_of_its_name(contract: str, cli) -> None:
    code, _out, err = cli("probe", "add", "oa-web", "--kind", "http", "--secret",
                          "https://oa.client.example/", "--contract", "OA-2026")  # fmt: skip
    assert code == 2 and "secret" in err and "\n" not in err.strip()
    code, _out, err = cli("probe", "add", "oa-web", "--kind", "http", "--secret", "env:X",
                          "--set", "max_ms=fast", "--contract", "OA-2026")  # fmt: skip
    assert code == 2 and "params.max_ms" in err
    code, _out, err = cli("probe", "add", "x", "--kind", "ping", "--secret", "env:X")
    assert code == 2 and "kind" in err


def test_oabackup_record_and_restore_test(contract: str, cli) -> None:
    code, out, err = cli("oabackup", "record", "--what", "OA 数据库全量备份", "--where",
                         "NAS /backup/oa", "--verified-by", "张伟", "--verified",
                         "--contract", "OA-2026", "--json")  # fmt: skip
    assert code == 0, err
    assert sorted(json.loads(out)["watches_started"]) == ["oa-backups", "oa-restore-test"]
    code, _out, err = cli("oabackup", "restore-test", "--what", "OA 数据库",
                          "--contract", "OA-2026")  # fmt: skip
    assert code == 2 and "--verified-by" in err  # required
    code, out, err = cli("oabackup", "restore-test", "--what", "OA 数据库恢复演练",
                         "--verified-by", "张伟", "--minutes", "42", "--contract", "OA-2026")
    assert code == 0, err
    code, out, _ = cli("oabackup", "list", "--json")
    rows = json.loads(out)
    assert [r["kind"] for r in rows] == ["backup", "restore-test"]
    assert rows[1]["restore_minutes"] == 42 and rows[1]["verified_by"] == "张伟"
    code, out, _ = cli("probe", "run", "--json")  # both watches pass
    assert code == 0 and {r["status"] for r in json.loads(out)["results"]} == {"pass"}
