"""Does this passage answer this question? Rules, not a model.

Retrieval always finds the *nearest* passage; near is not the same as
answering. A question about 失业保险金 lands on the passage about 就业补助资金,
one asking "how much" lands on the passage saying who sets the amount. So a
passage counts as the answer only when

* every programme, benefit, body or place the question names occurs in it
  (or in its document's title and heading), and a programme the documents
  never mention at all declines outright; and
* it carries the kind of thing the question asks for: an amount, a number, a
  period, a date, a place or channel, an organisation, a phone number.

No LLM or reranker is available offline (none of the packages we may install
carries one), so these rules are the judge; they are tuned on
``tests/eval/dialogue/tune_questions.jsonl`` and the development sets, and
reported on the held-out set (``assistant eval dialogue``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Need(StrEnum):
    AMOUNT = "amount"
    NUMBER = "number"
    COUNT = "count"
    PERIOD = "period"
    DATE = "date"
    PLACE = "place"
    LINK = "link"
    ORGANISATION = "organisation"
    PHONE = "phone"
    ARTICLE = "article"
    PENALTY = "penalty"
    SOURCE = "source"
    OTHER = "other"


def _any(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(words))


def _words(*lines: str) -> re.Pattern[str]:
    """Any of the space-separated words (or patterns) on ``lines``: word lists read as lists."""
    return _any(*(word for line in lines for word in line.split()))


# What the question asks for, most specific first. Each need has the words that
# ask for it, what a passage must contain to give it, and how a decline names it.
_ASKS: list[tuple[Need, re.Pattern[str]]] = [
    (Need.ARTICLE, _words("第几条 哪一?条法 哪一?条规定 哪部法 哪条法律 什么法律规定 法律依据")),
    (Need.PENALTY, _words("怎么罚 怎样罚 如何罚 罚多少 怎么处罚 如何处罚 什么处罚 啥处罚 怎么处分")),
    (Need.PHONE, _any("电话", "热线号", "号码多少", "联系方式", "客服号", "哪个号", "什么号码")),
    (
        Need.LINK,
        _any(
            "链接",
            "网址",
            "哪个网站",
            "什么网站",
            "(?:小程序|公众号|网站|[Aa][Pp][Pp])[^，。,？?]{0,3}叫",
            "哪个(?:小程序|公众号|[Aa][Pp][Pp])",
            # Where in an app to tap: the documents name no screen or button.
            "入口",
            "哪里点",
            "在哪点",
            "哪个按钮",
            "哪个页面",
            "(?:[Aa][Pp][Pp]|司机端|骑手端|客户端|小程序)[^，。,？?]{0,4}哪(?![年天])",
        ),
    ),
    (
        Need.SOURCE,
        _any(
            "从哪里?来",
            "哪来的?",
            "来源",
            "谁出钱",
            "谁出资",
            "谁掏钱",
            "谁交钱",
            "谁缴",
            "谁来交",
            "谁来缴",
            "谁付",
            "钱谁出",
        ),
    ),
    (
        Need.ORGANISATION,
        _any(
            "由谁",
            "归谁",
            "找谁",
            "是谁",
            "谁来",
            "谁定",
            "谁管",
            "谁负责",
            "谁审",
            "谁批",
            "谁说了算",
            "哪个部门",
            "什么部门",
            "哪些部门",
            "哪几个部门",
            "哪几个单位",
            "哪个单位",
            "什么单位",
            "哪个机构",
            "什么机构",
        ),
    ),
    (
        Need.AMOUNT,
        _any(
            "多少钱",
            "多少元",
            "几块钱",
            "几毛钱",
            "几百块",
            "几千块",
            "几万块",
            "多少万",
            "多少亿",
            "金额",
            "数额",
            "额度",
            "多少补贴",
            "[领拿赔补发给报贷扣交缴挣赚罚分奖]多少",
            "标准是多少",
            "报销比例",
            "什么比例",
            "多少比例",
            "百分之多少",
            "百分之几",
            "费率",
            "几倍",
            "多少倍",
            "几成",
            "抽成",
            "多少工资",
            "工资多少",
            "月薪",
            "收入多少",
            "费用多少",
            "多少费用",
            "收费多少",
            "比[^，。,？?]{1,8}(多|少|高|低)",
        ),
    ),
    (
        Need.COUNT,
        _any(
            "几次",
            "多少次",
            "几回",
            "再领",  # 领过一回还能再领吗: how many times
            "重复领",
            "有几个",
            "一共几个",
            "总共几个",
            "几个人",
            "多少个",
            "多少人",
            "多少家",
            "多少种",
            "几级",
            "多少级",
        ),
    ),
    (
        Need.PERIOD,
        _any(
            "多久",
            "多长时间",
            "多少天",
            "(?<![前这过好近])几天",
            "(?<![前这过好近])几个月",
            "(?<![前这过好近])几年",
            "多少年",
            "期限",
            "时效",
            "时限",
            "有效期",
            "几个工作日",
            "(?<![前这过好近])几个?小时",
            "多少小时",
            "多少个工作日",
            "多快",
        ),
    ),
    (
        Need.DATE,
        _any(
            *("什么时候", "啥时候", "何时", "哪天", "几号", "哪一年", "哪年", "截止", "几月", "几点"),
            *("年底", "年初", "月底"),
        ),
    ),
    (
        Need.PLACE,
        _any(
            "去哪",
            "(?<![差别同好错])在哪(?![天年月一个])",  # 差在哪, 区别在哪: how they differ, not where
            "到哪(?![天年月一个])",  # 算到哪天: a date
            "(?<![差别同好错在])哪里",
            "哪儿",
            "什么地方",
            "啥地方",
            "哪个窗口",
            "地址",
            "哪个平台",
            "哪个app",
            "哪个App",
            "哪个APP",
        ),
    ),
    (Need.NUMBER, _any("多少(?![次个天年月人家种级])")),
]

_NUMBER = r"[0-9０-９]+(?:\.[0-9]+)?|[零一二两三四五六七八九十百千万亿]+"
_MANY = r"[0-9０-９]+|[两三四五六七八九十百千万亿]+[一二三四五六七八九十]*"
SUPPLIES: dict[Need, re.Pattern[str]] = {
    Need.ARTICLE: re.compile(r"第[一二三四五六七八九十百零0-9]+条|《[^》]*(?:法|条例|规定|办法)》"),
    Need.PENALTY: _words("罚 处罚 处分 责令 追究"),
    Need.PHONE: re.compile(r"\d{5,}"),
    Need.LINK: re.compile(r"https?://|www\.|\.cn\b|\.com\b"),
    Need.SOURCE: _any("来自", "来源", "资金", "预算", "财政", "出资", "缴纳", "缴费", "承担", "支付", "列支", "筹集"),
    Need.ORGANISATION: _any(
        "部门",
        "局",
        "厅",
        "政府",
        "工会",
        "平台企业",
        "平台",
        "企业",
        "机构",
        "委员会",
        "财政",
        "人社",
        "国家",
        "中央",
        "省级",
        "县级",
        "单位",
        "协会",
        "法院",
        "仲裁",
        "经办",
        "中心",
    ),
    Need.AMOUNT: re.compile(rf"(?:{_NUMBER})\s*(?:元|块钱|块|万元|亿元|%|％)|百分之[0-9一二三四五六七八九十]"),
    Need.NUMBER: re.compile(r"(?<![0-9])(?!12351)[0-9０-９]"),  # the hotline's number is no figure
    Need.COUNT: re.compile(rf"(?:{_MANY})\s*(?:次|个|项|种|类|家|级|人|批)"),
    Need.PERIOD: re.compile(rf"(?:{_NUMBER})\s*(?:个)?(?:年|月|日|天|周|星期|工作日|小时)"),
    Need.DATE: re.compile(rf"[0-9]{{4}}\s*年|(?:{_NUMBER})\s*月|[0-9]+\s*[日号]"),
    Need.PLACE: _any(
        "部门",
        "机构",
        "窗口",
        "服务站",
        "驿站",
        "网上",
        "线上",
        "平台",
        "[Aa][Pp][Pp]",
        "系统",
        "小程序",
        "热线",
        "中心",
        "站点",
        "所在地",
        "当地",
        "网站",
        "工会",
        "医院",
        "政务服务",
    ),
}
_LABELS: dict[Need, str] = {
    Need.ARTICLE: "具体法律条文",
    Need.PENALTY: "具体处罚规定",
    Need.PHONE: "电话号码",
    Need.LINK: "网址或入口名称",
    Need.SOURCE: "资金来源",
    Need.ORGANISATION: "负责的部门",
    Need.AMOUNT: "具体金额或比例",
    Need.NUMBER: "具体数字",
    Need.COUNT: "具体次数或数量",
    Need.PERIOD: "具体期限或时长",
    Need.DATE: "具体时间",
    Need.PLACE: "具体办理地点或渠道",
}

# Words that end the name of a programme, benefit, payment or body a question can be about.
_SUBJECT_TAIL = re.compile(
    r"(?:补贴|补助|补助金|津贴|保险金|保险|(?<![风危])险|公积金|贷款|基金|年金|救助金|抚恤金|补偿金|赔偿金|失业金|养老金|"
    r"医保|社保|会费|个税|所得税|奖金|复议|年假|产假|婚假|病假|执照|驾照|仲裁|诉讼|鉴定|待遇|(?<=[\u4e00-\u9fff]{3})法|"
    r"(?<=[\u4e00-\u9fff])(?<!经)费|(?<=[\u4e00-\u9fff])(?<![资基现])金|津贴|(?<=[\u4e00-\u9fff]{2})期|"
    r"(?<=[\u4e00-\u9fff])(?<!打)卡|资格证|证书)$"
)
# Endings so general that the word alone names nothing; joined to the word before
# it (见习 + 补贴) they do, and that name must then be in the documents.
_GENERIC_SUBJECTS = frozenset({"补贴", "补助", "保险", "基金", "待遇", "贷款", "鉴定", "险"})
# The word before a generic ending that does not make it a name.
_NOT_A_NAME = re.compile(
    r"^(没有|有没有|什么|哪些|哪种|那种|这种|这个|那个|这些|那些|申请|领取|能领|可以|享受|拿到|给予|发放|相关|其他|其它|别的|一次性|啥子?)$"
)
# Who runs a programme, not part of its name (工会 + 互助基金 is the documents' 职工互助基金).
_OWNER = re.compile(r"^(工会|职工|国家|政府|平台|企业|单位|公司|我们|单位里)$")
# An age ("45岁", "今年60了"): the documents set no age limit either way.
# A child's or a parent's age ("娃三岁没人带") is not the asker's.
_AGE = re.compile(
    r"(?<![娃孩子儿女宝妈爸爹娘老人父母])[0-9一二三四五六七八九十几]+岁|(?:今年|已经|都)[0-9一二三四五六七八九十]{2,3}了"
)
# Neighbouring topics users ask about with the documents' words; named only to
# recognise them (a question about one is declined unless the documents mention it).
_NEIGHBOURS = _words(
    "个税 个人所得税 公积金 医保 社保卡 养老保险 失业保险 失业金 生育保险 医疗保险 五险一金 年假 年休假 退休 产假",
    "婚假 病假 加班费 最低工资 劳动合同 试用期 工资条 商业保险",
    "意外险 雇主险 见习 创业担保 落户 档案 三方协议 经济补偿 违约金 伙食补助 护理费 丧葬 停工留薪",
    # What happened to whom and on the way where: settled by local rules and cases, not by the documents.
    "上下班 下班 通勤 顺路 行人 第三者 车损 职业病 误工 垫付 代办 代领 退回 退钱 工亡 伙食 起付线 赔车 入会",
    "修车的钱 修车钱 修车费 修理费 维修费 财产损失 车辆损失",
    _AGE.pattern,
    # Employment arrangements, schemes and paperwork the documents never mention.
    "劳务派遣 派遣工 新农合 城乡居民医保 顺风车 拼车 疗休养 职称 N加1 N\\+1 双倍工资 竞业 补缴 离职证明 经办规程",
    "转移接续 押金 保证金 体检",
    # Paperwork and sign-offs: the documents list no form, copy or stamp.
    "身份证 盖章 签字 公章 辅导员 失业登记 就业登记 交警 事故认定书 责任认定书 追回 收回 追缴",
    # Who else pays: a third party's liability and other insurance are not in the documents.
    "全责 肇事 对方赔 找对方 打人的 撞人的 乘客险 车险 交强险 三者险",
    "加入工会 入工会",
    # Laws by name: the documents quote none, so their articles and penalties are not there.
    "个人信息保护法 劳动合同法 劳动法 工会法 安全生产法 社会保险法 民法典 数据安全法 网络安全法 就业促进法",
    "工伤保险条例",
    # Who counts as a graduate: the documents say 高校毕业生 and list family situations, nothing more.
    "专升本 留学 技校 中专 职高 当兵 参军 入伍 服兵役 延毕 延期毕业 肄业 结业 自考 函授 成人教育 边缘户 孤儿 复核",
)
# "这样算不算职伤": whether one circumstance counts. The documents name no circumstances
# beyond working on an order, so such a question is answered only by a passage naming it.
_COVERAGE_ASK = re.compile(
    r"(算不算|算是|算吗|算[^，。,？?\s]{1,8}吗|算[^，。,？?\s]{1,8}不(?=[，。,？?\s]|$)|认不认|管不管|管吗|保不保|保吗|赔不赔|赔吗|报不报|能不能报|能报吗|能不能走|能走吗"
    r"|给不给[报赔算认])"
)
_COVERED_BY = re.compile(r"职业伤害|工伤")
_CIRCUMSTANCE = _words(
    "喝 酒 中暑 晕倒 猝死 心梗 脑梗 犯病 发病 旧伤 复发 打了 被打 打架 闯红灯 逆行 违章 超速 无证",
    # Illness from years of work is an occupational disease, a different scheme the documents leave out.
    "腰椎 颈椎 间盘 劳损 慢性 职业病",
    # On the way to an order is working (the documents: 接单、送单、载客过程中); on the way from home is not said.
    "(?<!送单)(?<!送餐)(?<!送货)(?<!送件)(?<!接单)(?<!取餐)(?<!配送)(?<!载客)(?<!跑单)路上",
    "(?<!送单)(?<!送餐)(?<!配送)(?<!载客)途中 从家 回家 梯子 自杀 私活 休息 吃饭",
    "心脏病 突发 去世 死亡 身亡 打伤 买菜",
)
# How users mistype or dictate the documents' words.
TYPOS = {
    "补帖": "补贴",
    "补赔": "补贴",
    "球职": "求职",
    "公伤": "工伤",
    "商害": "伤害",
    "职业上海": "职业伤害",
    "保账": "保障",
    "保彰": "保障",
    "职工伤害": "职业伤害",
    "算发": "算法",
    "职伤": "职业伤害",
}
# Provinces and large cities: the documents are national, so a question about one
# place is answered only by a passage that names it.
_PLACES = re.compile(
    r"北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|"
    r"陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|深圳|广州|杭州|南京|苏州|武汉|成都|西安|长沙|郑州|济南|青岛|"
    r"厦门|福州|宁波|无锡|合肥|南昌|昆明|贵阳|南宁|沈阳|大连|长春|哈尔滨|石家庄|太原|兰州|乌鲁木齐|呼和浩特|佛山|东莞|"
    r"温州|珠海|惠州|中山|常州|徐州|烟台|潍坊|洛阳|三亚|海口|拉萨|银川|西宁"
)
# "Here" in a question: the documents speak of 当地 rules, never of one town's.
_HERE = re.compile(r"我们(县|市|区|省|镇|村|当地)|咱们?(县|市|区|省)|本地|我们这边|我们这里|我这边")
_LOCAL_WORDS = re.compile(r"当地|各地|所在地")
# A passage that states the national rule answers a yes/no question about one place.
_NATIONAL_WORDS = re.compile(r"各地|全国|统一|各省|中西部|东部")
# Places with their own social insurance: a national rule says nothing about them.
_OWN_SYSTEMS = re.compile(r"香港|澳门|台湾")
# Needs that only a place's own rules can meet.
_LOCAL_NEEDS = frozenset({"amount", "number", "place", "phone", "link", "date", "period"})


@dataclass(frozen=True)
class Judgement:
    answers: bool
    # What the documents lack, for the first sentence of a decline ("资料里没有找到关于…的规定").
    missing: str | None = None


def normalise_question(question: str) -> str:
    text = question
    for wrong, right in TYPOS.items():
        text = text.replace(wrong, right)
    return text


def needs(question: str) -> list[Need]:
    text = normalise_question(question)
    found = [need for need, pattern in _ASKS if pattern.search(text)]
    if re.search(r"\d{7,}", text):
        found = [need for need in found if need is not Need.PHONE]  # "我电话138…" gives a number, asks none
    specific = [need for need in found if need is not Need.NUMBER]
    return specific or found or [Need.OTHER]


def neighbouring_topic(question: str) -> str | None:
    """A neighbouring labour topic the question names (产假, 公积金, 试用期), if any."""
    match = _NEIGHBOURS.search(normalise_question(question))
    return match.group(0) if match else None


# "哪几家平台 / 哪些省份 / 除了北京上海还有哪几个": a list of named platforms, companies,
# places or hospitals. The documents name places only in passing and no company,
# hospital or bank at all, so only a passage naming ones the question did not is the answer.
_WHICH_NAMED = re.compile(r"哪(?:几)?[家个所些]?(平台|企业|公司|省份?|城市|医院|学校|银行)")
# "除了北京上海还有哪几个": the rest of a list the question starts with names.
_REST_OF = re.compile(r"除了[^，。,？?]{1,8}还有哪|另外[^，。,？?]{0,4}是哪")
_BRANDS = _words("美团 饿了么 滴滴 顺丰 京东 货拉拉 闪送 曹操 达达 高德 花小猪 T3")


def _names(kind: str, text: str) -> set[str]:
    """The places, companies or institutions of one kind that ``text`` names."""
    if kind in {"省", "省份", "城市", "place"}:
        return set(named_places(text))
    if kind in {"平台", "企业", "公司"}:
        return set(_BRANDS.findall(text))
    return set(re.findall(rf"[\u4e00-\u9fff]{{2,8}}{kind}", text))


def which_named(question: str) -> str | None:
    """The kind of named things the question asks for a list of (平台, 省, 医院), if any."""
    text = normalise_question(question)
    asked = _WHICH_NAMED.search(text)
    if asked:
        return asked.group(1)
    if _REST_OF.search(text):
        return "place" if named_places(text) else "平台" if _BRANDS.search(text) else None
    return None


def names_others(kind: str, question: str, passage: str) -> bool:
    """Whether the passage names a thing of that kind the question does not."""
    return bool(_names(kind, passage) - _names(kind, question))


# A figure the question states ("不满8小时", "工资总额的2%", "一级到十级"): only a passage stating
# it confirms it. A disability grade ("二级残疾证") says who asks, not what is asked.
_FIGURE = re.compile(
    r"([0-9０-９]+(?:\.[0-9]+)?)\s*(%|％|元|块|万|千|小时|单|天|个月|次|级)|(?<![哪几每同上这那])([一二三四五六七八九十]+)(级)(?!别|[^，。\s]{0,4}残疾)"
)


def company_in_pilot(question: str) -> str | None:
    """The company a question asks about being in the pilot ("货拉拉进试点了吗"), when it
    names no place: the documents list no company, so only a passage naming it answers."""
    text = normalise_question(question)
    brand = _BRANDS.search(text)
    return brand.group(0) if brand and _JOINS.search(text) and not named_places(text) else None


# Joining the scheme: the pilot, taking part, being covered.
_JOINS = re.compile(r"试点|参加|纳入|加入|参保|覆盖")
# A bare figure ("1000还是2000"), a year ("2025年"): only a passage stating it confirms it.
_BARE_FIGURE = re.compile(r"(?<![0-9.])([0-9]{3,6}(?:年)?)(?![0-9.])")


def covers_circumstance(question: str) -> bool:
    """Whether the question asks if one circumstance (drinking, heatstroke, the way from home) counts."""
    text = normalise_question(question)
    return bool(_COVERAGE_ASK.search(text) and _COVERED_BY.search(text) and _CIRCUMSTANCE.search(text))


def named_places(question: str) -> list[str]:
    return list(dict.fromkeys(_PLACES.findall(question)))


def subjects(question: str, tokens: tuple[str, ...]) -> list[str]:
    """The programmes, benefits and bodies a question names: a word ending like one
    (…补贴, …保险金, …会费), joined to the word before it when that is part of the
    name (失业 + 保险金, 见习 + 补贴), and the neighbouring topics named outright."""
    text = normalise_question(question)
    out: list[str] = [m.group(0) for m in _NEIGHBOURS.finditer(text)]
    for i, token in enumerate(tokens):
        if len(token) < 1 or not _SUBJECT_TAIL.search(token):
            continue
        if any(len(other) > len(token) and token in other for other in tokens[i + 1 : i + 3]):
            continue  # a search-mode piece (续费 before 手续费): the whole word that follows names it
        before = tokens[i - 1] if i > 0 else ""
        if _joinable(before) and before + token in text:
            # A longer name (职业过渡 + 援助基金) is a different programme from its tail.
            further = tokens[i - 2] if i > 1 else ""
            longer = further + before + token
            named = _joinable(further) and not _OWNER.match(further) and longer in text
            out.append(longer if named else before + token)
        elif token not in _GENERIC_SUBJECTS and len(token) >= 2:
            out.append(token)
    return list(dict.fromkeys(out))


def _joinable(word: str) -> bool:
    return len(word) >= 2 and bool(re.fullmatch(r"[\u4e00-\u9fff]+", word)) and not _NOT_A_NAME.match(word)


def _in(term: str, text: str) -> bool:
    return term in text or normalise_question(term) in text


def about(question: str, tokens: tuple[str, ...], passage: str, context: str, corpus: str) -> Judgement:
    """Whether the passage is about what the question names (programmes, places)."""
    return judge(question, tokens, passage, context, corpus, needs_too=False)


def judge(
    question: str, tokens: tuple[str, ...], passage: str, context: str, corpus: str, needs_too: bool = True
) -> Judgement:
    """Whether ``passage`` (with ``context``: its title and heading) answers ``question``.

    ``tokens`` are the question's words; ``corpus`` is all the documents' text."""
    around = f"{context}\n{passage}"
    asked = needs(question)
    for subject in subjects(question, tokens):
        if _in(subject, around):
            continue
        # A shorter form of the name may be what the documents use (失业保险金 → 失业保险).
        core = _SUBJECT_TAIL.sub("", subject)
        tail = subject[len(core) :]
        tail_named = len(tail) >= 2 and _in(tail, corpus)  # 失业 + 保险金; a bare 费 or 金 names nothing
        if len(core) >= 2 and _in(core, around) and (_in(subject, corpus) or (_in(core, corpus) and tail_named)):
            continue
        if _AGE.fullmatch(subject):
            return Judgement(False, "年龄限制的规定")
        return Judgement(False, subject if not _in(subject, corpus) else f"{subject}的{_label(asked)}")
    local_need = any(need.value in _LOCAL_NEEDS for need in asked)
    for place in named_places(question):
        national = _NATIONAL_WORDS.search(passage) and not _OWN_SYSTEMS.match(place)
        if place not in around and (local_need or not national):
            return Judgement(False, f"{place}的具体规定")
    # "我们区的窗口在哪": a passage saying "ask the local office" does not give one place's answer.
    if _HERE.search(question) and (local_need or not _LOCAL_WORDS.search(passage)):
        return Judgement(False, "你所在地的具体规定")
    if not needs_too:
        return Judgement(True)
    company = company_in_pilot(question)
    if company and company not in around:
        return Judgement(False, f"{company}是否参加试点")
    for figure in _BARE_FIGURE.findall(normalise_question(question)):
        # "是12345吗" is answered by the passage giving the right number.
        if figure not in passage and (figure.endswith("年") or Need.PHONE not in asked):
            return Judgement(False, f"{figure}的规定")
    for figure in _FIGURE.findall(normalise_question(question)):
        if (figure[0] or figure[2] + figure[3]) not in passage:  # 一级 whole: 一 alone is in 统一
            return Judgement(False, f"{''.join(figure)}的规定")
    kind = which_named(question)
    if kind and not names_others(kind, question, passage):
        return Judgement(False, "具体名单或名称")
    if covers_circumstance(question) and not any(c in around for c in _CIRCUMSTANCE.findall(question)):
        return Judgement(False, "什么情形算职业伤害")
    if asked == [Need.OTHER]:
        return Judgement(True)
    # Any one of the things asked for is enough ("发多少、由谁定" is answered by who decides),
    # except a number to call or an address to open: asked for, only it will do.
    body = passage.replace("一次性", "")  # 一次性求职补贴 is a name, not a count of one
    decisive = [need for need in asked if need in _DECISIVE]
    if decisive and not any(SUPPLIES[need].search(body) for need in decisive):
        return Judgement(False, _label(decisive, _topic_name(question, context)))
    if any(SUPPLIES[need].search(body) for need in asked if need in SUPPLIES):
        return Judgement(True)
    if Need.AMOUNT in asked and _SELF_PAY.search(question) and _FREE.search(body):
        return Judgement(True)
    return Judgement(False, _label(asked, _topic_name(question, context)))


_DECISIVE = frozenset({Need.PHONE, Need.LINK})
# "How much do I pay" ("要我自己出钱吗 一个月扣多少") is answered by "nothing"; what a platform pays is not.
_SELF_PAY = re.compile(r"(?:我|自己|本人|俺)[^，。？?\s]{0,6}(?:交|缴|出钱|掏|扣|付)")
_FREE = re.compile(r"(?:无需|不用|不需要|不必)(?:本人)?(?:缴费|交钱|缴纳|付费|出钱|掏钱)|免费|不收费|不收取")


def _label(asked: list[Need], subject: str | None = None) -> str:
    label = next((_LABELS[n] for n in asked if n in _LABELS), "具体规定")
    return f"{subject}的{label}" if subject else label


def _topic_name(question: str, context: str) -> str | None:
    """The document's own name for what is asked about, when the question uses it."""
    for name in ("一次性求职补贴", "就业补助资金", "职业伤害保障", "工伤保险", "职工互助", "劳动能力鉴定"):
        if name in normalise_question(question) or (name[:4] in question and name in context):
            return name
    return None
