"""The signed round trip: we send a signed .docx, the client returns it filled in.

One room for every document a client signs (plan and budget, acceptance certificate,
dispatch order, monthly SLA statement), from the key that signs it to the decision its
return records:

- ``keys``: the installation's HMAC key file, with rotation;
- ``drawn``, ``glyphs``: what Word draws beyond the runs' text (styles and defaults
  resolved, list numbers, data-bound controls, comments, floating objects) and what a
  symbol font's character shows;
- ``text``, ``visible``, ``content``: what a person sees on the page, read the same way
  on the way out and on the way back; the canonical lines we sign (the whole document, the
  sign-off cells masked) and the account of what changed;
- ``labels``: one label table for every sign-off table;
- ``kinds``: ONE declared table of every signable kind and its states;
- ``sealing``: the signature properties we write and their verification;
- ``reading``: a returned file's checks, its content against what we sent, the sign-off
  values (decision, approver, date, ticked boxes, 退回至, 是/否, satisfaction) and the
  per-row conclusions of a kind that carries them (验收结论 on each requirement row);
- ``decisions``: recording a decision (returned document or the lead's form) in one
  transaction with its audit record and the archived evidence.

Layers inside go one way: text < labels < kinds < drawn < glyphs < visible < content <
keys < sealing < reading < decisions. Other rooms import from this package, not from its
modules. Above it, ``tasks.returned`` records a returned document of any kind by the room of
its subject, and ``tasks.inbox`` is the folder a client's files land in, each file
classified once.
"""

from __future__ import annotations

from . import keys
from .content import (
    SCHEME,
    canonical_lines,
    content_digest,
    describe_changes,
    dispatch_canonical_lines,
)
from .decisions import (
    EVIDENCE_TYPES,
    Channel,
    DecisionResult,
    accept_document,
    accept_file,
    check_evidence,
    record_decision,
    record_returned,
    row_conclusions_line,
    status_section,
    today_local,
)
from .kinds import KINDS, Signable, rows_of, signable
from .labels import (
    dispatch_signoff_values,
    form_labels,
    is_form_signoff,
    is_signoff,
    printed_labels,
    return_to_labels,
    row_decision_column,
    row_decision_options,
    signoff_field,
    signoff_row,
    signoff_values,
)
from .reading import (
    RETURN_VALUES,
    Decision,
    Returned,
    RowDecision,
    SignOff,
    check_content,
    check_rows_accepted,
    parse_accepted,
    parse_agreed,
    parse_choice,
    parse_date,
    parse_decision,
    parse_row_decisions,
    parse_satisfaction,
    parse_signoff,
    read_return_to,
    read_returned,
    read_row_cells,
    read_signoff_cells,
    verify_stored,
)
from .refused import Refused
from .sealing import (
    KEY_PATTERN,
    P_DIGEST,
    P_KID,
    P_KIND,
    P_LANG,
    P_MAC,
    P_REQUEST,
    P_SCHEME,
    P_VERSION,
    SIGNED,
    lines_of,
    sign_document,
    sign_docx,
    signature_of,
    signed_properties,
)
from .text import label_key, normalise
from .visible import Unreadable, read_visible

__all__ = [
    "EVIDENCE_TYPES",
    "KEY_PATTERN",
    "KINDS",
    "P_DIGEST",
    "P_KID",
    "P_KIND",
    "P_LANG",
    "P_MAC",
    "P_REQUEST",
    "P_SCHEME",
    "P_VERSION",
    "RETURN_VALUES",
    "SCHEME",
    "SIGNED",
    "Channel",
    "Decision",
    "DecisionResult",
    "Refused",
    "Returned",
    "RowDecision",
    "SignOff",
    "Signable",
    "Unreadable",
    "accept_document",
    "accept_file",
    "canonical_lines",
    "check_content",
    "check_evidence",
    "check_rows_accepted",
    "content_digest",
    "describe_changes",
    "dispatch_canonical_lines",
    "dispatch_signoff_values",
    "form_labels",
    "is_form_signoff",
    "is_signoff",
    "keys",
    "label_key",
    "lines_of",
    "normalise",
    "parse_accepted",
    "parse_agreed",
    "parse_choice",
    "parse_date",
    "parse_decision",
    "parse_row_decisions",
    "parse_satisfaction",
    "parse_signoff",
    "printed_labels",
    "read_return_to",
    "read_returned",
    "read_row_cells",
    "read_signoff_cells",
    "read_visible",
    "record_decision",
    "record_returned",
    "return_to_labels",
    "row_conclusions_line",
    "row_decision_column",
    "row_decision_options",
    "rows_of",
    "sign_document",
    "sign_docx",
    "signable",
    "signature_of",
    "signed_properties",
    "signoff_field",
    "signoff_row",
    "signoff_values",
    "status_section",
    "today_local",
    "verify_stored",
]
