"""Reading an injury told as a story: "我是送外卖的今天下午四点多在人民路口被电动车撞了
膝盖破了去社区医院包扎了这种能不能报".

``looks_like_injury_report`` decides whether a message the classifier was unsure
about is someone reporting an injury (injury words plus work or accident
context); ``story_facts`` pulls out what the claim form would otherwise ask
again (platform, kind of work, time, place, injury, hospital). Pure functions:
the clock is a parameter.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime

from claims.validation.injury_time import parse_injury_time
from claims.validation.work import known_platform

_INJURY = re.compile(
    r"受伤|摔|撞|伤了|伤到|骨折|骨裂|擦伤|流血|出血|扭伤|扭了|崴|碰伤|割伤|烫伤|砸|划伤|住院|缝针|缝了|包扎|"
    r"脑震荡|车祸|出事|事故|破了|肿了|断了|疼得|疼死|剐蹭|追尾|翻车|倒地|被咬|咬了|"
    r"绊倒|跌倒|滑倒|摔倒|损伤|脱臼|脱位|肿起来|肿得|韧带|拉伤|挫伤|烧伤|夹伤|夹了|压伤|碾|磕"
)
_WORK = re.compile(
    r"外卖|送餐|送单|接单|跑单|派单|取餐|骑手|配送|快递|派件|揽件|送件|网约车|拉客|载客|乘客|开车|出车|司机|跑腿|"
    r"美团|饿了么|滴滴|货拉拉|闪送|顺丰|京东|盒马|叮咚|达达|曹操|快狗|满帮|UU|蜂鸟|上班|送货上门|爬楼|工作|干活|平台|站长|订单|送货|拉货|途中|路上"
)
_NOT_A_REPORT = re.compile(r"防摔|防撞|护膝|头盔|买(?!菜)|卖|推荐|哪款|租车|租电动车|保险箱")
# Asking about ointment, repairs, a hospital queue or the vehicle's damage: about the injury, not reporting it.
_ABOUT_SOMETHING_ELSE = re.compile(
    r"药膏|擦什么|涂什么|抹什么|吃什么药|什么药|修车|修理|前叉|挂号|车损|赔车|牌子|划算|题库|驾照|罚款|违章"
)
# Someone else hurt, or the writer hurt off work: not the writer's occupational injury.
_FAMILY_OR_PET = (
    r"(?:儿子|女儿|闺女|孩子|小孩|娃|老人|爸|妈|老爸|老妈|父亲|母亲|爷爷|奶奶|姥姥|姥爷|外婆|外公|狗|狗子|猫|宠物)"
)
_OTHERS_HURT = re.compile(rf"(?:我|俺)家?的?{_FAMILY_OR_PET}")
_OFF_WORK = re.compile(
    r"在家(?!门口|附近)|家里(?!出发|人)|做饭|切菜|洗澡|换灯泡|打篮球|打球|踢球|健身|游泳|钓鱼|爬山|体育课|幼儿园|"
    r"放鞭炮|遛狗|逛街|旅游|休息日|放假"
)
_HURT_BY_A_WORKER = re.compile(
    r"(?:外卖小哥|外卖员|骑手|快递员|快递小哥|送餐的|送外卖的|送快递的|司机)[^，。！？,!?]{0,8}?"
    rf"(?:把|撞了?|撞倒|撞到|碰了?)(?:我|俺)(?:家?的?{_FAMILY_OR_PET})?"
)
_CUSTOMER_OWN_FALL = re.compile(
    r"(?:乘客|顾客|客户|客人)[^，。！？,!?\s]{0,8}?自己[^，。！？,!?\s]{0,6}?(?:摔|滑|跌|绊|烫|磕|碰|打翻)"
)
_AT_WORK = re.compile(
    r"送餐|送单|接单|跑单|派件|送件|揽件|配送|拉客|载客|上班|工作时|干活|途中|送货|取餐|站点|送外卖|送快递|出车|跑车|骑手|"
    r"搬货|卸货|装货|提货|送[^，。！？,!?\s]{1,4}的时候|跑(?:外卖|快递|网约车|同城|货运|滴滴|美团|饿了么|顺丰|货拉拉|闪送)|"
    r"美团|饿了么|滴滴|货拉拉|闪送|顺丰|京东|盒马|叮咚|达达|曹操|快狗|满帮|蜂鸟"
)
# Intents whose confidence, among the classifier's top guesses, says "this is an injury report".
REPORT_INTENT = "report_injury"

_WORK_TYPES = [
    ("外卖配送", r"外卖|送餐|取餐|骑手|美团|饿了么"),
    ("网约车", r"网约车|拉客|载客|乘客|滴滴|曹操|花小猪|T3|专车|快车"),
    ("快递", r"快递|派件|揽件|顺丰|京东|中通|圆通|韵达|申通"),
    ("货运", r"货运|货拉拉|拉货|货车|满帮|快狗"),
    ("同城跑腿", r"跑腿|闪送|UU|达达"),
]
_DAY = (
    r"(?:今天|今儿|今早|昨天|昨儿|昨晚|前天|大前天|上周[一二三四五六日天]|上个?星期[一二三四五六日天]|"
    r"[0-9]+月[0-9]+[日号]|[一二三四五六七八九十]+月[一二三四五六七八九十]+[日号]|[0-9一二两三四五六七八九十]+天前)"
)
_PART_OF_DAY = r"(?:早上|上午|中午|下午|傍晚|晚上|半夜|凌晨|夜里)"
_CLOCK = r"(?:[0-9]{1,2}|[一二两三四五六七八九十]{1,3})[点:：](?:[0-9]{1,2}分?|半|多)?"
_TIME = re.compile(rf"{_DAY}\s*{_PART_OF_DAY}?\s*(?:{_CLOCK})?|{_PART_OF_DAY}\s*{_CLOCK}")
_PLACE = re.compile(
    r"在([\u4e00-\u9fa5A-Za-z0-9]{2,20}?(?:路口|十字路口|路|街|大道|道|巷|胡同|小区|桥|广场|门口|附近|商场|大厦|公司|站|区|村|镇|县|市|高速|环路))"
)
_BODY = (
    r"(?:头|脑袋|脸|眼睛|眼|鼻子|嘴|牙|下巴|脖子|肩膀|肩|锁骨|胳膊肘|胳膊|手臂|手肘|手腕|手指|手掌|手|胸口|胸|肋骨|腰|背|尾椎|屁股|"
    r"大腿|小腿|膝盖|腿|脚踝|脚腕|脚趾|脚|骨盆)"
)
_HURT = (
    r"(?:粉碎性骨折|骨折|骨裂|擦伤|擦破|破了|摔破|磕破|流血|出血|扭伤|扭了|肿了|青了|断了|伤了|划伤|划破|撞伤|"
    r"缝了[0-9一二三四五六七八九十几]*针|脱臼|裂了|疼)"
)
_INJURY_DETAIL = re.compile(rf"{_BODY}[^，。,！!？?\s]{{0,8}}?{_HURT}(?:[^，。,！!？?\s]{{0,12}}?(?:血|针|伤))?")
_HOSPITAL = re.compile(
    r"(?:去|到|在|送|进了?|住进)了?([\u4e00-\u9fa5A-Za-z0-9]{0,14}?(?:医院|诊所|卫生院|卫生站|卫生服务中心|急诊|门诊))"
    r"((?:包扎|缝了?[0-9一二三四五六七八九十几]*针|拍了?片子?|住院|打了?石膏|做了?手术|检查|治疗|处理|输液|打针|看了?)了?)?"
)


@dataclass(frozen=True)
class StoryFacts:
    platform: str | None = None
    work_type: str | None = None
    time_text: str | None = None
    place: str | None = None
    injury: str | None = None
    treatment: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


def injured_off_work(text: str) -> bool:
    """An injury that is not the writer's own at work: a child's, a parent's or a pet's, one at
    home or at sport, a passer-by hit by a rider, a customer who fell by themselves."""
    if _HURT_BY_A_WORKER.search(text) or _CUSTOMER_OWN_FALL.search(text):
        return True
    return bool((_OTHERS_HURT.search(text) or _OFF_WORK.search(text)) and not _AT_WORK.search(text))


def tells_injury_off_work(text: str) -> bool:
    """An injury told that is not the writer's own at work (the claim is not for it)."""
    return bool(_INJURY.search(text)) and injured_off_work(text)


def looks_like_injury_report(text: str, ranked_intents: list[tuple[str, float]] | None = None) -> bool:
    """Injury words plus work or accident context, or report_injury among the classifier's top guesses."""
    if not text or injured_off_work(text):
        return False
    if _NOT_A_REPORT.search(text) and not re.search(r"受伤|骨折|住院|撞了|摔了", text):
        return False
    if _ABOUT_SOMETHING_ELSE.search(text) and not re.search(r"能报|能赔|申请|申报|职业伤害|职伤|工伤|保障", text):
        return False
    if not _INJURY.search(text):
        return False
    if _WORK.search(text) or re.search(r"车祸|事故|撞|工伤|职业伤害", text):
        return True
    top = [name for name, confidence in (ranked_intents or [])[:3] if confidence >= 0.1]
    return REPORT_INTENT in top


def tells_own_injury(text: str, now: datetime) -> bool:
    """A story of one's own injury (when, where, what hurt, which hospital: two of them at least),
    not a general question about injuries ("骑手送餐被撞了怎么申请职业伤害保障")."""
    if not looks_like_injury_report(text):
        return False
    facts = story_facts(text, now)
    return sum(bool(part) for part in (facts.time_text, facts.place, facts.injury, facts.treatment)) >= 2


_ASKS = re.compile(
    r"[吗嘛？?]|能不能|能否|可不可以|能报|能赔|算不算|算工伤|有没有|有保障|怎么办|咋办|咋整|咋弄|怎么弄|怎么整|点算|管不管|认不认|给不给|"
    r"会不会|是不是|要不要|用不用|行不行|[一同]样不|多少|几|哪|谁|什么|啥|怎么|咋|为什么|为啥|"
    r"([\u4e00-\u4e0c\u4e0e-\u9fff])不\1"  # 赔不赔, 报不报: any verb asked both ways (不不不 is no question)
)


def asks_something(text: str) -> bool:
    """A story that ends in a question (能报吗, 咋办, 算不算): it gets an answer before the offer."""
    return bool(_ASKS.search(text))


def _first(patterns: list[tuple[str, str]], text: str) -> str | None:
    return next((name for name, pattern in patterns if re.search(pattern, text)), None)


def story_facts(text: str, now: datetime) -> StoryFacts:
    """What the story says, each part only when it reads cleanly (a wrong guess costs a correction)."""
    time_text = None
    for match in _TIME.finditer(text):
        candidate = match.group(0).strip()
        if candidate and parse_injury_time(candidate, now).when is not None:
            time_text = candidate
            break
    place = _PLACE.search(text)
    injury = _INJURY_DETAIL.search(text)
    hospital = _HOSPITAL.search(text)
    return StoryFacts(
        platform=known_platform(text),
        work_type=_first(_WORK_TYPES, text),
        time_text=time_text,
        place=place.group(1) if place else None,
        injury=injury.group(0) if injury else None,
        treatment=(hospital.group(1) + (hospital.group(2) or "")).strip() if hospital else None,
    )
