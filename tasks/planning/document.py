"""The plan document (实施计划和费用预算): its context, assumptions and exclusions, rendered
and signed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from changeflow.bilingual import is_zh, pick
from changeflow.db.planning import Plan
from changeflow.settings import get_settings

from ..calendar import CLIENT_PROVISIONAL_NOTE
from ..money import capital, fmt
from .common import PHASE_LABELS, PRIORITY_LABELS, ROLE_LABELS, today_local
from .estimating import pd_text


def _marker(plan: Plan) -> Any:
    """date -> text, with '*' when the date rests on the provisional calendar."""
    raw = (plan.data or {}).get("first_provisional")
    first = date.fromisoformat(raw) if raw else None

    def show(day: date | None) -> str:
        if day is None:
            return ""
        return day.isoformat() + ("*" if first is not None and day >= first else "")

    return show


ASSUMPTIONS = {
    "zh-CN": [
        "工作量以人日计（每人日按合同服务时间计），按合同约定的各角色人日单价计费。",
        "进度按中国法定节假日和调休安排排定，每人每个工作日最多安排一人日工作。",
        "甲方在需求分析阶段确认需求，在测试阶段提供测试环境和测试数据，并按时组织验收。",
        "需求如有变更，按变更后的工作量重新出具计划和预算（新版本）。",
    ],
    "en": [
        "Effort is counted in person-days (one person-day = one day of the contract's service"
        " hours) and charged at the contract's day rate per role.",
        "The schedule follows China's statutory holidays and make-up workdays; each person"
        " carries at most one person-day of work per working day.",
        "The client confirms requirements during analysis, provides a test environment and"
        " test data during testing, and arranges acceptance on time.",
        "Changed requirements lead to a new plan and budget (a new version).",
    ],
}
EXCLUSIONS = {
    "zh-CN": [
        "第三方软件、硬件及其许可费用不在本预算内。",
        "本计划范围以外的需求及数据迁移、历史数据整理。",
        "合同约定服务时间以外的加班和现场驻场（另行约定）。",
    ],
    "en": [
        "Third-party software, hardware and licence fees are not part of this budget.",
        "Requirements outside this plan's scope, data migration and clean-up of old data.",
        "Work outside the contract's service hours and on-site residence (agreed separately).",
    ],
}


def _service_days(plan: Plan, lang: str) -> dict[str, Any]:
    """The service-day and fee section (``Plan.data["service_days"]``), formatted: the
    work's value, what the year's service covers and what goes beyond it (the contract's
    annual fee pays for the daily maintenance and the development in the agreed time)."""
    sd = (plan.data or {}).get("service_days")
    if not sd:
        return {"sd": None, "sd_cover": "—"}
    fee, value = fmt(Decimal(sd["annual_fee"])), fmt(Decimal(sd.get("value", plan.subtotal)))
    billed = fmt(Decimal(sd["billed_amount"]))
    billed_total = fmt(Decimal(sd.get("billed_total", sd["billed_amount"])))
    if sd["counts"]:
        beyond = Decimal(sd["billed"]) > 0
        cover = pick(
            (
                f"本计划 {sd['uses']} 人日，年度服务覆盖 {sd['covered']} 人日"
                + (f"，超出 {sd['billed']} 人日另行计费" if beyond else "，无需另行付费")
                + f"；年度剩余 {sd['before']} 天 → {sd['after']} 天",
                f"this plan {sd['uses']} person-days, {sd['covered']} covered by the year's"
                " service"
                + (f", {sd['billed']} beyond billed" if beyond else ", nothing to pay on top")
                + f"; days left {sd['before']} → {sd['after']}",
            ),
            lang,
        )
        note = pick(
            (
                f"按合同约定，年度服务费（¥{fee}/年）包含日常维护和约定时间内的项目开发。"
                f"本计划工作量价值 ¥{value}（不含税），其中 {sd['covered']} 人日由本合同年度"
                "服务天数覆盖，不另行收费"
                + (
                    f"；超出年度服务天数的 {sd['billed']} 人日按人日单价另行计费"
                    f" ¥{billed}（不含税），含税 ¥{billed_total}。"
                    if beyond
                    else "；本计划无需另行付费。"
                ),
                f"Under the contract the annual fee (¥{fee} a year) pays for the daily"
                " maintenance and the project development in the agreed time. This plan's work"
                f" is worth ¥{value} (excl. tax); {sd['covered']} person-days are covered by"
                " the contract year's service days at no extra charge"
                + (
                    f"; the {sd['billed']} person-days beyond the year's days are billed at"
                    f" the day rates: ¥{billed} excl. tax, ¥{billed_total} incl. tax."
                    if beyond
                    else "; nothing is billed on top of the annual fee."
                ),
            ),
            lang,
        )
    else:
        cover = pick(
            (
                "按合同约定，项目开发不占用年度服务天数，全部按人日单价计费",
                "under the contract, development does not use the service days: all billed",
            ),
            lang,
        )
        note = pick(
            (
                f"按本合同约定，项目开发不计入年度服务天数，不由年度服务费（¥{fee}/年）支付；"
                f"本计划工作量 {sd['billed']} 人日全部按人日单价计费：¥{billed}（不含税），"
                f"含税 ¥{billed_total}。",
                "Under this contract, development does not use the annual service days and"
                f" is not paid by the annual fee (¥{fee} a year): all {sd['billed']}"
                f" person-days of this plan are billed at the day rates: ¥{billed} excl. tax,"
                f" ¥{billed_total} incl. tax.",
            ),
            lang,
        )
    rows = [
        (("合同年度", "Contract year"), sd["period"]),
        (("年度服务费（元）", "Annual fee (CNY)"), "¥" + fee),
        (("年度服务天数", "Service days a year"), sd["quota"]),
        (("日常维护已用（已验收派工单）", "Used by maintenance (accepted orders)"),
         sd["maintenance"]),
        (("其他已批准开发已用/已安排", "Other approved development (used or planned)"),
         sd["other_plans"]),
        (("本计划前剩余", "Left before this plan"), sd["before"]),
        (("本计划使用", "This plan uses"), sd["uses"]),
        (("本计划后剩余", "Left after this plan"), sd["after"]),
        (("工作量价值（不含税）", "The work's value (excl. tax)"), "¥" + value),
        (("年度服务覆盖（人日）", "Covered by the year's service (person-days)"), sd["covered"]),
        (("超出年度服务天数（人日）", "Beyond the year's days (person-days)"), sd["billed"]),
        (("另行计费金额（不含税）", "Billed beyond the fee (excl. tax)"), "¥" + billed),
        (("另行计费金额（含税）", "Billed beyond the fee (incl. tax)"), "¥" + billed_total),
    ]  # fmt: skip
    return {
        "sd": [{"label": pick(k, lang), "value": v} for k, v in rows],
        "sd_cover": cover,
        "sd_note": note,
    }


def plan_context(plan: Plan, lang: str, draft: bool = False) -> dict[str, Any]:
    """Everything the template shows, already formatted (the template only places text)."""
    req = plan.request
    contract = req.contract
    tz = get_settings().tz
    reqs = {r.no: r for r in req.requirements}
    per_role = (plan.data or {}).get("per_role", {})
    phases = (plan.data or {}).get("phases", {})

    def role(r: str) -> str:
        return pick(ROLE_LABELS[r], lang) if r in ROLE_LABELS else r

    pct = (plan.tax_rate * 100).normalize()
    _d = _marker(plan)
    data = plan.data or {}
    late = data.get("late")
    return _service_days(plan, lang) | {
        "draft": draft,
        "late": late,
        "desired": late["desired"] if late else "",
        "busy": data.get("busy_elsewhere", []),
        "lang": lang,
        "key": req.key,
        "title": req.title,
        "client": req.client.name if req.client else "",
        "contract": f"{contract.code} {contract.title}" if contract else "",
        "requester": req.requester,
        "version": plan.version,
        "issued": plan.created_at.astimezone(tz).date().isoformat()
        if plan.created_at
        else today_local().isoformat(),
        "our_lead": contract.our_lead.name if contract and contract.our_lead else "",
        "requirements": [
            {
                "no": r.no,
                "text": r.text,
                "priority": pick(PRIORITY_LABELS.get(r.priority, (r.priority, r.priority)), lang),
                "acceptance": r.acceptance,
            }
            for r in req.requirements
        ],
        "items": [
            {
                "seq": it.seq,
                "req": str(it.requirement_no) if it.requirement_no in reqs else "—",
                "phase": pick(PHASE_LABELS[it.phase], lang),
                "title": it.title,
                "role": role(it.role),
                "assignee": it.assignee.name if it.assignee else ("待定" if is_zh(lang) else "TBD"),
                "person_days": pd_text(it.person_days),
                "rate": fmt(it.day_rate),
                "covered": pd_text(it.covered_days) if it.covered_days else "0",
                "amount": fmt(it.amount),
                "start": _d(it.start_date),
                "end": _d(it.end_date),
            }
            for it in plan.items
        ],
        "roles": [
            {"role": role(r), "person_days": v["person_days"], "amount": fmt(Decimal(v["amount"]))}
            for r, v in per_role.items()
        ],
        "person_days": pd_text(plan.person_days),
        "subtotal": fmt(plan.subtotal),
        "tax_rate": f"{pct:f}%",
        "tax": fmt(plan.tax),
        "total": fmt(plan.total),
        "total_capital": capital(plan.total),
        "currency": plan.currency,
        "phases": [
            {
                "phase": pick(PHASE_LABELS[p], lang),
                "start": _d(date.fromisoformat(v["start"])),
                "end": _d(date.fromisoformat(v["end"])),
            }
            for p, v in phases.items()
        ],
        "milestones": [{"name": m.name, "day": _d(m.day)} for m in plan.milestones],
        "start": _d(plan.start_date),
        "end": _d(plan.end_date),
        "calendar_days": plan.calendar_days,
        "working_days": plan.working_days,
        "provisional": plan.provisional,
        "provisional_note": CLIENT_PROVISIONAL_NOTE[lang] if plan.provisional else "",
        "provisional_years": ", ".join(map(str, (plan.data or {}).get("provisional_years", []))),
        "assumptions": ASSUMPTIONS[lang],
        "exclusions": EXCLUSIONS[lang],
        **_organisation(plan, lang),
    }


DELIVERABLES = [
    (
        "实施计划和费用预算（本文件，甲方确认版本）",
        "This implementation plan and budget (as confirmed)",
    ),
    ("项目周报（每周五）", "Weekly reports (every Friday)"),
    ("测试报告", "Test report"),
    ("技术文档", "Technical document"),
    ("用户手册", "User manual"),
    ("上线记录", "Go-live record"),
    ("源代码（代码仓库中的发布标签）", "Source code (the release tag in the repository)"),
    ("验收单", "Acceptance certificate"),
]


def _organisation(plan: Plan, lang: str) -> dict[str, Any]:
    """What a plan holds besides the work and the money: the deliverables, the team with
    roles and contacts, the communication arrangement (the contract's Friday weekly report to
    the client's lead), the risks and the payment terms."""
    req = plan.request
    contract = req.contract
    code = contract.code if contract else "—"

    def person(role: tuple[str, str], p: Any, unit: tuple[str, str]) -> dict[str, str]:
        return {"role": pick(role, lang), "name": p.name if p else "—",
                "unit": pick(unit, lang), "phone": (p.phone or "—") if p else "—",
                "email": (p.email or "—") if p else "—"}  # fmt: skip

    ours = ("乙方", "Contractor")
    theirs = ("甲方", "Client")
    lead = contract.our_lead if contract else None
    client_lead = contract.lead if contract else None
    team = [person(("乙方项目负责人", "Our project lead"), lead, ours)]
    seen = {lead.id} if lead else set()
    for it in plan.items:
        p = it.assignee
        if p is not None and p.id not in seen:
            seen.add(p.id)
            team.append(person(ROLE_LABELS.get(it.role, (it.role, it.role)), p, ours))
    team.append(person(("甲方项目负责人", "Client's project lead"), client_lead, theirs))
    our_name = lead.name if lead else pick(("乙方项目负责人", "our project lead"), lang)
    their_name = client_lead.name if client_lead else pick(("甲方项目负责人", "the client's lead"),
                                                            lang)  # fmt: skip
    communication = [
        pick((f"项目开始后，乙方项目负责人 {our_name} 每周五下午向甲方项目负责人 {their_name} 发送"
               "项目周报：每日开发情况、进度和参与人员。",
               f"Once work starts, our project lead {our_name} sends the weekly report to the"
               f" client's project lead {their_name} every Friday afternoon: each day's work,"
               " progress and the people involved."), lang),
        pick(("需求变更由甲方项目负责人提出，乙方评估工作量后出具新版本的计划和费用预算，"
               "经甲方确认后执行。",
               "Changed requirements come from the client's lead; we estimate them and issue a"
               " new version of this plan, carried out once the client confirms it."), lang),
        pick(("紧急调整请电话联系乙方项目负责人，乙方尽快响应。",
               "For urgent adjustments call our project lead; we respond quickly."), lang),
    ]  # fmt: skip
    data = plan.data or {}
    risks = []
    if data.get("late"):
        risks.append(pick(("计划完成日期晚于甲方期望日期：如需提前，须增加人员或减少范围，"
                            "由双方商定。",
                            "The plan ends after the date the client wished: finishing earlier"
                            " needs more staff or less scope, to agree."), lang))  # fmt: skip
    if data.get("busy_elsewhere"):
        risks.append(pick(("部分人员同期有其他工作安排（见进度安排），可能影响进度；"
                            "乙方项目负责人每周在周报中说明。",
                            "Some staff are busy elsewhere at the same time (see the schedule);"
                            " our lead reports on it weekly."), lang))  # fmt: skip
    if plan.provisional:
        risks.append(pick(("计划跨入尚未公布节假日安排的年份，日期为暂定，公布后调整。",
                            "The plan runs into a year whose holidays are not yet published:"
                            " its dates are provisional."), lang))  # fmt: skip
    risks += [
        pick(("甲方接口（如考勤系统）或测试环境未按时就绪，将顺延相应工作；乙方在周报中提示。",
               "If the client's interfaces or test environment are late, the work that needs"
               " them moves on; we say so in the weekly report."), lang),
        pick(("需求在开发中变更：按上述变更方式出具新版本计划。",
               "Requirements changing during development: a new plan version as above."), lang),
    ]  # fmt: skip
    payment = [
        pick((f"本计划费用预算 {fmt(plan.total)} 元（含税），"
               f"按服务合同 {code} 的费用结算条款结算。",
               f"This plan's budget is CNY {fmt(plan.total)} (incl. tax), settled under the"
               f" fees clause of service contract {code}."), lang),
        pick(("项目验收通过后结算；甲方要求变更导致的新增工作量按新版本计划结算。",
               "Settled once the project is accepted; extra work from changes the client asks"
               " for is settled by the new plan version."), lang),
    ]  # fmt: skip
    return {
        "deliverables": [
            {"no": i, "name": pick(d, lang)} for i, d in enumerate(DELIVERABLES, start=1)
        ],
        "team": team,
        "communication": communication,
        "risks": risks,
        "payment": payment,
        "prepared_by": lead.name if lead else "",
    }


DRAFT_MARK = (
    "草稿——未签发，仅供内部审核，不可发送或审批",
    "DRAFT — not issued: for internal review, not to be sent or approved",
)


def _mark_draft(doc: Any, lang: str) -> None:
    """草稿 in the header of every page (every section, first pages included)."""
    from docx.shared import Pt, RGBColor

    text = pick(DRAFT_MARK, lang)
    for section in doc.sections:
        for header in (section.header, section.first_page_header, section.even_page_header):
            header.is_linked_to_previous = False
            # above the house header (client, project, title), which stays
            first = header.paragraphs[0] if header.paragraphs else None
            p = (
                first.insert_paragraph_before()
                if first is not None and first.text
                else (first or header.add_paragraph())
            )
            run = p.add_run(text)
            run.bold = True
            run.font.size = Pt(12)
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


def render_plan(plan: Plan, *, lang: str, draft: bool = False) -> bytes:
    """The plan document: a draft is unsigned with 草稿 on every page; an issued plan is
    signed (tasks/signoff/) so the client's returned copy can be verified."""
    from changeflow.docs_templates.labels import PLAN_TITLE

    from ..signoff import sign_document
    from ..wordkit import render

    title = f"{pick(PLAN_TITLE, lang)} {plan.request.key} v{plan.version}"
    properties = {
        "changeflow.kind": "plan-draft" if draft else "plan",
        "changeflow.request": plan.request.key,
        "changeflow.plan_version": str(plan.version),
        "changeflow.lang": lang,
    }
    if draft:
        title += f" ({pick(('草稿', 'draft'), lang)})"

        def finish(doc: Any) -> None:
            _mark_draft(doc, lang)
    else:
        properties["changeflow.total"] = format(plan.total, "f")

        # Signed so the client's returned copy can be verified (tasks/signoff/); signing in
        # ``finish`` keeps it to one open and one save of the document.
        def finish(doc: Any) -> None:
            sign_document(
                doc, kind="plan", request=plan.request.key, version=plan.version, lang=lang
            )

    return render(
        "plan",
        plan_context(plan, lang, draft=draft),
        lang=lang,
        contract=plan.request.contract,
        title=title,
        subject=plan.request.title,
        custom_properties=properties,
        finish=finish,
    )
