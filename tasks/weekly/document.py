"""The document: the burn-up chart (matplotlib), the data as the template shows it, the Word
report (wordkit) and a short markdown view; with the formatting helpers they share."""

from __future__ import annotations

import contextlib
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from changeflow.bilingual import REQUEST_STATES, is_zh, pick

from ..calendar import CLIENT_PROVISIONAL_NOTE
from ..documents import actor_shown, change_line, document_label
from ..planning import PHASE_LABELS

KIND = "weekly-report"
STATE_LABELS = REQUEST_STATES  # the kit's table
WEEKDAYS = {
    "zh-CN": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
TITLE = ("项目周报", "Weekly Project Report")


def _num(d: Decimal | None) -> str:
    """Person-days/hours as short text: 3, 2.5, 0.13."""
    if d is None:
        return "-"
    q = d.quantize(Decimal("0.01")).normalize()
    return format(q, "f") if q != 0 else "0"


def chart_png(data: dict[str, Any], lang: str) -> bytes | None:
    """The planned vs actual burn-up as a PNG (matplotlib, Agg backend)."""
    ch = data.get("chart")
    if not ch:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    family = cjk_font(font_manager) if is_zh(lang) else None
    fig = Figure(figsize=(7.2, 3.2), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    xs = ch["days"]
    ax.plot(
        xs,
        ch["planned"],
        color="#1f77b4",
        linewidth=1.8,
        label=pick(("计划（累计人日）", "Planned (cumulative person-days)"), lang),
    )
    pts = [(x, y) for x, y in zip(xs, ch["actual"], strict=True) if y is not None]
    if pts:
        ax.plot(
            [p[0] for p in pts],
            [p[1] for p in pts],
            color="#d62728",
            linewidth=1.8,
            label=pick(("实际（累计人日）", "Actual (cumulative person-days)"), lang),
        )
    from datetime import timedelta

    from matplotlib.dates import AutoDateLocator, DateFormatter

    for d in ch.get("off", []):  # days off, shaded: the planned line is flat over them
        ax.axvspan(d - timedelta(hours=12), d + timedelta(hours=12), color="#eeeeee", lw=0)
    ref = ch["ref_day"]
    ax.axvline(ref, color="#555555", linestyle="--", linewidth=0.9)
    top = max([v for v in ch["planned"] if v is not None] + [1.0])
    ax.annotate(
        pick(("统计截至 ", "as of "), lang) + ref.strftime("%m-%d"),
        xy=(ref, top),
        xytext=(3, -2),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=8,
        color="#333333",
        fontfamily=family,
    )
    ax.set_ylabel(pick(("人日", "person-days"), lang), fontfamily=family)
    ax.set_title(
        pick(
            (
                "进度燃起图：计划与实际（按工作日历）",
                "Burn-up: planned vs actual (working calendar)",
            ),
            lang,
        ),
        fontfamily=family,
    )
    ax.grid(True, linewidth=0.3)
    leg = ax.legend(loc="lower right", fontsize=8)
    if family:
        for t in leg.get_texts():
            t.set_fontfamily(family)
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=4, maxticks=9))
    ax.xaxis.set_major_formatter(DateFormatter("%m-%d"))
    ax.tick_params(axis="x", labelrotation=0, labelsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlim(xs[0], xs[-1])
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.12)  # tight_layout: +0.2 s
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
)
CJK_FILE_HINTS = ("cjk", "wqy", "sourcehan", "simhei", "msyh")


def cjk_font(font_manager: Any) -> str | None:
    """A font family that has Chinese glyphs, or None. A font installed after matplotlib
    built its font cache is not in that cache: then the system's font files are scanned once
    and the CJK ones added, rather than drawing empty boxes until someone deletes the cache."""
    for attempt in range(2):
        for name in CJK_FAMILIES:
            try:
                font_manager.findfont(name, fallback_to_default=False)
                return name
            except ValueError:
                continue
        if attempt == 0:
            for path in font_manager.findSystemFonts():
                if any(h in Path(path).name.lower() for h in CJK_FILE_HINTS):
                    with contextlib.suppress(Exception):  # an unreadable font file: skip it
                        font_manager.fontManager.addfont(path)
    return None


CHART_MARKER = "[[changeflow-chart]]"


def _state(s: str | None, lang: str) -> str:
    if not s:
        return "-"
    return pick(STATE_LABELS.get(s, (s, s)), lang)


def _shown(data: dict[str, Any], lang: str) -> Any:
    """A person as the client reads them: the contract's people by name, the system as 系统,
    any other git identity or login as 乙方 (``tasks.documents``)."""
    known = {n.casefold(): n for n in data.get("known_people", [])}
    return lambda who: actor_shown(who, lang, known)


def report_context(data: dict[str, Any], *, version: int, lang: str) -> dict[str, Any]:
    """The data as the template shows it: every value already formatted text; each table's
    rows made by its declaration (``tables``)."""
    from changeflow.docs_templates import weekly_tables as tables
    from changeflow.wording import date_range, version_label, week_label

    from ..systemwatch import watch_lines
    from ..wordkit import doc_date

    zh = is_zh(lang)
    shown = _shown(data, lang)
    rows = []
    for d in data["days"]:
        label = tables.day_label(d["date"], d["weekday"], lang)
        if not d["requests"] and d["working"]:
            rows.append(
                {
                    "date": label,
                    "key": "",
                    "commits": [
                        pick(("尚未到来", "still to come"), lang)
                        if d["future"]
                        else pick(("无记录", "nothing recorded"), lang)
                    ],
                    "hours": "",
                    "changes": [],
                    "docs": [],
                }
            )
        for r in d["requests"]:
            commits = [
                f"{change_line(c['message'], lang)}（{shown(c['author'])}）"
                if zh
                else f"{change_line(c['message'], lang)} ({shown(c['author'])})"
                for c in r["commits"]
            ]
            if r["more_commits"]:
                commits.append(
                    f"……另 {r['more_commits']} 次提交" if zh else f"... {r['more_commits']} more"
                )
            changes = [
                f"{e['at']} {_state(e['to'], lang)}"
                + (f"（{shown(e['actor'])}）" if zh else f" ({shown(e['actor'])})")
                for e in r["events"]
            ]
            docs = [  # a draft is never sent, a PDF is the same document again
                document_label(x["kind"], x["version"], lang)
                for x in r["documents"]
                if not x["kind"].endswith(("-draft", "-pdf"))
            ]
            rows.append(
                {
                    "date": label,
                    "key": r["key"],
                    "commits": commits,
                    "hours": tables.num(r["hours"]) if r["hours"] else "",
                    "changes": changes,
                    "docs": docs,
                }
            )
    reqs = []
    milestones = []
    # milestones worth a line: due from the period start to the end of next week, done in
    # the period, or late (the full list is in the data and the plan)
    lo, hi = data["period_start"], data["next_week"]["end"]
    for r in data["requests"]:
        people = [
            f"{shown(p['name'])} {p['days']}天/{tables.num(p['hours'])}小时"
            if zh
            else f"{shown(p['name'])} {p['days']}d/{tables.num(p['hours'])}h"
            for p in r["people"]
        ]
        reqs.append(
            {**r, "state_label": _state(r["state"], lang), "people_text": "\n".join(people)}
        )
        for m in r["milestones"]:
            if not (
                m["status"] == "late"
                or lo <= m["day"] <= hi
                or (m["done_on"] is not None and lo <= m["done_on"] <= data["period_end"])
            ):
                continue
            milestones.append({**m, "key": r["key"]})
    risks = [_risk_text(x, lang) for x in data["risks"]]
    t = data["totals"]
    off = "、".join if zh else "; ".join
    days_off = off(
        f"{doc_date(d['date'], lang)} {d['reason_zh'] if zh else d['reason']}"
        for d in data["days_off"]
    )
    nw = data["next_week"]
    service = data.get("service") or {"visits": [], "faults": [], "next_visits": []}
    next_items = list(nw["items"]) + [  # next week's planned dispatch orders, by their day
        {"key": o["number"], "title": o["title"], "phase": "", "who": "、".join(o["staff"])
         if zh else ", ".join(o["staff"]), "start": o["day"], "end": o["day"],
         "person_days": None, "provisional": False}
        for o in service["next_visits"]
    ]  # fmt: skip
    return {
        "services": (data.get("service_requests") or {}).get("zh-CN" if zh else "en", []),
        "client": data["client"]["name"],
        "contractor": data.get("contractor") or "",
        "contract": (
            f"{data['contract']['code']} {data['contract']['title']}" if data["contract"] else ""
        ),
        "week": week_label(data["week"], data["week_start"], data["week_end"], lang, days=False),
        "week_text": week_label(data["week"], data["week_start"], data["week_end"], lang),
        "week_start": doc_date(data["week_start"], lang),
        "week_end": doc_date(data["week_end"], lang),
        "period": date_range(data["period_start"], data["period_end"], lang),
        "period_start": doc_date(data["period_start"], lang),
        "period_end": doc_date(data["period_end"], lang),
        "report_day": (
            doc_date(data["due_at"], lang)
            if data["due_at"]
            else pick(("本周无工作日，无需报告", "no working day this week: no report due"), lang)
        ),
        "generated": doc_date(data["generated_at"], lang),
        "as_of": doc_date(data["as_of"], lang),
        "days_to_come": data.get("days_to_come", 0),
        "version": version,
        "version_text": version_label(version, lang),
        "our_lead": (data["our_lead"] or {}).get("name", ""),
        "client_lead": (data["client_lead"] or {}).get("name", ""),
        "working_days": data["working_days"],
        "days_off": days_off or pick(("无", "none"), lang),
        "n_requests": len(reqs),  # the rows of 需求进度: the summary reconciles with them
        "n_visits": len(service["visits"]),
        "n_faults": len(service["faults"]),
        "visits": tables.VISITS.rows(service["visits"], lang),
        "faults": tables.FAULTS.rows(service["faults"], lang),
        "commits": t["commits"],
        "hours": tables.num(t["hours"]),
        "person_days": tables.num(t["person_days"]),
        "n_people": t["people"],
        "empty": data["empty"],
        "days": tables.CALENDAR.rows(data["days"], lang),
        "rows": tables.DAILY.rows(rows, lang),
        "requests": tables.PROGRESS.rows(reqs, lang),
        "milestones": tables.MILESTONES.rows(milestones, lang),
        "people": tables.PEOPLE.rows(
            [{**p, "shown": shown(p["name"])} for p in data["people"]], lang
        ),
        "risks": risks,
        "next_week": week_label(nw["week"], nw["start"], nw["end"], lang),
        "next_start": doc_date(nw["start"], lang),
        "next_end": doc_date(nw["end"], lang),
        "next_items": tables.NEXT.rows(next_items, lang),
        "has_chart": bool(data.get("chart")),
        "chart": CHART_MARKER,
        "provisional": data["provisional"],
        "provisional_note": CLIENT_PROVISIONAL_NOTE[lang],
        "hours_per_day": tables.num(data["hours_per_day"]),
        "training_line": _training_line(data, lang),
        "watch": watch_lines(data.get("watch") or {}, lang),
    }


def _training_line(data: dict[str, Any], lang: str) -> str:
    from ..training.summary import line_of

    return line_of(data.get("training") or [], lang)


def _risk_text(x: dict[str, Any], lang: str) -> str:
    from ..wordkit import doc_date

    zh = is_zh(lang)
    if x["kind"] == "late_milestone":
        name = x["name"] or pick(PHASE_LABELS.get(x["phase"], (x["phase"],) * 2), lang)
        when = doc_date(x["day"], lang)
        return (
            f"{x['key']}：里程碑“{name}”（{when}）已延误 {x['slip_working_days']} 个工作日"
            if zh
            else f"{x['key']}: milestone '{name}' ({when}) is {x['slip_working_days']}"
            " working day(s) late"
        )
    if x["kind"] == "behind_plan":
        return (
            f"{x['key']}：进度落后于计划 {x.get('behind_working_days', 0)} 个工作日"
            f"（计划至今 {_num(x['planned'])} 人日，实际 {_num(x['done'])} 人日）"
            if zh
            else f"{x['key']}: {x.get('behind_working_days', 0)} working day(s) behind plan"
            f" ({_num(x['planned'])} person-days planned to date, {_num(x['done'])} done)"
        )
    if x["kind"] == "sla_breach":
        names = {"response": ("首次响应", "first response"), "onsite": ("到场", "on-site")}
        clock = pick(names.get(x["clock"], (x["clock"], x["clock"])), lang)
        title = f"（{x['title']}）" if zh and x.get("title") else ""
        if not zh and x.get("title"):
            title = f" ({x['title']})"
        cause = x.get("cause") or ""
        if zh:
            return f"{x['key']}{title}：{clock}时限 {doc_date(x['due'], lang)} 已超时" + (
                f"，原因：{cause}" if cause else ""
            )
        return f"{x['key']}{title}: {clock} time limit {doc_date(x['due'], lang)} breached" + (
            f"; cause: {cause}" if cause else ""
        )
    return f"{x['key']}: {x['kind']}"


def render_report(data: dict[str, Any], *, version: int, lang: str) -> bytes:
    """The Word report through wordkit.render; the chart goes in with the ``post`` hook."""
    from docx.shared import Mm

    from ..wordkit import render

    png = chart_png(data, lang)

    def put_chart(tpl: Any) -> None:
        for p in tpl.docx.paragraphs:
            if CHART_MARKER in p.text:
                for r in p.runs:
                    r.text = ""
                if png:
                    p.runs[0].add_picture(io.BytesIO(png), width=Mm(150)) if p.runs else (
                        p.add_run().add_picture(io.BytesIO(png), width=Mm(150))
                    )
                return

    title = f"{pick(TITLE, lang)} {data['client']['name']} {data['week']}"
    return render(
        "weekly",
        report_context(data, version=version, lang=lang),
        lang=lang,
        title=title,
        subject=pick(TITLE, lang),
        post=put_chart,
        custom_properties={
            "changeflow.kind": KIND,
            "changeflow.client": data["client"]["code"],
            "changeflow.week": data["week"],
            "changeflow.version": str(version),
        },
    )


def report_markdown(data: dict[str, Any], *, version: int, lang: str = "zh-CN") -> str:
    """A short markdown view for the Prefect UI (both languages in the headings); its
    tables are the report's own (``tables``)."""
    from changeflow.docs_templates import weekly_tables as tables
    from changeflow.mdtext import md

    ctx = report_context(data, version=version, lang=lang)
    lines = [
        f"# 项目周报 Weekly report · {md(data['client']['name'])} · {data['week']}"
        f" {ctx['version_text']}",
        f"- 统计期间 Period: {ctx['period']}",
        f"- 报告时间 Report due: {ctx['report_day']}",
        f"- 工作日 Working days: {ctx['working_days']}; 休息日 Days off: {md(ctx['days_off'])}",
        f"- 提交 Commits: {ctx['commits']}; 工时 Hours: {ctx['hours']}"
        f" ({ctx['person_days']} 人日 person-days); 人员 People: {ctx['n_people']}",
        "",
        *tables.PROGRESS.markdown(ctx["requests"], lang),
    ]
    if ctx["risks"]:
        lines += ["", "## 风险 Risks", *[f"- {md(x)}" for x in ctx["risks"]]]
    if ctx["next_items"]:
        lines += [
            "",
            f"## 下周计划 Next week: {ctx['next_week']}",
            *tables.NEXT.markdown(ctx["next_items"], lang),
        ]
    return "\n".join(lines)
