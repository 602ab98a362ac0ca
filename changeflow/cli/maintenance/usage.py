"""``changeflow contract usage``: the contract year's service days used and left."""

from __future__ import annotations

import typer

from changeflow.cli.common import JsonOpt, console, emit, table


def contract_group(app: typer.Typer) -> typer.Typer:
    """The ``contract`` group the core commands added to ``app`` (we add ``usage`` to it)."""
    for group in app.registered_groups:
        if group.name == "contract" and group.typer_instance is not None:
            return group.typer_instance
    raise RuntimeError("the 'contract' command group is missing")


USAGE_LABELS = {
    "contract": "contract",
    "client": "client",
    "period": "contract period",
    "service_days_per_year": "service days a year",
    "hours_per_service_day": "hours per service day",
    "service_cycle": "service cycle",
    "allowance_per_cycle": "service days per cycle",
    "orders_counted": "dispatch orders counted",
    "hours_used": "hours used",
    "days_bought": "service days bought",
    "maintenance_days": "used by maintenance (accepted orders)",
    "development_days": "used by development (accepted)",
    "training_days": "used by training (sessions held)",
    "days_used": "service days used",
    "days_left": "service days left",
    "planned_days": "approved development not done yet",
    "days_free": "left after approved development",
    "awaiting_days": "done, not signed yet (not counted)",
    "not_accepted_days": "signed, not accepted (not counted)",
    "development_counts": "development uses the service days",
    "used_percent": "used (%)",
    "alert_level": "alert level (%)",
    "annual_fee": "annual fee",
    "currency": "currency",
    "fee_per_service_day": "fee per service day",
    "renewal_date": "renewal date",
    "end_date": "end date",
    "days_to_renewal": "days to renewal",
}


def contract_usage_cmd(
    ident: str = typer.Argument(None, help="Contract code; default: the one in force."),
    as_json: bool = JsonOpt,
) -> None:
    """Service days used and left (from dispatch orders), per month, fee and renewal."""
    from changeflow.tasks.maintenance import contract_usage

    u = contract_usage(ident)

    def render() -> None:
        lists = ("per_month", "per_cycle", "cycles", "orders", "awaiting_acceptance",
                 "not_accepted", "development")  # fmt: skip
        rows = [(USAGE_LABELS.get(k, k.replace("_", " ")), "-" if v is None else v)
                for k, v in u.items() if k not in lists]  # fmt: skip
        console.print(table(f"Contract {u['contract']} usage", ["item", "value"], rows))
        dev = u["development"]
        console.print(
            table(
                "Development (approved plans, time booked)"
                + ("" if dev["counts_against_service_days"] else ": not counted in service days"),
                ["request", "done (accepted) days", "planned days", "booked days"],
                (
                    [k, v["done"] or "-", v["planned"] or "-", v["booked"] or "-"]
                    for k, v in dev["per_request"].items()
                ),
            )
        )
        console.print(table("Service days per month", ["month", "days"], u["per_month"].items()))
        console.print(
            table(
                f"Service cycle ({u['service_cycle']})",
                ["cycle", "used", "allowance", "over"],
                ([c["cycle"], c["used"], c["allowance"], "!" if c["over"] else ""]
                 for c in u["cycles"]),
            )
        )  # fmt: skip
        for name in ("awaiting_acceptance", "not_accepted"):
            if u[name]:
                console.print(
                    table(
                        name.replace("_", " "),
                        ["order", "state", "days", "title"],
                        ([r["number"], r["state"], r["days"], r["title"]] for r in u[name]),
                    )
                )

    emit(u, as_json, render)


# --- run log -------------------------------------------------------------------------------
