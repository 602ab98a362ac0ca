"""The emergency measures for each fault class the contract names (服务器崩溃, 数据库损坏,
邮件服务器故障): when it applies, the steps in order, which systems it concerns and the
severity its fault takes (so its target times are the contract's response rules)."""

from __future__ import annotations

from typing import Any

from changeflow.bilingual import CLOCK_KINDS, EMERGENCY_CLASSES, SEVERITIES, Pair, is_zh, pick

# class -> (severity, the system kinds it concerns, when (zh, en), steps [(zh, en)])
MEASURES: dict[str, tuple[str, tuple[str, ...], Pair, list[Pair]]] = {
    "server-crash": ("crash", ("application",), (
        "OA 应用服务器宕机、无法访问或反复重启",
        "the OA server is down, unreachable or keeps restarting"),
        [("值班工程师接报（或巡检、监控发现）后立即回复甲方并登记故障，开始计时。",
          "The duty engineer answers the client at once on a report (or a check finding it)"
          " and records the fault: its clocks start."),
         ("远程确认服务器和应用服务状态，查看系统日志和应用日志，判断是硬件、操作系统还是应用故障。",
          "Check the server and the application remotely, read the system and application"
          " logs: hardware, operating system or application?"),
         ("能远程恢复的，重启应用服务并验证登录和主要功能；不能远程恢复的，工程师到现场处理。",
          "If it can be fixed remotely, restart the service and try sign-in and the main"
          " functions; otherwise the engineer goes on site."),
         ("硬件损坏时由甲方信息管理员联系厂商维修，同时在备用服务器上按最近的备份恢复系统。",
          "If hardware failed, the client's IT administrator calls the vendor while we restore"
          " the system from the newest backup on a spare server."),
         ("恢复后请甲方确认，填写故障处理记录（原因、处理过程、预防措施）。",
          "Once it works the client confirms; the fault record is written (cause, what was"
          " done, prevention).")]),
    "database-damage": ("crash", ("database",), (
        "数据库无法启动、数据文件或索引损坏、数据不一致", "the database will not start, data files"
        " or indexes are damaged, data is inconsistent"),
        [("暂停 OA 应用服务，停止写入，防止损坏扩大，并通知甲方用户。",
          "Stop the OA service so nothing more is written, and tell the client's users."),
         ("检查数据库日志，确定损坏范围（数据文件、索引、表）。",
          "Read the database logs and find what is damaged (files, indexes, tables)."),
         ("能修复的用数据库自带工具修复并校验；不能修复的从最近一次验证过的备份恢复，再补回备份后的数据。",
          "Repair with the database's own tools and verify; if that fails, restore the newest"
          " verified backup and bring back what was entered after it."),
         ("核对数据完整性（记录数、关键业务数据抽查）后再开放 OA 服务。",
          "Check the data is complete (row counts, key records) before opening the OA again."),
         ("填写故障处理记录，分析原因并提出预防措施（如增加备份频次）。",
          "Write the fault record with the cause and the prevention (e.g. more frequent"
          " backups).")]),
    "mail-fault": ("non_crash", ("mail",), (
        "邮件收发失败、邮件积压、客户端无法连接", "mail is not sent or received, queues build up,"
        " clients cannot connect"),
        [("确认故障范围：收信、发信还是全部；检查邮件服务和端口是否应答。",
          "Find what fails: receiving, sending or both; check the mail service and its ports"
          " answer."),
         ("检查邮件队列、磁盘空间和证书有效期，清理积压或损坏的队列。",
          "Check the mail queue, disk space and certificate; clear stuck or damaged queues."),
         ("检查域名解析中的邮件交换记录，以及外发邮件是否被对方拒收。",
          "Check the DNS (MX) records and whether outgoing mail is refused by others."),
         ("重启邮件服务并发送测试邮件验证收发；必要时从备份恢复邮件配置。",
          "Restart the mail service and send test mail both ways; restore the configuration"
          " from backup if needed."),
         ("通知甲方恢复情况，填写故障处理记录。",
          "Tell the client it is back and write the fault record.")]),
}  # fmt: skip


def _duration(minutes: int, lang: str) -> str:
    from changeflow.wording import qty

    if minutes % 60 == 0:
        h = minutes // 60
        return qty(h, "小时") if is_zh(lang) else qty(h, f"hour{'s' if h != 1 else ''}")
    return qty(minutes, "分钟") if is_zh(lang) else qty(minutes, "minutes")


def target_line(policy: Any, severity: str, lang: str) -> str:
    """The contract's response rule for ``severity`` in words."""
    rule = policy.rule(severity)
    r, o = rule.response, rule.onsite
    sev = pick(SEVERITIES[severity], lang)
    if is_zh(lang):
        return (
            f"按“{sev}”：{_duration(r.minutes, lang)}内响应（{pick(CLOCK_KINDS[r.clock], lang)}），"
            f"{_duration(o.minutes, lang)}内到场（{pick(CLOCK_KINDS[o.clock], lang)}）"
        )
    return (f"as a {sev}: response within {_duration(r.minutes, lang)}"
            f" ({pick(CLOCK_KINDS[r.clock], lang)}), on site within"
            f" {_duration(o.minutes, lang)} ({pick(CLOCK_KINDS[o.clock], lang)})")  # fmt: skip


def measures(policy: Any, who: str, lang: str) -> list[dict[str, Any]]:
    """Each fault class with its steps, who acts and the target times."""
    out = []
    for i, (cls, (severity, _kinds, when, steps)) in enumerate(MEASURES.items(), 1):
        title = pick(EMERGENCY_CLASSES[cls], lang)
        out.append({
            "title": f"（{'一二三四五'[i - 1]}）{title}" if is_zh(lang) else f"5.{i} {title}",
            "when": pick(when, lang),
            "who": who,
            "target": target_line(policy, severity, lang),
            "steps": [pick(s, lang) for s in steps],
        })  # fmt: skip
    return out
