"""Weekly report command: ``changeflow report weekly [--week 2026-W48] [--client ID]``."""

from __future__ import annotations

from typing import Any

import typer

from changeflow.cli.common import AtOpt, JsonOpt, console, emit, table

report_app = typer.Typer(help="Reports to the client: the weekly report (项目周报).")


@report_app.command("weekly")
def weekly_cmd(
    week: str = typer.Option(None, "--week", help="ISO week like 2026-W48 (default: this week)."),
    client: str = typer.Option(None, "--client", help="Client code, name or id."),
    send: bool = typer.Option(
        False, "--send/--no-send", help="Mail it to the client's project lead (SMTP settings)."
    ),
    resend: bool = typer.Option(
        False, "--resend", help="Mail this new version even if the week was already mailed."
    ),
    lang: str = typer.Option(None, "--lang", help="zh-CN or en (default: settings)."),
    actor: str = typer.Option("changeflow", help="Who makes the report (recorded)."),
    at: str = AtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Make (and optionally mail) a client's weekly report: a new version on every run."""
    from changeflow.tasks import weekly

    made = weekly.make_report(
        week, client, lang=lang, actor=actor, trigger="cli", at=at, at_field="--at"
    )
    mail: dict[str, Any] | None = None
    if send:
        mail = weekly.send_report(made["id"], resend=resend)
    data = made.pop("data")
    out = {k: v for k, v in made.items() if k != "markdown"}
    out |= {
        "due_at": data["due_at"],
        "period": [data["period_start"], data["period_end"]],
        "working_days": data["working_days"],
        "days_off": [
            {"date": d["date"], "reason": d["reason"], "reason_zh": d["reason_zh"]}
            for d in data["days_off"]
        ],
        "totals": data["totals"],
        "requests": [
            {
                k: r[k]
                for k in (
                    "key",
                    "title",
                    "state",
                    "planned_person_days",
                    "planned_to_date",
                    "done_person_days",
                    "progress_pct",
                    "slip_working_days",
                )
            }
            for r in data["requests"]
        ],
        "risks": data["risks"],
        "mail": mail,
    }

    def render() -> None:
        console.print(
            f"weekly report {made['client']} {made['week']} v{made['version']}: {made['document']}",
            markup=False,
        )
        console.print(
            f"due {data['due_at'] or '- (no working day)'}; period {data['period_start']} —"
            f" {data['period_end']}; {data['working_days']} working days; "
            f"{data['totals']['commits']} commits, {data['totals']['hours']} h",
            markup=False,
        )
        if data["requests"]:
            console.print(
                table(
                    "progress",
                    ["request", "stage", "planned", "to date", "done", "%", "slip (wd)"],
                    [
                        [
                            r["key"],
                            r["state"],
                            r["planned_person_days"],
                            r["planned_to_date"],
                            r["done_person_days"],
                            r["progress_pct"],
                            r["slip_working_days"],
                        ]
                        for r in data["requests"]
                    ],
                )
            )
        if mail is not None:
            console.print(
                f"mail: {'sent to ' + ', '.join(mail['to']) if mail['sent'] else mail['reason']}",
                markup=False,
            )

    emit(out, as_json, render)


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.add_typer(report_app, name="report")
