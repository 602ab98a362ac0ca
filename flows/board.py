"""The board (看板) in the Prefect UI: one markdown artifact keyed ``board`` (Prefect keeps
every version and shows the latest), refreshed at the end of every step (``common.outcome``),
by every hand-in run and by the ``board`` deployment (hourly, and on demand).

A hand-in (a returned document or a task book, from the hand-in page, the inbox or the
mailbox) is recorded by ``inbox.take_in`` first; then ``hand_in`` runs as a flow run of its
own, named for what it recorded ("批准 CR-2026-0001 实施计划和费用预算 第1版"), with the
decision, who signed, the client's comment and the next step as its artifact, and refreshes
the board. A board that cannot be refreshed never fails the step that recorded something.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from changeflow.bilingual import BOARD_CHANNELS, BOARD_WORDS, REQUEST_STATES, both
from changeflow.mdtext import md

from .common import artifact_key, next_line, outcome, publish_board, publish_markdown
from .forms import flow


def label_both(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    return both(pair, lang) if pair else key


@flow(name="board", flow_run_name="看板 board", log_prints=True)
def board() -> Any:
    """Refresh the board: every open request and fault with its state, next step and who it
    waits for; plans against today; SLA clocks; service days and fee; document links."""
    from changeflow.tasks.board import board_facts

    facts = board_facts()
    problem = publish_board()
    if problem:  # asked for the board and got none: the run failed at its one job
        from prefect.states import Failed

        return Failed(message=problem)
    line = (
        f"看板已刷新 Board refreshed: {len(facts['requests'])} 个需求 requests,"
        f" {len(facts['faults'])} 个故障 faults"
    )
    return outcome(line, board=False)


@flow(name="hand-in", flow_run_name="交回 hand-in", log_prints=True)
def hand_in(
    key: str = Field("", title="编号 Key", max_length=40),
    recorded: str = Field("decision", title="登记结果 Outcome", max_length=20),
    detail: str = Field("", title="说明 Detail", max_length=2000),
    file: str = Field("", title="文件 File", max_length=300),
    channel: str = Field("hand-in", title="途径 Channel", max_length=20),
) -> Any:
    """What a handed-in document recorded, as a run named for it (the recording itself was
    done by the hand-in page, the inbox or the mailbox, through ``inbox.take_in``)."""
    from changeflow.settings import get_settings
    from changeflow.tasks.board import hand_in_fact

    lang = get_settings().lang
    fact = hand_in_fact(key or None, recorded, detail=detail, filename=file, lang=lang)
    step = fact.step
    via = label_both(BOARD_CHANNELS, channel, lang) + (f"（{md(file)}）" if file else "")
    text = fact.markdown(lang) + f"\n- {both(BOARD_WORDS['channel'], lang)}: {via}"
    text += next_line(step.deployment if step else None, fact.next_text(lang))
    publish_markdown(artifact_key("hand-in", key or "file"), text, fact.name)
    line = fact.name
    if fact.state:
        line += f"；状态 State: {label_both(REQUEST_STATES, fact.state, lang)}"
    return outcome(line, {"key": key, "name": fact.name}, name=fact.name)


def report_hand_ins(items: list[dict[str, Any]], channel: str) -> None:
    """One ``hand-in`` run per file the inbox or the mailbox recorded (intake or decision),
    as subflows of the pass that recorded them."""
    for i in items:
        if i.get("outcome") in ("intake", "decision", "service", "confirmed") and i.get("key"):
            try:
                hand_in(
                    key=i["key"],
                    recorded=i["outcome"],
                    detail=str(i.get("detail") or "")[:2000],
                    file=str(i.get("file") or i.get("name") or "")[:300],
                    channel=channel,
                )
            except Exception as exc:  # recorded already: the run is a view
                print(f"交回运行未建 hand-in run not made for {i['key']}: {exc}")


def run_hand_in(key: str, recorded: str, *, detail: str = "", file: str = "",
                channel: str = "hand-in") -> str | None:  # fmt: skip
    """The hand-in page's door (outside any flow run): the ``hand-in`` run for what the page
    recorded; the run's address in the UI, or None if Prefect could not be reached (the
    decision is recorded either way)."""
    from prefect.settings import PREFECT_API_URL

    from .common import ui_base

    if not PREFECT_API_URL.value():  # no server to show it (a bare docservice, tests)
        return None
    try:
        state = hand_in(
            key=key, recorded=recorded, detail=detail[:2000], file=file[:300], channel=channel,
            return_state=True,
        )  # fmt: skip
    except Exception as exc:  # recorded already: the run is a view
        print(f"交回运行未建 hand-in run not made for {key}: {exc}")
        return None
    return f"{ui_base()}/v2/runs/flow-run/{state.state_details.flow_run_id}"
