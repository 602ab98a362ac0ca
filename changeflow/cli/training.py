"""``changeflow training``: training sessions (培训) with their sign-in sheet (培训签到表);
``changeflow manual``: the client's OA manual (使用手册) kept current."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from changeflow.cli.common import (
    ActorOpt,
    ContractOpt,
    JsonOpt,
    console,
    emit,
    emit_records,
    show_record,
)
from changeflow.cli.common import AtOpt as RecordedAtOpt

training_app = typer.Typer(
    help="Training sessions (培训) and their sign-in sheets (培训签到表).", no_args_is_help=True
)
manual_app = typer.Typer(
    help="The client's OA manual (使用手册): merged from accepted requests.", no_args_is_help=True
)


def _line(v: dict[str, Any]) -> None:
    show_record(
        f"{v['number']}  {v['state']}  {v['starts_at'][:16].replace('T', ' ')}  {v['place']}"
        f"  {v['trainer']}  {v['topic']}  ({'、'.join(v['departments'])})",
        f"sign-in sheet: {v['document']}" if v.get("document") else "",
        f"attended: {v['attended']}  satisfaction: {v['satisfaction']}"
        f"  service minutes: {v['service_minutes']}  {v['feedback']}"
        if v["state"] == "held"
        else "",
    )


@training_app.command("plan")
def training_plan(
    topic: str = typer.Option(..., "--topic", help="What the session teaches."),
    start: str = typer.Option(..., "--start", help="Start, local ISO time (2026-12-02 14:00)."),
    end: str = typer.Option(..., "--end", help="End, the same day."),
    place: str = typer.Option(..., "--place"),
    trainer: str = typer.Option(..., "--trainer"),
    department: list[str] = typer.Option(..., "--department", help="Department trained (repeat)."),
    material: list[str] = typer.Option(None, "--material", help="OA manual chapter (repeat)."),
    seats: int = typer.Option(20, "--seats", help="Rows on the sign-in sheet."),
    contract: str = ContractOpt,
    lang: str = typer.Option(None, "--lang"),
    actor: str = ActorOpt,
    at: str = RecordedAtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Plan a training session and issue its signed sign-in sheet."""
    from changeflow.tasks.training import plan_training

    v = plan_training(
        topic=topic, starts_at=start, ends_at=end, place=place, trainer=trainer,
        departments=department, materials=material or [], seats=seats, contract=contract,
        lang=lang, actor=actor, source="changeflow training plan", at=at, at_field="--at",
    )  # fmt: skip
    emit(v, as_json, lambda: _line(v))


@training_app.command("sheet")
def training_sheet(
    number: str, lang: str = typer.Option(None, "--lang"), as_json: bool = JsonOpt
) -> None:
    """Issue a new version of a planned session's sign-in sheet."""
    from changeflow.tasks.training import reissue_sheet

    v = reissue_sheet(number, lang=lang)
    emit(v, as_json, lambda: _line(v))


@training_app.command("record")
def training_record(
    target: str = typer.Argument(..., help="The returned sign-in sheet (.docx) or a session no."),
    attendee: list[str] = typer.Option(
        None, "--attendee", help="By hand: name/department (repeat)."
    ),
    satisfaction: int = typer.Option(None, "--satisfaction", help="By hand: 1-5."),
    feedback: str = typer.Option("", "--feedback"),
    minutes: int = typer.Option(
        None, "--minutes", help="By hand: service minutes if not as planned."
    ),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record a session held: from its returned sign-in sheet (read through the one sign-off
    reader) or, given a session number, by hand with --attendee."""
    from changeflow.tasks.training import record_by_hand, signin_file

    if target.lower().endswith(".docx") or Path(target).exists():
        v = signin_file(Path(target), actor=actor)
    else:
        v = record_by_hand(
            target, attendees=attendee or [], satisfaction=satisfaction, feedback=feedback,
            minutes=minutes, actor=actor,
        )  # fmt: skip
    emit(v, as_json, lambda: _line(v))


@training_app.command("list")
def training_list(
    contract: str = ContractOpt,
    state: str = typer.Option(None, "--state", help="planned | held | cancelled"),
    as_json: bool = JsonOpt,
) -> None:
    """The training sessions, oldest first."""
    from changeflow.tasks.training import list_trainings

    emit_records(list_trainings(contract, state), as_json, _line, "no training session")


@manual_app.command("merge")
def manual_merge(
    contract: str = ContractOpt,
    lang: str = typer.Option(None, "--lang"),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Merge the accepted requests' manual chapters into the OA manual's next version."""
    from changeflow.tasks.documents import document_lang
    from changeflow.tasks.oamanual import merge_accepted

    document_lang(lang)
    v = merge_accepted(contract, lang=lang, actor=actor)

    def render() -> None:
        if v["new"]:
            console.print(
                f"OA manual v{v['version']}: merged {', '.join(v['merged'])}"
                f" ({', '.join(v['chapters'])})  {v['document']}",
                markup=False,
            )
        else:
            console.print(f"OA manual v{v['version']}: nothing new to merge", markup=False)
        if v["skipped"]:
            console.print(
                f"  accepted without manual chapters: {', '.join(v['skipped'])}", markup=False
            )

    emit(v, as_json, render)


@manual_app.command("build")
def manual_build(
    contract: str = ContractOpt,
    lang: str = typer.Option(None, "--lang"),
    as_json: bool = JsonOpt,
) -> None:
    """The current OA manual rendered in a language (stored once per language)."""
    from changeflow.tasks.documents import document_lang
    from changeflow.tasks.oamanual import build_manual

    document_lang(lang)
    v = build_manual(contract, lang=lang)
    emit(v, as_json, lambda: console.print(f"OA manual v{v['version']} ({v['lang']}): "
                                           f"{v['document']}", markup=False))  # fmt: skip


@manual_app.command("history")
def manual_history_cmd(
    contract: str = ContractOpt, as_json: bool = JsonOpt
) -> None:
    """The OA manual's revision record."""
    from changeflow.tasks.oamanual import manual_history

    rows = manual_history(contract)

    def render() -> None:
        for h in rows:
            console.print(
                f"v{h['version']}  {h['created_at']}  {', '.join(h['requests'])}"
                f"  changed: {', '.join(h['changed'])}",
                markup=False,
            )

    emit(rows, as_json, render)


def register(app: typer.Typer) -> None:
    """Add ``training`` and ``manual`` to ``app``."""
    app.add_typer(training_app, name="training")
    app.add_typer(manual_app, name="manual")
