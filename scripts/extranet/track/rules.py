"""The policy rules migration items are decided by: data, one entry per rule, each citing where it comes from.

``document``, ``clause`` and ``quote`` name the order as the reference texts print it (shared/reference/,
summarised in shared/notes/domain.md). None of the texts describes an exemption procedure beyond "除极少数特殊情况外",
so the exemption's fields (document number, approver, expiry) are this project's. ``severity`` says what a
breach is: ``violation`` (an order broken now: a classified system on the extranet), ``overdue`` (work past its
deadline counts against the department) or ``advice`` (a finding to act on).

``default_deadline`` is the date the cited clause itself sets, used when the inventory gives an item none
(``deadline`` of a private network or system, ``connect_by`` of a department); ``deadline_basis`` quotes that date
from the clause, or says that the clause sets none ("逐步": step by step) — then the item has no deadline and
waits in the unscheduled wave until the inventory gives it one. The county plan's dates (东丰, 2018) follow the
State Council's 国办发〔2017〕39号 (shared/reference/001: zombies cleared by 2017-10-31, systems moved onto the
internal network or the extranet by 2018-06-30); a region whose own plan sets later dates writes them into the
inventory.
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Rule:
    id: str
    title_zh: str
    title_en: str
    document: str  # issuer, title, number and date as the text prints them ("" for the project's own)
    clause: str  # the document's own numbering
    quote: str  # the order, quoted from shared/reference/
    severity: str  # violation, overdue, advice
    default_deadline: date | None = None  # the clause's own date, for items the inventory gives none
    deadline_basis: str = "the clause sets no date"


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            "classified-internal",
            "涉密系统和网络只上电子政务内网（涉密信息不上网）",
            "Classified systems and networks belong on the internal network, never on the extranet",
            "衡阳市人民政府办公室《关于促进电子政务协调发展和深化应用的实施意见》（2017-09-25）",
            "二、(一)4",
            "原则上,涉密业务信息系统部署在电子政务内网上,非涉密的业务信息系统部署在电子政务外网上",
            "violation",
            None,
            "the clause sets no date: 原则上 (in principle), effective at once",
        ),
        Rule(
            "cloud-first",
            "非涉密系统迁移上政务云（应上尽上）",
            "Unclassified systems move onto the government cloud",
            "衡阳市人民政府办公室《关于促进电子政务协调发展和深化应用的实施意见》（2017-09-25）",
            "二、(一)4",
            "政务部门的非涉密应用系统,要逐步迁移到电子政务云平台进行统一管理",
            "overdue",
            None,
            "the clause sets no date: 逐步迁移 (step by step)",
        ),
        Rule(
            "zombie-retire",
            "僵尸信息系统清理关停",
            "Zombie systems are found and shut down",
            "东丰县人民政府《东丰县加快推进政务信息系统整合共享工作方案》（2018-04-23）",
            "二、(二)",
            "系统使用与实际业务流程长期脱节、功能可被其他系统替代、所占用资源长期处于空闲状态、运行维护停止更新服务,以及使用范围小,频度低的“僵尸”信息系统",
            "overdue",
            date(2018, 5, 31),
            "2018年5月底前 … 完成 … “僵尸”信息系统的清理工作 (国办发〔2017〕39号: 2017年10月底前)",
        ),
        Rule(
            "section-merge",
            "以科室命名的系统整合为部门“大系统”",
            "Systems named after a section are merged into the department's system",
            "东丰县人民政府《东丰县加快推进政务信息系统整合共享工作方案》（2018-04-23）",
            "二、(四)",
            "以科室名义存在的独立信息系统原则上必须整合",
            "overdue",
            date(2018, 6, 30),
            "2018年6月底前 … 完成本单位的信息系统整合",
        ),
        Rule(
            "unified-exit",
            "撤销部门自建互联网出口，统一经政务外网互联网出口",
            "Departments' own Internet exits are withdrawn for the unified exit",
            "衡阳市人民政府办公室《关于促进电子政务协调发展和深化应用的实施意见》（2017-09-25）",
            "二、(一)4",
            "按照一级政府一个互联网核心出口的基本原则,逐步取消市直部门独立互联网出口,全部通过电子政务外网统一出口与互联网连接",
            "overdue",
            None,
            "the clause sets no date: 逐步取消 (withdrawn step by step)",
        ),
        Rule(
            "connect-all",
            "各部门、乡镇全部接入电子政务外网",
            "Every department and township is connected to the extranet",
            "东丰县人民政府《东丰县加快推进政务信息系统整合共享工作方案》（2018-04-23）",
            "二、(五)",
            "2018年10月底前,完成县政府各部门、各乡镇政府接入县级电子政务外网工作",
            "overdue",
            date(2018, 10, 31),
            "2018年10月底前,完成县政府各部门、各乡镇政府接入县级电子政务外网工作",
        ),
        Rule(
            "private-network-integrate",
            "部门业务专网向电子政务外网迁移整合（应迁尽迁）",
            "Departmental private networks are migrated onto the extranet",
            "东丰县人民政府《东丰县加快推进政务信息系统整合共享工作方案》（2018-04-23）",
            "二、(五)",
            "除极少数特殊情况外,目前政府各类业务专网都要向国家电子政务外网或内网整合。",
            "overdue",
            None,
            "the clause sets no date for 业务专网 (nor does 国办发〔2017〕39号)",
        ),
        Rule(
            "exemption",
            "经批准暂缓整合（须有批准文号和到期日）",
            "An approved exemption, with its document number and expiry date",
            "东丰县人民政府《东丰县加快推进政务信息系统整合共享工作方案》（2018-04-23）",
            "二、(五)",
            "除极少数特殊情况外",
            "advice",
            None,
            "the exemption's own expiry date",
        ),
        Rule(
            "in-place",
            "已在应在的位置",
            "Already where the orders put it",
            "",
            "",
            "",
            "advice",
            None,
            "nothing to do",
        ),
    )
}
