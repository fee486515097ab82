"""What people read in a report, in Chinese and in English: one table, keyed by language then by name.

Machine values (statuses, levels, JSON keys, CSV column names) stay English in every language; only the words
a person reads are translated; the probe's reasons (stored in English) are translated by pattern for zh.
"""

import re
from enum import StrEnum


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "政务外网部门连通情况报告",
        "run": "探测批次",
        "previous": "上一批次",
        "none": "无",
        "generated": "生成时间",
        "history_since": "历史统计起点",
        "vantages": "探测观测点",
        "summary": "总体情况",
        "status_counts": "状态分布",
        "readiness": "双栈就绪率",
        "readiness_note": "就绪率（已探测）= 双栈部门数 ÷ 本批次已探测数；就绪率（清单）= 双栈部门数 ÷ 清单内部门数",
        "trend": "双栈就绪率趋势",
        "compliance": "设备配置合规（对照规划意图）",
        "compliance_note": "每次检查取各设备最近一次记录的配置，逐项对照规划渲染的意图；"
                           "合规率 = 合规设备数 ÷ 已检查设备数",
        "judgement": "检查", "trigger": "时机", "devices": "设备", "compliant": "全部合规", "not_judged": "未能检查",
        "no_compliance": "尚无合规检查记录（extranet compliance，或推送每批后自动检查）",
        "changes": "与上一批次相比的变化",
        "no_changes": "无变化",
        "outages": "中断记录",
        "no_outages": "统计期内无中断",
        "departments": "各乡镇（街道）部门连通情况",
        "level": "层级",
        "dual_stack": "双栈",
        "probed": "已探测",
        "inventory": "清单内",
        "rate_probed": "就绪率（已探测）",
        "rate_inventory": "就绪率（清单）",
        "department": "部门",
        "site": "站点",
        "status": "状态",
        "ipv4": "IPv4",
        "ipv6": "IPv6",
        "v4_core": "IPv4 至核心 丢包/时延",
        "v6_core": "IPv6 至核心 丢包/时延",
        "services": "业务可达",
        "uplink": "上联端口",
        "reasons": "原因",
        "before": "变化前",
        "after": "变化后",
        "start": "开始",
        "end": "恢复",
        "ongoing": "仍在中断",
        "duration": "持续时长",
        "count": "数量",
        "time": "时间",
        "rate": "就绪率",
        "no_data": "暂无数据",
        "run_status.ok": "正常完成",
        "run_status.problems": "完成，发现问题",
        "not_in_inventory": "不在清单中的部门",
        "change.changed": "状态变化",
        "change.new": "新探测",
        "change.removed": "本批次未探测",
        "status.dual-stack": "双栈正常",
        "status.ipv4-only": "仅IPv4",
        "status.ipv6-only": "仅IPv6",
        "status.degraded": "质量下降",
        "status.down": "中断",
        "status.unknown": "未知",
        "status.not-probed": "未探测",
        "family.ok": "正常",
        "family.degraded": "质量下降",
        "family.down": "中断",
        "family.unknown": "未知",
        "family.absent": "未开通",
        "level.province": "省级",
        "level.city": "市级",
        "level.county": "县级",
        "level.township": "乡镇级",
        "level.village": "村级",
        "level.all": "合计",
        "unit.day": "天",
        "unit.hour": "小时",
        "unit.minute": "分钟",
    },
    "en": {
        "title": "Extranet connections report",
        "run": "Probe run",
        "previous": "Previous run",
        "none": "none",
        "generated": "Generated",
        "history_since": "History since",
        "vantages": "Vantages",
        "summary": "Summary",
        "status_counts": "Departments by status",
        "readiness": "Dual-stack readiness",
        "readiness_note": "rate (probed) = dual-stack ÷ probed in this run; rate (inventory) = ÷ all in the inventory",
        "trend": "Dual-stack readiness over time",
        "compliance": "Device configs against the intent",
        "compliance_note": "Each judgement takes every device's last recorded config against the intent the plan "
                           "renders, feature by feature; a rate = compliant devices ÷ devices judged",
        "judgement": "Judgement", "trigger": "When", "devices": "Devices", "compliant": "Compliant",
        "not_judged": "Not judged",
        "no_compliance": "no compliance judgement yet (extranet compliance, or a rollout after each wave)",
        "changes": "Changes since the previous run",
        "no_changes": "no changes",
        "outages": "Outages",
        "no_outages": "no outage in this period",
        "departments": "Departments by township",
        "level": "Level",
        "dual_stack": "Dual-stack",
        "probed": "Probed",
        "inventory": "Inventory",
        "rate_probed": "Rate (probed)",
        "rate_inventory": "Rate (inventory)",
        "department": "Department",
        "site": "Site",
        "status": "Status",
        "ipv4": "IPv4",
        "ipv6": "IPv6",
        "v4_core": "IPv4 to core loss/RTT",
        "v6_core": "IPv6 to core loss/RTT",
        "services": "Services up",
        "uplink": "Uplink",
        "reasons": "Reasons",
        "before": "Before",
        "after": "After",
        "start": "Down from",
        "end": "Up again",
        "ongoing": "ongoing",
        "duration": "Duration",
        "count": "Count",
        "time": "Time",
        "rate": "Rate",
        "no_data": "no data yet",
        "run_status.ok": "ok",
        "run_status.problems": "finished with problems",
        "not_in_inventory": "Departments not in the inventory",
        "change.changed": "changed",
        "change.new": "newly probed",
        "change.removed": "not probed this run",
        "status.dual-stack": "dual-stack",
        "status.ipv4-only": "IPv4 only",
        "status.ipv6-only": "IPv6 only",
        "status.degraded": "degraded",
        "status.down": "down",
        "status.unknown": "unknown",
        "status.not-probed": "not probed",
        "family.ok": "ok",
        "family.degraded": "degraded",
        "family.down": "down",
        "family.unknown": "unknown",
        "family.absent": "absent",
        "level.province": "province",
        "level.city": "city",
        "level.county": "county",
        "level.township": "township",
        "level.village": "village",
        "level.all": "total",
        "unit.day": "d",
        "unit.hour": "h",
        "unit.minute": "min",
    },
}


def label(lang: str, key: str) -> str:
    """The words for ``key``; a value the table does not know (a new status) is shown as it is.

    >>> label("zh", "status.down"), label("en", "status.down"), label("zh", "status.rebooting")
    ('中断', 'down', 'rebooting')
    """
    return LABELS[lang].get(key, key.rpartition(".")[2])



def judged_when(lang: str, after_run: int | None, wave: int | None) -> str:
    """What set a compliance judgement off, in the reader's words.

    >>> judged_when("zh", 3, 2), judged_when("en", None, None)
    ('第3次推送第2批后', 'by hand')
    """
    if after_run is None:
        return label(lang, "compliance.manual")
    return label(lang, "compliance.after").format(run=after_run, wave=wave)

# The probe's reasons (English, as stored) in Chinese for the zh report: whole-reason patterns, and the probe's
# failure words inside them. A reason no pattern knows is shown as it is.
ERROR_WORDS_ZH = {
    "network unreachable": "网络不可达", "no route": "无路由", "timeout": "超时", "refused": "拒绝连接",
    "prohibited": "被禁止", "ttl exceeded": "TTL 超时", "permission denied": "权限不足",
    "authentication failed": "认证失败", "no such interface": "无此接口", "nxdomain": "域名不存在",
    "no answer": "无此类型记录", "servfail": "解析服务器失败", "port unreachable": "端口不可达", "reset": "连接被重置",
}  # fmt: skip
TARGETS_ZH = {"gateway": "网关", "core": "核心"}
REASONS_ZH: tuple[tuple[str, str], ...] = (
    (r"^(IPv[46]): (\w+) (\S+): no reply \((.+)\)$", "{0}：{t1} {2} 无应答（{e3}）"),
    (r"^(IPv[46]): (\w+) (\S+): probe failed \((.+)\)$", "{0}：{t1} {2} 探测未能执行（{e3}）"),
    (r"^(IPv[46]): (\w+) (\S+): loss (\S+) over threshold (\S+)$", "{0}：{t1} {2} 丢包 {3}，超过阈值 {4}"),
    (r"^(IPv[46]): (\w+) (\S+): RTT (.+) over threshold (.+)$", "{0}：{t1} {2} 时延 {3}，超过阈值 {4}"),
    (r"^(IPv[46]): (TCP|DNS) (.+) (\S+): (.+)$", "{0}：{1} {2} {3} 不可达（{e4}）"),
    (r"^(IPv[46]): no IPv[46] gateway address in the inventory or the plan$", "{0}：清单和地址规划中没有网关地址"),
    (r"^SNMP (.+): uplink oper status (\S+)$", "SNMP {0}：上联端口状态 {1}"),
    (r"^SNMP (.+): (.+)$", "SNMP {0}：{e1}"),
    (r"^not connected to the extranet yet \(to connect by (\S+)\)$", "尚未接入政务外网（应于 {0} 前接入）"),
    (r"^not connected to the extranet yet$", "尚未接入政务外网"),
    (r"^no declared services .*$", "未申报业务系统：未做 TCP 探测"),
    (r"^no namespace in the lab to probe (\S+) from .*$", "实验环境中没有 {0} 的探测位置"),
    (r"^(IPv[46]): (\w+) from vantage (\S+), (\w+) from (.+): a path problem, not the department$",
     "{0}：从观测点 {2} 看{f1}，从 {4} 看{f3}：属路径问题，非部门故障"),
)


def reason(lang: str, text: str) -> str:
    """A probe reason for people: in Chinese for ``zh`` where its pattern is known, else as stored.

    >>> reason("zh", "IPv6: gateway 2001:db8::1: no reply (network unreachable)")
    'IPv6：网关 2001:db8::1 无应答（网络不可达）'
    >>> reason("zh", "SNMP yl-agg-01 Gi1/0/11: authentication failed"), reason("en", "IPv4: core 198.18.1.1: x")
    ('SNMP yl-agg-01 Gi1/0/11：认证失败', 'IPv4: core 198.18.1.1: x')
    >>> reason("zh", "IPv4: down from vantage b, ok from a: a path problem, not the department")
    'IPv4：从观测点 b 看中断，从 a 看正常：属路径问题，非部门故障'
    """
    if lang != Lang.ZH:
        return text
    for pattern, template in REASONS_ZH:
        found = re.match(pattern, text)
        if found:
            groups = found.groups()
            fields = {f"t{i}": TARGETS_ZH.get(g, g) for i, g in enumerate(groups)}
            fields |= {f"e{i}": ERROR_WORDS_ZH.get(g, g) for i, g in enumerate(groups)}
            fields |= {f"f{i}": LABELS["zh"].get(f"family.{g}", g) for i, g in enumerate(groups)}
            return template.format(*groups, **fields)
    return text


# The monthly supervision report (report.progress): its sections, columns and words, in both languages.
PROGRESS_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "progress.title": "政务外网迁移工作督查月报",
        "progress.month": "{year}年{month}月",
        "progress.partial": "（本月尚未结束，统计至 {day}）",
        "section.summary": "汇总", "section.levels": "层级", "section.kinds": "迁移",
        "section.kind_states": "迁移状态", "section.departments": "部门", "section.department_states": "部门状态",
        "section.overdue": "逾期", "section.violations": "违规", "section.trend": "趋势", "section.notes": "说明",
        "section.compliance": "配置合规", "section.checkpoint": "审计检查点",
        "title.compliance": "十、设备配置合规（对照规划意图）", "title.checkpoint": "十一、审计日志检查点",
        "title.summary": "一、总体情况", "title.levels": "二、各层级连通与双栈就绪",
        "title.kinds": "三、迁移事项进度（对照计划）", "title.kind_states": "四、迁移事项状态分布",
        "title.departments": "五、各部门进度与排名", "title.department_states": "六、各部门事项状态",
        "title.overdue": "七、逾期事项", "title.violations": "八、违规事项", "title.trend": "九、近三个月趋势",
        "title.notes": "十二、说明",
        "col.metric": "指标", "col.value": "数值", "col.level": "层级", "col.departments": "部门数",
        "col.probed": "已探测", "col.connected": "已接入", "col.dual_stack": "双栈", "col.rate": "双栈就绪率",
        "col.kind": "类别", "col.items": "事项", "col.done": "已完成", "col.share": "完成率",
        "col.due": "截至月末应完成", "col.due_done": "其中已完成", "col.overdue": "逾期",
        "col.rank": "排名", "col.dept_id": "部门编码", "col.department": "部门", "col.connection": "连通状态",
        "col.violations": "违规", "col.item": "事项", "col.disposition": "处置", "col.deadline": "截止日期",
        "col.days": "逾期天数", "col.violation": "违规类型", "col.detail": "说明", "col.note": "说明",
        "col.trend_done": "{month} 已完成", "col.trend_connection": "{month} 连通",
        "col.month": "月份", "col.judgement": "合规检查", "col.devices": "设备数", "col.compliant": "全部合规",
        "col.not_judged": "未能检查", "col.feature": "{feature} 合规率",
        "compliance.none": "截至月末无合规检查记录", "compliance.line": "#{id}（{at}，{trigger}）",
        "compliance.manual": "手工检查", "compliance.after": "第{run}次推送第{wave}批后",
        "checkpoint.none": "截至月末未签发审计检查点（extranet audit checkpoint）",
        "checkpoint.at": "签发时间", "checkpoint.operator": "签发人", "checkpoint.size": "覆盖事件数",
        "checkpoint.root": "Merkle 树根（base64）", "checkpoint.key": "签名密钥", "checkpoint.written_to": "保存位置",
        "checkpoint.note": "签名检查点全文",
        "metric.region": "地区", "metric.month": "月份", "metric.period": "统计期（UTC+8）",
        "metric.run": "探测批次", "metric.departments": "部门总数", "metric.connected": "已接入部门",
        "metric.dual_stack": "双栈部门", "metric.rate": "双栈就绪率", "metric.items": "迁移事项",
        "metric.done": "已完成事项", "metric.due": "截至月末应完成", "metric.due_done": "其中已完成",
        "metric.overdue": "逾期事项", "metric.violations": "违规事项",
        "run.line": "#{id}（{finished} 完成）", "run.none": "本月无完成的全量探测",
        "kind.network": "业务专网", "kind.system": "信息系统", "kind.exit": "自建互联网出口",
        "kind.connection": "部门接入", "kind.all": "合计",
        "state.planned": "规划中", "state.scheduled": "已排期", "state.in-progress": "实施中",
        "state.cut-over": "已割接", "state.verified": "已验证", "state.closed": "已到位", "state.retired": "已关停",
        "state.exempted": "已豁免",
        "disposition.internal": "迁入电子政务内网", "disposition.cloud": "迁移上云",
        "disposition.extranet-public": "并入外网公用区", "disposition.extranet-vpn": "并入外网专用区",
        "disposition.retire": "清理关停", "disposition.merge": "整合", "disposition.withdraw": "撤销自建出口",
        "disposition.connect": "接入外网", "disposition.exempt": "豁免", "disposition.keep": "保持",
        "violation.classified-placement": "涉密系统或网络不在电子政务内网",
        "violation.exit-not-withdrawn": "自建互联网出口逾期未撤销",
        "violation.zombie-not-retired": "僵尸系统逾期未关停", "violation.not-on-cloud": "非涉密系统逾期未上云",
        "progress.summary_connection": "截至{day}，{region}清单内{departments}个部门中，已接入政务外网{connected}个，"
                                       "双栈就绪{dual_stack}个，双栈就绪率{rate}。",
        "progress.summary_items": "迁移事项共{items}项，已完成{done}项；按计划截至月末应完成{due}项，其中已完成"
                                  "{due_done}项；逾期{overdue}项，违规{violations}项。",
        "progress.empty": "无",
        "note.period": "统计期：{start} 至 {end}（北京时间 UTC+8）；本月尚未结束时统计至当日。",
        "note.connection": "连通情况取本月内最后一次完成的全量探测批次；本月无批次的部门记为“未探测”；"
                           "已接入指至少一种地址族可达。",
        "note.items": "事项状态取月末前记录的状态变更（track 记录）；逾期按本月最后一天判断。",
        "note.violations": "违规：涉密系统或网络不在电子政务内网；自建互联网出口、僵尸系统、非涉密系统上云"
                           "逾期未完成。每个事项只计一项违规，涉密部署优先。",
        "note.rank": "排名：先按完成率（已验证、已到位、已关停、已豁免事项 ÷ 全部事项）从高到低，再按逾期事项"
                     "少者在前，再按连通状态（双栈最优，未探测最后），最后按部门编码。",
        "note.rate": "双栈就绪率 = 双栈部门数 ÷ 清单内部门数。",
        "note.source": "本报告仅根据清单（inventory/）和数据库记录生成，同一月份重复生成结果相同。",
    },
    "en": {
        "progress.title": "Extranet migration supervision report",
        "progress.month": "{year}-{month:02d}",
        "progress.partial": " (month not over: figures up to {day})",
        "section.summary": "Summary", "section.levels": "Levels", "section.kinds": "Migrations",
        "section.kind_states": "Migration states", "section.departments": "Departments",
        "section.department_states": "Department states", "section.overdue": "Overdue",
        "section.violations": "Violations", "section.trend": "Trend", "section.notes": "Notes",
        "section.compliance": "Compliance", "section.checkpoint": "Audit checkpoint",
        "title.compliance": "10. Device configs against the intent", "title.checkpoint": "11. Audit log checkpoint",
        "title.summary": "1. Summary", "title.levels": "2. Connection and dual-stack readiness by level",
        "title.kinds": "3. Migrations against the plan", "title.kind_states": "4. Migrations by state",
        "title.departments": "5. Departments by rank", "title.department_states": "6. Departments' items by state",
        "title.overdue": "7. Overdue items", "title.violations": "8. Violations",
        "title.trend": "9. Trend over three months", "title.notes": "12. Notes",
        "col.metric": "Figure", "col.value": "Value", "col.level": "Level", "col.departments": "Departments",
        "col.probed": "Probed", "col.connected": "Connected", "col.dual_stack": "Dual-stack",
        "col.rate": "Readiness", "col.kind": "Kind", "col.items": "Items", "col.done": "Done",
        "col.share": "Done share", "col.due": "Due by month end", "col.due_done": "Due and done",
        "col.overdue": "Overdue", "col.rank": "Rank", "col.dept_id": "Id", "col.department": "Department",
        "col.connection": "Connection", "col.violations": "Violations", "col.item": "Item",
        "col.disposition": "Disposition", "col.deadline": "Deadline", "col.days": "Days overdue",
        "col.violation": "Violation", "col.detail": "Detail", "col.note": "Note",
        "col.trend_done": "{month} done", "col.trend_connection": "{month} connection",
        "col.month": "Month", "col.judgement": "Judgement", "col.devices": "Devices",
        "col.compliant": "Compliant in every feature", "col.not_judged": "Not judged",
        "col.feature": "{feature} compliant",
        "compliance.none": "no compliance judgement recorded by the month's end",
        "compliance.line": "#{id} ({at}, {trigger})", "compliance.manual": "by hand",
        "compliance.after": "after rollout #{run} wave {wave}",
        "checkpoint.none": "no audit checkpoint given out by the month's end (extranet audit checkpoint)",
        "checkpoint.at": "Signed at", "checkpoint.operator": "Signed by", "checkpoint.size": "Events covered",
        "checkpoint.root": "Merkle tree head (base64)", "checkpoint.key": "Signing key",
        "checkpoint.written_to": "Kept at", "checkpoint.note": "The signed checkpoint",
        "metric.region": "Region", "metric.month": "Month", "metric.period": "Period (UTC+8)",
        "metric.run": "Probe run", "metric.departments": "Departments", "metric.connected": "Connected",
        "metric.dual_stack": "Dual-stack", "metric.rate": "Dual-stack readiness", "metric.items": "Items",
        "metric.done": "Done", "metric.due": "Due by month end", "metric.due_done": "Due and done",
        "metric.overdue": "Overdue", "metric.violations": "Violations",
        "run.line": "#{id} (finished {finished})", "run.none": "no full probe run finished this month",
        "kind.network": "private networks", "kind.system": "systems", "kind.exit": "own Internet exits",
        "kind.connection": "connections", "kind.all": "total",
        "state.planned": "planned", "state.scheduled": "scheduled", "state.in-progress": "in progress",
        "state.cut-over": "cut over", "state.verified": "verified", "state.closed": "closed",
        "state.retired": "retired", "state.exempted": "exempted",
        "disposition.internal": "to the internal network", "disposition.cloud": "to the cloud",
        "disposition.extranet-public": "to the extranet (public)", "disposition.extranet-vpn": "to the extranet (VPN)",
        "disposition.retire": "retire", "disposition.merge": "merge", "disposition.withdraw": "withdraw the exit",
        "disposition.connect": "connect", "disposition.exempt": "exempt", "disposition.keep": "keep",
        "violation.classified-placement": "classified system or network outside the internal network",
        "violation.exit-not-withdrawn": "own Internet exit not withdrawn by its deadline",
        "violation.zombie-not-retired": "zombie system not retired by its deadline",
        "violation.not-on-cloud": "unclassified system not on the cloud by its deadline",
        "progress.summary_connection": "On {day}, of the {departments} departments of {region} in the inventory, "
                                       "{connected} are connected to the extranet and {dual_stack} dual-stack "
                                       "(readiness {rate}).",
        "progress.summary_items": "{done} of {items} migration items are done; {due} were due by the month's end, "
                                  "{due_done} of them done; {overdue} are overdue and {violations} violations.",
        "progress.empty": "none",
        "note.period": "Period: {start} to {end} (UTC+8); a month not over is counted up to today.",
        "note.connection": "Connection: the last full probe run finished within the month; a department without "
                           "one is 'not probed'; connected means reachable over at least one address family.",
        "note.items": "Item states: the changes recorded (track) before the month's end; overdue is judged on the "
                      "month's last day.",
        "note.violations": "Violations: a classified system or network outside the internal network; an own "
                           "Internet exit, a zombie, an unclassified system's move to the cloud past its deadline. "
                           "One violation per item, the classified placement first.",
        "note.rank": "Rank: by share of items done (verified, closed, retired, exempted ÷ all its items), highest "
                     "first; then fewer overdue items; then connection (dual-stack best, not probed last); then id.",
        "note.rate": "Readiness = dual-stack departments ÷ departments in the inventory.",
        "note.source": "Made only from the inventory (inventory/) and the database: the same month gives the same "
                       "report.",
    },
}  # fmt: skip
for _lang, _words in PROGRESS_LABELS.items():
    LABELS[_lang].update(_words)
