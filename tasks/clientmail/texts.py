"""Every text the client reads in a mail from us, in ONE place: the covering mail of a
document (what to fill, how to return it), the reminder, and the answers to a reply
(recorded, or refused with the reason and what to do). Chinese first, then English."""

from __future__ import annotations

from changeflow.docs_templates.labels import APPROVAL_FIELDS
from changeflow.docs_templates.tpl_acceptance import RETURN_TO
from changeflow.docs_templates.tpl_acceptance import SIGNOFF_FIELDS as ACCEPTANCE_FIELDS
from changeflow.docs_templates.tpl_dispatch import SIGNOFF_FIELDS as DISPATCH_FIELDS

# kind -> (zh-CN name, English name)
NAMES: dict[str, tuple[str, str]] = {
    "plan": ("实施计划和费用预算", "implementation plan and cost budget"),
    "acceptance": ("验收单", "acceptance certificate"),
    "dispatch": ("派工单", "dispatch order"),
    "sla-report": ("月度服务对账单", "monthly SLA statement"),
    "settlement": ("年度服务结算单", "annual service settlement"),
}
# kind -> (zh-CN, English) what the client does with it
ASK: dict[str, tuple[str, str]] = {
    "plan": ("请审批", "for your approval"),
    "acceptance": ("请验收", "for your acceptance"),
    "dispatch": ("请签认", "for your sign-off"),
    "sla-report": ("请核对", "for your review"),
    "settlement": ("请核对", "for your review"),
}

SEP = "\n\n" + "-" * 40 + "\n\n"


def _fields(kind: str) -> tuple[list[str], list[str]]:
    """The sign-off table's rows a client fills, as printed in the document."""
    table = {"plan": APPROVAL_FIELDS, "acceptance": ACCEPTANCE_FIELDS, "dispatch": DISPATCH_FIELDS}
    rows = table.get(kind)
    if rows is None:
        return [], []
    zh = [p[0] for p in rows.values()]
    en = [p[1] for p in rows.values()]
    if kind == "acceptance":
        zh.append(RETURN_TO[0] + "（仅不通过时）")
        en.append(RETURN_TO[1] + " (only when not accepted)")
    return zh, en


def covering_mail(
    kind: str,
    subject: str,
    version: int,
    title: str,
    to_name: str,
    our_name: str,
    with_pdf: bool,
    reply_to: str | None,
) -> tuple[str, str]:
    """Subject line and body of the mail that carries a document to the client."""
    zh_name, en_name = NAMES[kind]
    zh_ask, en_ask = ASK[kind]
    line = (
        f"【{zh_ask} {en_ask.capitalize()}】{subject} {zh_name} v{version} / {en_name} v{version}"
    )
    zh_f, en_f = _fields(kind)
    where = f"（{reply_to}）" if reply_to else ""
    where_en = f" ({reply_to})" if reply_to else ""
    pdf_zh = "附 PDF 仅供阅读，请在 Word 文件上填写。" if with_pdf else ""
    pdf_en = " The PDF is for reading only; fill in the Word file." if with_pdf else ""
    about = f"「{title}」" if title else ""
    if zh_f:
        zh_fill = (
            "请在 Word 文件末尾的签署表右栏填写：\n"
            + "".join(f"  · {f}\n" for f in zh_f)
            + "决定可直接填写，也可在选项前打勾（☑）。"
            "除签署表外请勿改动文档内容，否则将被拒收。\n\n"
            f"填好后请直接回复本邮件{where}，附上填好的 .docx 文件（每封邮件只附一个文件），"
            "不必改名。我们收到后自动登记，并回信告知登记结果。"
        )
        en_fill = (
            "Please fill the right-hand cells of the sign-off table at the end of the Word"
            " file:\n"
            + "".join(f"  · {f}\n" for f in en_f)
            + "You may type the decision or tick the box before it (☑). Change nothing else in"
            " the document, or it will be refused.\n\n"
            f"Then reply to this mail{where_en} with the filled .docx attached (one file per"
            " mail; no need to rename it). It is recorded automatically and we answer with"
            " what was recorded."
        )
    else:
        zh_fill = "请核对附件。如有异议，请直接回复本邮件说明。"
        en_fill = "Please check the attachment; if anything is wrong, reply to this mail."
    zh = (
        f"{to_name}：您好！\n\n附件是 {subject}{about}的{zh_name}（第 {version} 版），{zh_ask}。"
        f"{pdf_zh}\n\n{zh_fill}\n\n{our_name}"
    )
    en = (
        f"Hello {to_name},\n\nattached is the {en_name} v{version} of {subject},"
        f" {en_ask}.{pdf_en}\n\n{en_fill}\n\n{our_name}"
    )
    return line, zh + SEP + en


def reminder_mail(
    kind: str, subject: str, version: int, sent_on: str, days: int, to_name: str, our_name: str,
    deemed_on: str | None, clause: str | None, reply_to: str | None,
) -> tuple[str, str]:  # fmt: skip
    zh_name, en_name = NAMES[kind]
    zh_ask, en_ask = ASK[kind]
    line = f"【提醒 Reminder】{subject} {zh_name} v{version} {zh_ask} / {en_name} {en_ask}"
    where = f"（{reply_to}）" if reply_to else ""
    zh = (
        f"{to_name}：您好！\n\n我们于 {sent_on} 发送的 {subject} {zh_name}（第 {version} 版）"
        f"已过 {days} 个工作日尚未收到回复。原文件见附件；请按原邮件说明填写签署表，"
        f"回复本邮件{where}并附上填好的 .docx 文件。"
    )
    en = (
        f"Hello {to_name},\n\nwe sent the {en_name} v{version} of {subject} on {sent_on};"
        f" {days} working days later we have no answer yet. The file is attached again: fill"
        " its sign-off table as the first mail said and reply to this mail with the filled"
        " .docx attached."
    )
    if deemed_on and clause:
        zh += f"\n\n按合同条款“{clause}”，如 {deemed_on} 前未提出异议，将视同验收。"
        en += (
            f'\n\nUnder the contract\'s clause "{clause}", without an objection by {deemed_on}'
            " the delivery is deemed accepted."
        )
    return line, f"{zh}\n\n{our_name}" + SEP + f"{en}\n\n{our_name}"


def recorded_answer(
    subject: str, file: str, detail: str, key: str | None, zh_detail: str, what: str
) -> tuple[str, str]:
    """The receipt: what was recorded, for which request, by whom."""
    line = f"【已登记 Recorded】{what or key or file}"
    zh = (
        f"您好！\n\n您的邮件“{subject}”所附文件 {file} 已登记：\n  {zh_detail or detail}\n\n"
        "如有疑问请回复本邮件。"
    )
    en = (
        f'Hello,\n\nthe file {file} attached to your mail "{subject}" was recorded:\n'
        f"  {detail}\n\nReply to this mail with any question."
    )
    return line, zh + SEP + en


def confirmed_answer(subject: str, key: str, title: str, when: str) -> tuple[str, str]:
    """The receipt of a requester's confirmation of a service request by mail reply."""
    line = f"【已确认 Confirmed】{key}"
    zh = (
        f"您好！\n\n您的邮件“{subject}”已登记为对服务请求 {key}「{title}」的确认（{when}）。"
        "\n感谢您的确认。如仍有问题，请回复本邮件。"
    )
    en = (
        f'Hello,\n\nyour mail "{subject}" was recorded as your confirmation of service request'
        f" {key} ({title}) at {when}.\nThank you. Reply to this mail if anything is still wrong."
    )
    return line, zh + SEP + en


# refusal code -> (zh-CN what to do, English what to do)
WHAT_TO_DO: dict[str, tuple[str, str]] = {
    "no-attachment": (
        "请回复本邮件并附上填好的 .docx 文件（我们发给您的 Word 文件，签署表已填写）。",
        "reply to this mail with the filled .docx attached (the Word file we sent you, its"
        " sign-off table filled in).",
    ),
    "several": (
        "请每封邮件只附一个文件：分别回复，每封附一个填好的 .docx 文件。",
        "send one file per mail: reply once for each filled .docx.",
    ),
    "unknown-sender": (
        "此地址不在合同的联系人名单中。请由合同联系人的邮箱发送，或请我方项目负责人登记您的邮箱。",
        "this address is not among the contract's contacts: send it from a contact's address,"
        " or ask our project lead to add yours.",
    ),
    "other-client": (
        "该文件属于另一家单位的请求，不能由您的邮箱提交。请核对附件。",
        "the file belongs to another client's request and cannot come from your address;"
        " check the attachment.",
    ),
    "file": (
        "请在我们发送的 Word 文件上只填写签署表，保存为 .docx 后重新发送；不要另存为其他格式，"
        "不要修改其他内容。",
        "fill only the sign-off table of the Word file we sent, save it as .docx and send it"
        " again; do not convert it or change anything else.",
    ),
}


# why, in plain Chinese words, by the refusal's code (the inbox's, or the mailbox's own)
REASON_ZH: dict[str, str] = {
    "no-attachment": "邮件没有附件",
    "several": "邮件附有多个文件",
    "unknown-sender": "发件地址不在合同联系人名单中",
    "other-client": "文件属于另一家单位的请求",
    "edited": "文档内容与我们发送的版本不一致（签署表以外的内容被修改）",
    "unsigned": "文件不是我们签发的原件（没有签名）",
    "forged": "文件的签名与我们签发的不符",
    "stale": "这不是最新版本，请使用我们最近发送的版本",
    "decided": "该文档的决定已登记过",
    "state": "该请求当前不在等待这一决定",
    "date": "签署日期有误",
    "two-decisions": "决定填写了两次或勾选了两个选项",
    "decision": "签署表中的决定未填写或无法识别",
    "approver": "签署表中未填写审批人",
    "signoff": "找不到签署表",
    "unreadable": "文档中有无法核对的内容（如嵌入对象）",
    "unknown": "找不到对应的请求或文档",
    "draft": "该计划是草稿，尚未签发",
    "comments": "文档含有批注：批注不会被登记，请把意见写进签署表的“意见”栏，删除批注后重新发送",
    "file": "文件无法读取或不是我们的 .docx（可能已损坏、加密、为旧版 .doc 或其他格式）",
}


def refused_answer(
    subject: str, file: str | None, reason: str, code: str, why: str = ""
) -> tuple[str, str]:
    """The refusal: the reason in plain words and what to do; nothing was recorded.
    ``why``: the finer code of the refusal (edited, stale...) for the Chinese reason."""
    todo_zh, todo_en = WHAT_TO_DO.get(code, WHAT_TO_DO["file"])
    reason_zh = REASON_ZH.get(why) or REASON_ZH.get(code) or REASON_ZH["file"]
    line = f"【未登记 Not recorded】{subject}"[:200]
    of = f"所附文件 {file} " if file else ""
    of_en = f"the file {file} attached to " if file else ""
    zh = (
        f"您好！\n\n您的邮件“{subject}”{of}未能登记，未记录任何内容。\n原因：{reason_zh}。\n"
        f"（{reason}）\n\n"
        f"怎么办：{todo_zh}"
    )
    en = (
        f'Hello,\n\n{of_en}your mail "{subject}" was not recorded; nothing was written.\n'
        f"Reason: {reason}\n\nWhat to do: {todo_en}"
    )
    return line, zh + SEP + en


# --- a client's mail without an attachment: kept, forwarded, a receipt ----------------------

HOW_FOUND: dict[str, tuple[str, str]] = {
    "reply": ("回复我方发出的邮件", "a reply to our mail"),
    "subject": ("主题中的编号", "the key in its subject"),
    "only-open": ("该单位唯一在办的请求", "the client's only open request"),
    "contract": ("未能确定请求，按发件人所属合同", "no request found: the sender's contract"),
    "none": ("未能确定请求或合同", "no request or contract found"),
}


def kept_answer(subject: str, key: str | None, title: str) -> tuple[str, str]:
    """The receipt for a client's words: received, passed to our project lead."""
    about = f"（{key}「{title}」）" if key else ""
    about_en = f" ({key})" if key else ""
    line = f"【已收到 Received】{subject}"[:200]
    zh = (
        f"您好！\n\n收到您的来信“{subject}”{about}，已转交我方项目负责人，"
        "我们会尽快答复。\n\n如需提交签署的文件，请回复我们发送文件的邮件并附上填好的 .docx 文件。"
    )
    en = (
        f'Hello,\n\nwe received your mail "{subject}"{about_en} and passed it to our project'
        " lead, who will answer you soon.\n\nTo hand in a signed document, reply to the mail"
        " that carried it with the filled .docx attached."
    )
    return line, zh + SEP + en


def lead_forward(
    b, sender: str, contact_name: str, subject: str, text: str, received: str
) -> tuple[str, str]:
    """The client's mail, forwarded to our lead with the request it belongs to named."""
    how_zh, how_en = HOW_FOUND.get(b.how, HOW_FOUND["none"])
    if b.key:
        req_zh = f"{b.key}「{b.title}」（依据：{how_zh}）"
        req_en = f"{b.key} \u201c{b.title}\u201d (by {how_en})"
    else:
        req_zh, req_en = f"未能确定（{how_zh}）", f"not found ({how_en})"
    who = f"{contact_name} <{sender}>" if contact_name else sender
    line = f"【甲方来信 Client mail】{b.key or b.contract or ''} {subject}"[:200]
    zh = (
        f"甲方来信（无附件），已保存并已回执。\n\n"
        f"  发件人：{who}\n  收到时间：{received}\n  请求：{req_zh}\n"
        f"  合同：{b.contract or '—'}\n  主题：{subject}\n\n"
        f"来信内容：\n\n{text or '（空）'}\n\n直接回复本邮件即回复甲方。"
    )
    en = (
        f"A client's mail without attachment, kept and acknowledged.\n\n"
        f"  From: {who}\n  Received: {received}\n  Request: {req_en}\n"
        f"  Contract: {b.contract or '—'}\n  Subject: {subject}\n\n"
        "Reply to this mail to answer the client."
    )
    return line, zh + SEP + en
