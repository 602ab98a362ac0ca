"""The document: the burn-up chart (matplotlib), the data as the template shows it, the Word
report (wordkit) and a short markdown view; with the formatting helpers they share."""

from __future__ import annotations

import contextlib
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from changeflow.bilingual import REQUEST_STATES, is_zh
from changeflow.bilingual import pick as _pick  # the kit's pick; renamed after #28's merges

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
        label=_pick(("计划（累计人日）", "Planned (cumulative person-days)"), lang),
    )
    pts = [(x, y) for x, y in zip(xs, ch["actual"], strict=True) if y is not None]
    if pts:
        ax.plot(
            [p[0] for p in pts],
            [p[1] for p in pts],
            color="#d62728",
            linewidth=1.8,
            label=_pick(("实际（累计人日）", "Actual (cumulative person-days)"), lang),
        )
    from datetime import timedelta

    from matplotlib.dates import AutoDateLocator, DateFormatter

    for d in ch.get("off", []):  # days off, shaded: the planned line is flat over them
        ax.axvspan(d - timedelta(hours=12), d + timedelta(hours=12), color="#eeeeee", lw=0)
    ref = ch["ref_day"]
    ax.axvline(ref, color="#555555", linestyle="--", linewidth=0.9)
    top = max([v for v in ch["planned"] if v is not None] + [1.0])
    ax.annotate(
        _pick(("统计截至 ", "as of "), lang) + ref.strftime("%m-%d"),
        xy=(ref, top),
        xytext=(3, -2),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=8,
        color="#333333",
        fontfamily=family,
    )
    ax.set_ylabel(_pick(("人日", "person-days"), lang), fontfamily=family)
    ax.set_title(
        _pick(
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


def _fmt_date(d: date | None, lang: str) -> str:
    if d is None:
        return "-"
    return d.isoformat()


def _state(s: str | None, lang: str) -> str:
    if not s:
        return "-"
    return _pick(STATE_LABELS.get(s, (s, s)), lang)


def _shown(data: dict[str, Any], lang: str) -> Any:
    """A person as the client reads them: the contract's people by name, the system as 系统,
    any other git identity or login as 乙方 (``tasks.documents``)."""
    known = {n.casefold(): n for n in data.get("known_people", [])}
    return lambda who: actor_shown(who, lang, known)


def report_context(data: dict[str, Any], *, version: int, lang: str) -> dict[str, Any]:
    """The data as the template shows it: every value already formatted text."""
    wk = WEEKDAYS[lang]
    zh = is_zh(lang)
    shown = _shown(data, lang)
    days = []
    rows = []
    for d in data["days"]:
        label = f"{d['date'].isoformat()} {wk[d['weekday'] - 1]}"
        reason = d["reason_zh"] if zh else d["reason"]
        if d["report_day"]:
            reason += "（报告日）" if zh else " (report day)"
        if d["future"]:
            reason += "（尚未到来）" if zh else " (still to come)"
        days.append(
            {
                "date": label,
                "working": _pick(("是", "yes"), lang)
                if d["working"]
                else _pick(("否", "no"), lang),
                "reason": reason,
                "run_log": {True: "✓", False: _pick(("未填写", "missing"), lang), None: ""}[
                    d["run_log"]
                ]
                if not d["future"] or d["run_log"]
                else _pick(("未到", "to come"), lang),
            }
        )
        if not d["requests"] and d["working"]:
            rows.append(
                {
                    "date": label,
                    "key": "-",
                    "commits": _pick(("尚未到来", "still to come"), lang)
                    if d["future"]
                    else _pick(("无记录", "nothing recorded"), lang),
                    "hours": "-",
                    "changes": "",
                    "docs": "",
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
                f"{e['at']} {_state(e['from'], lang)} → {_state(e['to'], lang)}"
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
                    "commits": "\n".join(commits),  # one paragraph, line breaks: fast to render
                    "hours": _num(r["hours"]) if r["hours"] else "-",
                    "changes": "\n".join(changes),
                    "docs": "\n".join(docs),
                }
            )
    reqs = []
    milestones = []
    # milestones worth a line: due from the period start to the end of next week, done in
    # the period, or late (the full list is in the data and the plan)
    lo, hi = data["period_start"], data["next_week"]["end"]
    for r in data["requests"]:
        reqs.append(
            {
                "key": r["key"],
                "title": r["title"],
                "state": _state(r["state"], lang),
                "planned": _num(r["planned_person_days"]),
                "planned_to_date": _num(r["planned_to_date"]),
                "done": _num(r["done_person_days"]),
                "pct": f"{r['progress_pct']}%" if r["progress_pct"] is not None else "-",
                "slip": (
                    _pick(("已关闭", "closed"), lang)
                    if r.get("closed")
                    else str(r["slip_working_days"])
                    if r["planned_person_days"] is not None
                    else "-"
                ),
                "people": "\n".join(
                    f"{shown(p['name'])} {p['days']}天/{_num(p['hours'])}小时"
                    if zh
                    else f"{shown(p['name'])} {p['days']}d/{_num(p['hours'])}h"
                    for p in r["people"]
                ),
            }
        )
        for m in r["milestones"]:
            if not (
                m["status"] == "late"
                or lo <= m["day"] <= hi
                or (m["done_on"] is not None and lo <= m["done_on"] <= data["period_end"])
            ):
                continue
            status = {
                "done": ("已完成", "done"),
                "late": ("已延误", "late"),
                "open": ("进行中", "open"),
                "closed": ("已关闭", "closed"),
            }[m["status"]]
            milestones.append(
                {
                    "key": r["key"],
                    "name": m["name"]
                    or _pick(PHASE_LABELS.get(m["phase"], (m["phase"],) * 2), lang),
                    "day": m["day"].isoformat() + ("*" if m["provisional"] else ""),
                    "done_on": _fmt_date(m["done_on"], lang) if m["done_on"] else "-",
                    "slip": "-" if m["status"] == "closed" else str(m["slip_working_days"]),
                    "status": _pick(status, lang),
                }
            )
    risks = [_risk_text(x, lang) for x in data["risks"]]
    nxt = [
        {
            "key": x["key"],
            "title": x["title"] or _pick(PHASE_LABELS.get(x["phase"], (x["phase"],) * 2), lang),
            "phase": _pick(PHASE_LABELS.get(x["phase"], (x["phase"],) * 2), lang),
            "who": x["who"] or "-",
            "start": x["start"].isoformat(),
            "end": x["end"].isoformat() + ("*" if x["provisional"] else ""),
            "person_days": _num(x["person_days"]),
        }
        for x in data["next_week"]["items"]
    ]
    t = data["totals"]
    off = "、".join if zh else "; ".join
    days_off = off(
        f"{d['date'].isoformat()} {d['reason_zh'] if zh else d['reason']}" for d in data["days_off"]
    )
    return {
        "client": data["client"]["name"],
        "contract": (
            f"{data['contract']['code']} {data['contract']['title']}" if data["contract"] else "-"
        ),
        "week": data["week"],
        "week_start": data["week_start"].isoformat(),
        "week_end": data["week_end"].isoformat(),
        "period_start": data["period_start"].isoformat(),
        "period_end": data["period_end"].isoformat(),
        "report_day": (
            f"{data['due_at']:%Y-%m-%d %H:%M}"
            if data["due_at"]
            else _pick(("本周无工作日，无需报告", "no working day this week: no report due"), lang)
        ),
        "generated": f"{data['generated_at']:%Y-%m-%d %H:%M}",
        "as_of": data["as_of"].isoformat(),
        "days_to_come": data.get("days_to_come", 0),
        "version": version,
        "our_lead": (data["our_lead"] or {}).get("name", "-"),
        "client_lead": (data["client_lead"] or {}).get("name", "-"),
        "working_days": data["working_days"],
        "days_off": days_off or _pick(("无", "none"), lang),
        "n_requests": t["requests"],
        "commits": t["commits"],
        "hours": _num(t["hours"]),
        "person_days": _num(t["person_days"]),
        "n_people": t["people"],
        "empty": data["empty"],
        "days": days,
        "rows": rows,
        "requests": reqs,
        "milestones": milestones,
        "people": [
            {
                "name": shown(p["name"]),
                "days": str(p["days"]),
                "hours": _num(p["hours"]),
                "commits": str(p["commits"]),
                "requests": ", ".join(p["requests"]),
            }
            for p in data["people"]
        ],
        "risks": risks,
        "next_week": data["next_week"]["week"],
        "next_start": data["next_week"]["start"].isoformat(),
        "next_end": data["next_week"]["end"].isoformat(),
        "next_items": nxt,
        "has_chart": bool(data.get("chart")),
        "chart": CHART_MARKER,
        "provisional": data["provisional"],
        "provisional_note": CLIENT_PROVISIONAL_NOTE[lang],
        "hours_per_day": _num(data["hours_per_day"]),
    }


def _risk_text(x: dict[str, Any], lang: str) -> str:
    zh = is_zh(lang)
    if x["kind"] == "late_milestone":
        name = x["name"] or _pick(PHASE_LABELS.get(x["phase"], (x["phase"],) * 2), lang)
        return (
            f"{x['key']}：里程碑“{name}”（{x['day']}）已延误 {x['slip_working_days']} 个工作日"
            if zh
            else f"{x['key']}: milestone '{name}' ({x['day']}) is {x['slip_working_days']}"
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
        clock = _pick(names.get(x["clock"], (x["clock"], x["clock"])), lang)
        title = f"（{x['title']}）" if zh and x.get("title") else ""
        if not zh and x.get("title"):
            title = f" ({x['title']})"
        cause = x.get("cause") or ""
        if zh:
            return f"{x['key']}{title}：{clock}时限 {x['due']:%Y-%m-%d %H:%M} 已超时" + (
                f"，原因：{cause}" if cause else ""
            )
        return f"{x['key']}{title}: {clock} time limit {x['due']:%Y-%m-%d %H:%M} breached" + (
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

    title = f"{_pick(TITLE, lang)} {data['client']['name']} {data['week']}"
    return render(
        "weekly",
        report_context(data, version=version, lang=lang),
        lang=lang,
        title=title,
        subject=_pick(TITLE, lang),
        post=put_chart,
        custom_properties={
            "changeflow.kind": KIND,
            "changeflow.client": data["client"]["code"],
            "changeflow.week": data["week"],
            "changeflow.version": str(version),
        },
    )


def report_markdown(data: dict[str, Any], *, version: int, lang: str = "zh-CN") -> str:
    """A short markdown view for the Prefect UI (both languages in the headings)."""
    from changeflow.mdtext import md

    ctx = report_context(data, version=version, lang=lang)
    lines = [
        f"# 项目周报 Weekly report · {md(data['client']['name'])} · {data['week']} v{version}",
        f"- 统计期间 Period: {ctx['period_start']} — {ctx['period_end']}",
        f"- 报告时间 Report due: {ctx['report_day']}",
        f"- 工作日 Working days: {ctx['working_days']}; 休息日 Days off: {md(ctx['days_off'])}",
        f"- 提交 Commits: {ctx['commits']}; 工时 Hours: {ctx['hours']}"
        f" ({ctx['person_days']} 人日 person-days); 人员 People: {ctx['n_people']}",
        "",
        "| 需求 Request | 阶段 Stage | 计划 Planned | 计划至今 To date | 完成 Done | 进度 % |"
        " 滞后 Slip (wd) |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {md(r['key'])} {md(r['title'])} | {md(r['state'])} | {r['planned']} |"
            f" {r['planned_to_date']} | {r['done']} | {r['pct']} | {r['slip']} |"
            for r in ctx["requests"]
        ],
    ]
    if ctx["risks"]:
        lines += ["", "## 风险 Risks", *[f"- {md(x)}" for x in ctx["risks"]]]
    if ctx["next_items"]:
        lines += [
            "",
            f"## 下周计划 Next week ({ctx['next_start']} — {ctx['next_end']})",
            *[
                f"- {md(x['key'])} {md(x['title'])} · {md(x['who'])} · {x['start']}–{x['end']}"
                for x in ctx["next_items"]
            ],
        ]
    return "\n".join(lines)
