"""One label table for every sign-off a client fills: plan approval, acceptance, dispatch,
the monthly SLA statement.

The builders in ``docs_templates`` print the labels (``APPROVAL_FIELDS``, the acceptance
certificate's ``SIGNOFF_FIELDS`` and ``RETURN_TO``, the dispatch order's ``SIGNOFF_FIELDS``);
the reader here knows those and the spellings a client writes instead (签字, 备注, ...).
Two forms exist: the *decision* form (plan and acceptance certificate: decision, approver,
date, comment, and the certificate's 退回至 row), the *dispatch* form (accepted,
satisfaction, feedback, signer, date) and the *statement* form of the monthly SLA statement
(对账结果 无异议/有异议, remarks, signer, date; ``tpl_slareport.CONFIRM_FIELDS``). Which
form a kind uses is declared in ``kinds``.
"""

from __future__ import annotations

import re
from functools import cache

from changeflow.bilingual import pick

from .text import label_key, normalise

# Labels every version of the returned-document reader knows (the plan's sign-off labels):
# printed for a field whose own label (验收结论, 验收人) the reader would not know.
FALLBACK_LABELS = {
    "decision": ("决定", "Decision"),
    "approver": ("审批人", "Approver"),
    "date": ("日期", "Date"),
    "comment": ("意见", "Comment"),
}
# Spellings a client writes instead of the printed label, per form and field.
EXTRA_LABELS: dict[str, dict[str, set[str]]] = {
    "decision": {
        "decision": {"决定", "审批决定", "审批结果", "decision", "验收结论", "acceptance decision"},
        "approver": {"审批人签字", "签字", "approved by", "验收人", "accepted by"},
        "date": {"验收日期", "acceptance date"},
        "comment": {"审批意见", "备注", "comments", "remarks", "验收意见"},
    },
    "dispatch": {
        "accepted": {"服务是否验收", "是否验收", "验收", "accepted"},
        "signer": {"签字", "签名", "验收人", "signer", "signature"},
        "feedback": {"意见", "反馈", "comments"},
    },
    "statement": {
        "result": {"对账结果", "对账意见", "核对结果", "确认结果", "result", "reconciliation"},
        "remarks": {"备注", "意见", "异议说明", "remarks", "comments"},
        "signer": {"签字", "签名", "确认人", "signer", "signature", "confirmed by"},
        "date": {"确认日期", "签字日期", "date"},
    },
    "signin": {
        "attended": {"实到人数", "参训人数", "到会人数", "attendance", "attended"},
        "satisfaction": {"满意度", "satisfaction"},
        "feedback": {"意见", "反馈", "意见反馈", "备注", "comments", "remarks"},
        "signer": {"签字", "签名", "确认人", "组织人", "signer", "signature", "signed by"},
        "date": {"确认日期", "签字日期", "date"},
    },
}
# How many of a form's labels make a table its sign-off table (the decision form: two)
MIN_ROWS = {"decision": 2, "dispatch": 3, "statement": 3, "signin": 3}
RETURN_TO_EXTRA = ("退回至", "return to")
# The per-row conclusion column (the certificate's requirements table) as clients relabel it.
ROW_DECISION_EXTRA = ("逐项验收结论", "验收意见", "acceptance decision")
# What a client writes in a per-row conclusion cell besides the printed choices.
ROW_DECISION_SPELLINGS = {
    "合格": "passed", "pass": "passed", "accepted": "passed", "同意": "passed",
    "不合格": "failed", "未通过": "failed", "fail": "failed", "not accepted": "failed",
    "不同意": "failed",
}  # fmt: skip


def _variants(pair: tuple[str, ...]) -> set[str]:
    """A printed label as typed, and without its bracketed hint (决定（同意/不同意）-> 决定)."""
    out: set[str] = set()
    for label in pair:
        full = label_key(label)
        out.add(full)
        out.add(re.sub(r"\s*\(.*?\)\s*", "", full).strip())
    return out


# Per form: the field that takes the client's remarks (where comments from the margin
# belong) and the field a person signs (a signature picture beside the name is read there).
REMARKS_FIELD = {
    "decision": "comment", "dispatch": "feedback", "statement": "remarks", "signin": "feedback"
}  # fmt: skip
SIGNING_FIELD = {
    "decision": "approver", "dispatch": "signer", "statement": "signer", "signin": "signer"
}  # fmt: skip


def form_printed(form: str) -> dict[str, tuple[str, str]]:
    """Field name -> (zh-CN, en) label as the sign-off table of ``form`` prints it."""
    if form == "decision":
        from changeflow.docs_templates.labels import APPROVAL_FIELDS

        return dict(APPROVAL_FIELDS)
    if form == "dispatch":
        from changeflow.docs_templates.tpl_dispatch import SIGNOFF_FIELDS

        return dict(SIGNOFF_FIELDS)
    if form == "statement":
        from changeflow.docs_templates.tpl_slareport import CONFIRM_FIELDS

        return dict(CONFIRM_FIELDS)
    if form == "signin":
        from changeflow.docs_templates.tpl_signin import SIGNOFF_FIELDS as SIGNIN_FIELDS

        return dict(SIGNIN_FIELDS)
    raise KeyError(form)


@cache
def form_labels(form: str) -> dict[str, frozenset[str]]:
    """Field name -> every label the reader takes for it, in the sign-off ``form``."""
    printed = form_printed(form)
    return {
        name: frozenset(_variants(pair) | EXTRA_LABELS[form].get(name, set()))
        for name, pair in printed.items()
    }


@cache
def return_to_labels() -> frozenset[str]:
    from changeflow.docs_templates.tpl_acceptance import RETURN_TO

    return frozenset(_variants((*RETURN_TO, *RETURN_TO_EXTRA)))


@cache
def row_decision_labels() -> frozenset[str]:
    """Every header the reader takes for the per-row conclusion column (验收结论)."""
    from changeflow.docs_templates.tpl_acceptance import ROW_DECISION

    return frozenset(_variants((*ROW_DECISION, *ROW_DECISION_EXTRA)))


def row_decision_column(header: list[str]) -> int | None:
    """The per-row conclusion column of a table, by its header row's cells (never the first
    column, which names the row); None when it has none, or more than one."""
    labels = row_decision_labels()
    cols = [i for i, c in enumerate(header) if i > 0 and label_key(c) in labels]
    return cols[0] if len(cols) == 1 else None


@cache
def row_decision_options() -> dict[str, str]:
    """Spelling -> ``passed`` / ``failed`` for a per-row conclusion cell."""
    from changeflow.docs_templates.tpl_acceptance import ROW_DECISION_VALUES

    out = {normalise(w).lower(): v for v, pair in ROW_DECISION_VALUES.items() for w in pair}
    out.update(ROW_DECISION_SPELLINGS)
    return out


def signoff_field(label: str, form: str = "decision") -> str | None:
    """The sign-off field a label names in ``form``, or None."""
    key = label_key(label)
    for name, variants in form_labels(form).items():
        if key in variants:
            return name
    return None


def is_signoff(rows: list[list[str]]) -> bool:
    """A decision sign-off table: at least two rows whose first cell is a sign-off label."""
    names = {signoff_field(r[0]) for r in rows if r}
    names.discard(None)
    return len(names) >= 2


def is_form_signoff(rows: list[list[str]], form: str) -> bool:
    """``rows`` are the sign-off table of ``form`` (``MIN_ROWS`` of its labels or more)."""
    if form == "decision":
        return is_signoff(rows)
    return signoff_values(rows, form) is not None


@cache
def _seal_labels() -> tuple[frozenset[str], frozenset[str]]:
    from changeflow.docs_templates.labels import SEAL_PARTIES, SEAL_ROWS

    parties = frozenset(label_key(x) for pair in SEAL_PARTIES.values() for x in pair)
    rows = frozenset(label_key(x) for pair in SEAL_ROWS.values() for x in pair)
    return parties, rows


def is_seal_block(rows: list[list[str]]) -> bool:
    """The seal block (签章栏, docs_templates/house.seal_block): a header row naming the
    parties (甲方…/乙方…) after its first cell, and rows labelled 签字/盖章/日期 below.
    Everything written or stamped in it is the parties' own (masked in the content)."""
    if len(rows) < 2 or len(rows[0]) < 2:
        return False
    parties, labels = _seal_labels()
    head = [label_key(c) for c in rows[0][1:] if c]
    if not head or any(h not in parties for h in head):
        return False
    named = [label_key(r[0]) for r in rows[1:] if r and r[0]]
    return len(named) >= 2 and all(n in labels for n in named)


@cache
def _register_header() -> tuple[frozenset[str], ...]:
    from changeflow.docs_templates.tpl_signin import REGISTER_COLS

    return tuple(frozenset(_variants(pair)) for pair in REGISTER_COLS)


def is_register(rows: list[list[str]]) -> bool:
    """The sign-in sheet's register (tpl_signin.REGISTER_COLS: 序号/姓名/部门/签名): its
    header row's cells are those labels, in that order. Every cell right of the first, below
    the header, is written by the attendees (masked in the content, read back per row)."""
    if not rows:
        return False
    head = [label_key(c) for c in rows[0]]
    want = _register_header()
    return len(head) == len(want) and all(h in w for h, w in zip(head, want, strict=True))


def dispatch_signoff_values(rows: list[list[str]]) -> dict[str, str] | None:
    """Label -> value when ``rows`` are the dispatch sign-off table (3+ of its labels)."""
    return signoff_values(rows, "dispatch")


def signoff_values(rows: list[list[str]], form: str) -> dict[str, str] | None:
    """Field -> value when ``rows`` are the sign-off table of ``form``, else None."""
    labels = form_labels(form)
    values: dict[str, str] = {}
    for r in rows:
        if not r:
            continue
        key = label_key(r[0])
        for name, variants in labels.items():
            if key in variants:
                rest = [c for c in r[1:] if c != r[0]]
                values[name] = normalise(" ".join(c for c in rest if c), nfkc=False)
    return values if len(values) >= MIN_ROWS[form] else None


def printed_labels(lang: str) -> dict[str, str]:
    """The acceptance certificate's sign-off labels to print: 验收结论/验收人 when the reader
    recognises them, else the plan's."""
    from changeflow.docs_templates.tpl_acceptance import SIGNOFF_FIELDS

    out = {}
    for name, pair in SIGNOFF_FIELDS.items():
        label = pick(pair, lang)
        out[name] = label if signoff_field(label) == name else pick(FALLBACK_LABELS[name], lang)
    return out


def signoff_row(label: str, form: str = "decision") -> str | None:
    """The field a sign-off table's row is for, by its first cell (None: not a sign-off row).

    The decision form also has the acceptance certificate's 退回至 row (``return_to``)."""
    name = signoff_field(label, form)
    if name is None and form == "decision" and label_key(label) in return_to_labels():
        return "return_to"
    return name
