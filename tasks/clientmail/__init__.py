"""Mail with the client: documents out (``outgoing``), replies in from the project's
mailbox (``mailbox``), waiting for the answer (``waiting``: one reminder, deemed acceptance),
the contract's rules for it (``policy``) and every text the client reads (``texts``)."""

from __future__ import annotations

from .outgoing import (
    SendFailed,
    document_id_for,
    failed_sends,
    newest_for,
    send_document,
    send_if_wanted,
    send_if_wanted_all,
    send_issued,
    send_view,
    sendable,
)
from .policy import deemed_acceptance, remind_after, sends_by_default, wants_send

__all__ = [
    "SendFailed",
    "deemed_acceptance",
    "document_id_for",
    "failed_sends",
    "newest_for",
    "remind_after",
    "send_document",
    "send_if_wanted",
    "send_if_wanted_all",
    "send_issued",
    "send_view",
    "sendable",
    "sends_by_default",
    "wants_send",
]
