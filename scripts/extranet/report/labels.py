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
        "summary": "总体情况",
        "status_counts": "状态分布",
        "readiness": "双栈就绪率",
        "readiness_note": "就绪率（已探测）= 双栈部门数 ÷ 本批次已探测数；就绪率（清单）= 双栈部门数 ÷ 清单内部门数",
        "trend": "双栈就绪率趋势",
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
        "summary": "Summary",
        "status_counts": "Departments by status",
        "readiness": "Dual-stack readiness",
        "readiness_note": "rate (probed) = dual-stack ÷ probed in this run; rate (inventory) = ÷ all in the inventory",
        "trend": "Dual-stack readiness over time",
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
)


def reason(lang: str, text: str) -> str:
    """A probe reason for people: in Chinese for ``zh`` where its pattern is known, else as stored.

    >>> reason("zh", "IPv6: gateway 2001:db8::1: no reply (network unreachable)")
    'IPv6：网关 2001:db8::1 无应答（网络不可达）'
    >>> reason("zh", "SNMP yl-agg-01 Gi1/0/11: authentication failed"), reason("en", "IPv4: core 198.18.1.1: x")
    ('SNMP yl-agg-01 Gi1/0/11：认证失败', 'IPv4: core 198.18.1.1: x')
    """
    if lang != Lang.ZH:
        return text
    for pattern, template in REASONS_ZH:
        found = re.match(pattern, text)
        if found:
            groups = found.groups()
            fields = {f"t{i}": TARGETS_ZH.get(g, g) for i, g in enumerate(groups)}
            fields |= {f"e{i}": ERROR_WORDS_ZH.get(g, g) for i, g in enumerate(groups)}
            return template.format(*groups, **fields)
    return text
