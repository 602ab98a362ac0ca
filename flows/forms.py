"""Flows whose form refusals read like the form: ``flow`` here is Prefect's ``flow`` whose
parameter check names a field by its bilingual label, not its Python name.

Prefect checks a run's parameters before the flow body runs and, when pydantic refuses them,
fails the run with "Flow run received invalid parameters: - taskbook.project: String should
have at least 1 character". The form said "项目名称 Project". ``FormFlow`` re-reads the same
errors and says, in one line, ``失败 Failed: 项目任务书 Task book › 项目名称 Project: 必填或太短
too short (String should have at least 1 character)``, with the labels the form shows (the
registry's schema, so they match the UI exactly).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from prefect import Flow

# pydantic error type -> the Chinese half of the reason (the English half is pydantic's own)
REASONS_ZH = {
    "missing": "必填",
    "string_too_short": "太短或为空",
    "string_too_long": "太长",
    "too_short": "太少",
    "too_long": "太多",
    "literal_error": "不是可选的值",
    "enum": "不是可选的值",
    "extra_forbidden": "表单没有这个字段",
    "date_from_datetime_parsing": "不是日期",
    "date_parsing": "不是日期",
    "datetime_parsing": "不是日期时间",
    "int_parsing": "不是整数",
    "greater_than_equal": "太小",
    "less_than_equal": "太大",
    "value_error": "有误",
}

DATE_ERRORS = frozenset({"date_from_datetime_parsing", "date_parsing", "date_type",
                         "date_from_datetime_inexact"})  # fmt: skip


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref``, ``allOf`` and an optional field's ``anyOf`` to the object's schema."""
    for _ in range(10):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            node = (schema.get("definitions") or schema.get("$defs") or {}).get(name, {})
        elif node.get("allOf") and len(node["allOf"]) == 1:
            node = node["allOf"][0]
        elif node.get("anyOf"):
            typed = [n for n in node["anyOf"] if n.get("type") != "null"]
            if len(typed) != 1:
                return node
            node = typed[0]
        else:
            return node
    return node


def label_path(schema: dict[str, Any], loc: tuple[Any, ...]) -> list[str]:
    """The form's labels along ``loc`` (parameter, field, item number, field ...)."""
    labels: list[str] = []
    node: dict[str, Any] = schema
    for part in loc:
        node = _resolve(node, schema)
        if isinstance(part, int):
            node = node.get("items") or {}
            labels.append(f"#{part + 1}")
            continue
        child = (node.get("properties") or {}).get(str(part))
        if child is None:
            labels.append(repr(str(part)))  # not a field of the form (an unknown key)
            node = {}
            continue
        title = child.get("title") or str(part)
        labels.append(title.removesuffix(" *"))
        node = child
    return labels


def refusal_line(schema: dict[str, Any], errors: list[dict[str, Any]]) -> str:
    """One line naming every refused field by its labels, with the reason in both languages."""
    parts = []
    for err in errors[:8]:
        where = " › ".join(label_path(schema, tuple(err.get("loc") or ()))) or "表单 form"
        kind = str(err.get("type"))
        zh = REASONS_ZH.get(kind, "有误")
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        if kind in DATE_ERRORS:  # what was typed, and the form it takes
            zh += f" '{str(err.get('input', ''))[:40]}'，应为 YYYY-MM-DD，例 2026-12-04 /"
            msg = f"not a date: write it as YYYY-MM-DD ({msg})"
        parts.append(f"{where}: {zh} {msg}")
    more = f" (+{len(errors) - 8})" if len(errors) > 8 else ""
    return ("失败 Failed: " + "; ".join(parts) + more).replace("\n", " ")[:900]


def parameter_errors(fn: Callable[..., Any], parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """pydantic's errors for these parameters, each located from the parameter's name."""
    import typing

    from pydantic import TypeAdapter, ValidationError
    from pydantic.fields import FieldInfo

    try:  # the flows use ``from __future__ import annotations``: hints are strings
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:
        return []
    errors: list[dict[str, Any]] = []
    for name, param in inspect.signature(fn).parameters.items():
        required = param.default is inspect.Parameter.empty or (
            isinstance(param.default, FieldInfo) and param.default.is_required()
        )
        if name not in parameters:
            if required:
                errors.append({"loc": (name,), "type": "missing", "msg": "Field required"})
            continue
        annotation = hints.get(name, Any)
        try:
            TypeAdapter(annotation).validate_python(parameters[name])
        except ValidationError as exc:
            errors += [{**e, "loc": (name, *e["loc"])} for e in exc.errors()]
        except Exception:  # an annotation pydantic cannot adapt: Prefect's message stands
            return []
    return errors


def _nullable(prop: dict[str, Any]) -> bool:
    return any(n.get("type") == "null" for n in prop.get("anyOf") or [])


def drop_blanks(node: dict[str, Any], value: Any, schema: dict[str, Any]) -> Any:
    """``value`` without the empty strings of optional fields (so they take their default,
    None): the form shows an optional field as a plain text box (``plain_optionals``), and an
    emptied box arrives as ""."""
    node = _resolve(node, schema)
    if isinstance(value, dict):
        props = node.get("properties") or {}
        out = {}
        for k, v in value.items():
            prop = props.get(k)
            if isinstance(prop, dict) and isinstance(v, str) and not v.strip() and _nullable(prop):
                continue
            out[k] = drop_blanks(prop, v, schema) if isinstance(prop, dict) else v
        return out
    if isinstance(value, list):
        items = node.get("items") or {}
        return [drop_blanks(items, v, schema) for v in value]
    return value


# the "done by" fields of the forms: left empty, the act is our project lead's
ACTOR_PARAMS = frozenset(
    {"done_by", "taken_in_by", "planned_by", "recorded_by", "started_by", "tested_by",
     "released_by", "issued_by", "taken_by", "written_by"}
)  # fmt: skip


def key_of(parameters: dict[str, Any]) -> str | None:
    """The request or fault key a form names (``key``, or a model's ``key`` field)."""
    key = parameters.get("key")
    if isinstance(key, str) and key.strip():
        return key
    for value in parameters.values():
        key = value.get("key") if isinstance(value, dict) else getattr(value, "key", None)
        if isinstance(key, str) and key.strip():
            return key
    return None


def fill_actors(parameters: dict[str, Any]) -> dict[str, Any]:
    """An empty "done by" field becomes our project lead of the contract (or stays empty)."""
    empty = [n for n in ACTOR_PARAMS if n in parameters and not str(parameters[n] or "").strip()]
    if not empty:
        return parameters
    from changeflow.tasks.people import our_lead_of

    try:
        lead = our_lead_of(key_of({k: v for k, v in parameters.items() if k not in empty}))
    except Exception:  # no database yet: the act names no one rather than failing the form
        lead = ""
    return {**parameters, **{n: lead for n in empty}}


class FormFlow(Flow):  # type: ignore[type-arg]
    """A Prefect flow whose refused parameters are named by their form labels, and whose
    empty "done by" fields are our project lead's."""

    def validate_parameters(self, parameters: dict[str, Any]) -> dict[str, Any]:
        from prefect.exceptions import ParameterTypeError

        raw = self.parameters.model_dump_for_openapi()
        parameters = drop_blanks(raw, parameters, raw)
        try:
            valid = super().validate_parameters(parameters)
        except ParameterTypeError:
            errors = parameter_errors(self.fn, parameters)
            if not errors:
                raise
            raise ParameterTypeError(refusal_line(self.form_schema(), errors)) from None
        return fill_actors(valid)

    def form_schema(self) -> dict[str, Any]:
        """The form as the UI shows it. By the installed package's name: a served run loads
        this module from its entrypoint (``flows/intake.py``) as ``flows.intake``, and a
        relative import of the registry from there finds the package's attributes shadowed
        ("'FormFlow' object has no attribute 'intake'"), which failed the run with that
        instead of the form's labels."""
        try:
            from changeflow.flows import deployments as registry

            entry = registry.by_name().get(self.name)
            return registry.form_schema(self, entry.titles if entry else None)
        except Exception:  # the field titles of the models still name the fields
            return self.parameters.model_dump_for_openapi()


def flow(**kwargs: Any) -> Callable[[Callable[..., Any]], FormFlow]:
    """``@flow(name=..., ...)`` as Prefect's, making a ``FormFlow``."""

    def make(fn: Callable[..., Any]) -> FormFlow:
        return FormFlow(fn, **kwargs)

    return make
