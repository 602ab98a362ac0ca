"""The deployment registry: every flow deployed, prefect.yaml in step, forms a lead can read."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from changeflow.flows.deployments import (
    DEPLOYMENTS,
    PREFECT_YAML,
    PULL_STEPS,
    ROOT,
    TZ,
    prefect_yaml_problems,
)

FLOWS_DIR = ROOT / "flows"
NOT_FLOW_MODULES = {"__init__", "common", "deployments"}
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")


def flows_defined_in_modules() -> dict[str, str]:
    """``module:function`` of every flow defined in flows/*.py -> the file it is in."""
    from prefect import Flow

    found = {}
    for path in sorted(FLOWS_DIR.glob("*.py")):
        if path.stem in NOT_FLOW_MODULES:
            continue
        name = f"changeflow.flows.{path.stem}"
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if isinstance(value, Flow) and getattr(value.fn, "__module__", None) == name:
                found[f"{name}:{attr}"] = path.name
    return found


def test_every_flow_module_is_deployed() -> None:
    registered = {d.ref for d in DEPLOYMENTS}
    missing = {f: file for f, file in flows_defined_in_modules().items() if f not in registered}
    assert not missing, (
        f"flows not deployed: {missing}; add one line each to DEPLOYMENTS in "
        "flows/deployments.py, then run: python -m changeflow.flows.deployments --write"
    )


def test_registry_entries_load_and_are_unique() -> None:
    names = [d.name for d in DEPLOYMENTS]
    assert len(names) == len(set(names))
    for d in DEPLOYMENTS:
        flow = d.flow
        assert (ROOT / d.entrypoint.split(":")[0]).is_file(), d.entrypoint
        assert flow.description, f"{d.ref}: a docstring tells the lead what it does"
        assert CJK.search(d.description) and LATIN.search(d.description), d.name


def test_prefect_yaml_matches_registry() -> None:
    assert prefect_yaml_problems() == []


def test_prefect_yaml_is_portable_and_scheduled_in_shanghai() -> None:
    text = PREFECT_YAML.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert str(ROOT) not in text and "/home/" not in text and "/work/" not in text
    assert data["pull"] == PULL_STEPS
    step = data["pull"][0]["prefect.deployments.steps.set_working_directory"]
    assert step["directory"] == "{{ $CHANGEFLOW_ROOT }}"
    for dep in data["deployments"]:
        assert not Path(dep["entrypoint"].split(":")[0]).is_absolute()
        assert dep["work_pool"]["name"] == "changeflow"
        for sched in dep["schedules"]:
            assert sched["timezone"] == TZ


def test_prefect_yaml_check_command_reports_drift(tmp_path: Path) -> None:
    stale = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    stale["deployments"] = [*stale["deployments"][1:], {"name": "gone"}]
    stale["pull"] = [{"prefect.deployments.steps.set_working_directory": {"directory": "/x"}}]
    path = tmp_path / "prefect.yaml"
    path.write_text(yaml.safe_dump(stale), encoding="utf-8")
    problems = prefect_yaml_problems(path)
    assert any("'pull' differs" in p for p in problems)
    assert any(f"'{DEPLOYMENTS[0].ui_name}' missing" in p for p in problems)
    assert any("'gone' is not in" in p for p in problems)


def _walk_properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(path, property schema) of every field, top level and in nested models."""
    out = [(f"{name}", prop) for name, prop in schema.get("properties", {}).items()]
    for model, sub in (schema.get("definitions") or schema.get("$defs") or {}).items():
        out += [(f"{model}.{name}", p) for name, p in sub.get("properties", {}).items()]
    return out


def _bilingual(text: str) -> bool:
    return bool(CJK.search(text) and LATIN.search(text))


def _untitled(entry: Any) -> list[str]:
    from changeflow.flows.deployments import form_schema

    fields = _walk_properties(form_schema(entry.flow, entry.titles))
    return [path for path, prop in fields if not _bilingual(prop.get("title", ""))]


@pytest.mark.parametrize("entry", DEPLOYMENTS, ids=[d.name for d in DEPLOYMENTS])
def test_every_form_field_has_a_bilingual_title(entry: Any) -> None:
    bad = _untitled(entry)
    assert not bad, f"{entry.name}: form fields without a 中文 + English title: {bad}"


def test_served_deployment_schema_carries_the_titles() -> None:
    from changeflow.flows.deployments import runner_deployments

    for rd in runner_deployments():
        props = rd._parameter_openapi_schema.properties
        untitled = [n for n, p in props.items() if not _bilingual(p.get("title", ""))]
        assert not untitled, f"{rd.name}: {untitled}"
