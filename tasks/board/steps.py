"""A request's next step and who it waits for, from its state and its documents: ONE table
(state -> step), the deployment a lead runs for it, and the party it waits for (乙方 us,
甲方 the client).

Where a state alone does not tell (a plan drafted or issued; a live request with or without
an acceptance certificate issued) the facts decide: ``next_step`` takes them as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """The next step: a key of ``bilingual.BOARD_NEXT``, its deployment (None: the client's
    move, or nothing to run) and who it waits for (``bilingual.BOARD_WAITS``)."""

    step: str
    deployment: str | None
    waits: str


# state -> the next step (the plain case; ``next_step`` refines planned and live)
STEPS: dict[str, Step] = {
    "submitted": Step("plan", "plan", "us"),
    "planned": Step("approve-plan", None, "client"),
    "rejected": Step("replan", "plan", "us"),
    "approved": Step("kickoff", "kickoff", "us"),
    "in_development": Step("develop", "test", "us"),
    "in_testing": Step("golive", "golive", "us"),
    "live": Step("accept", None, "client"),
    "accepted": Step("done", None, "none"),
    "cancelled": Step("done", None, "none"),
    "on_hold": Step("resume", "resume", "us"),
    "reported": Step("respond", "respond", "us"),
    "responded": Step("onsite", "onsite", "us"),
    "on_site": Step("resolve", "resolve", "us"),
    "resolved": Step("close", "close", "us"),
    "closed": Step("done", None, "none"),
}


# a service request's state -> its next step (``tasks.servicereq``)
SERVICE_STEPS: dict[str, Step] = {
    "received": Step("assign-service", "service-step", "us"),
    "assigned": Step("do-service", "service-step", "us"),
    "in_progress": Step("do-service", "service-step", "us"),
    "done": Step("confirm-service", "service-confirm", "client"),
}


def next_step(
    state: str,
    *,
    plan_issued: bool = True,
    acceptance_issued: bool = True,
    fault: bool = False,
) -> Step:
    """The next step of a request in ``state``: a plan still a draft waits for us to issue
    it; a live request without a certificate issued waits for us to issue one; a fault on
    hold resumes by the resume deployment."""
    if state in ("submitted", "planned", "rejected") and not plan_issued:
        # a plan drafted (a new request, or one the client sent back) waits to be issued
        return Step("issue-plan", "plan", "us")
    if state == "on_hold" and not fault:
        return Step("resume", None, "us")  # a request on hold resumes by the lead's word
    if state == "live" and not acceptance_issued:
        return Step("issue-acceptance", "acceptance", "us")
    return STEPS.get(state, Step("done", None, "none"))
