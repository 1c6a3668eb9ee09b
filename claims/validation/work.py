"""Platforms and kinds of work as riders type them: 美团外卖 → 美团, 饿了吗 → 饿了么,
开滴滴的 → 网约车. A name not on the lists is kept as typed (short), so a new
platform is never refused; "其他" alone is not an answer but a wish to type one."""

from __future__ import annotations

import re

# Canonical name → ways riders write it (lower-case, no spaces). Longer aliases win.
PLATFORMS: dict[str, tuple[str, ...]] = {
    "美团": ("美团", "美团外卖", "美团众包", "美团专送", "美团跑腿", "meituan"),
    "饿了么": ("饿了么", "饿了吗", "饿了嘛", "饿么", "蜂鸟", "蜂鸟众包", "elm", "eleme"),
    "滴滴": ("滴滴", "嘀嘀", "滴滴出行", "滴滴快车", "滴滴专车", "didi"),
    "货拉拉": ("货拉拉", "货啦啦", "火拉拉"),
    "闪送": ("闪送",),
    "京东": ("京东", "京东物流", "京东到家", "京东秒送"),
    "顺丰": ("顺丰", "顺丰同城", "顺丰快递"),
    "达达": ("达达", "达达快送"),
    "曹操出行": ("曹操", "曹操出行", "曹操专车"),
    "快狗打车": ("快狗", "快狗打车"),
    "满帮": ("满帮", "运满满", "货车帮"),
    "UU跑腿": ("uu", "uu跑腿"),
    "T3出行": ("t3", "t3出行"),
    "高德打车": ("高德", "高德打车"),
    "花小猪": ("花小猪",),
    "叮咚买菜": ("叮咚", "叮咚买菜"),
    "盒马": ("盒马", "盒马鲜生"),
}
WORK_TYPES: dict[str, tuple[str, ...]] = {
    "外卖配送": ("外卖", "送外卖", "骑手", "外卖员", "外卖小哥", "送餐", "跑外卖", "配送员"),
    "网约车": ("网约车", "开滴滴", "跑滴滴", "开网约车", "司机", "开车", "快车", "专车", "代驾"),
    "快递": ("快递", "快递员", "送快递", "派件", "收件"),
    "货运": ("货运", "货车", "拉货", "搬家", "开货车", "大车"),
    "同城跑腿": ("跑腿", "同城", "帮买", "帮送", "闪送员"),
}
OTHER = re.compile(r"^(?:其他|其它|别的|另外的?)(?:平台|工作|类型)?$")
_NOISE = re.compile(r"[\s，,。.！!？?、:：]|^(?:我是|我在|在|是|做|干|我做|我干|跑的|开的)|(?:的|平台|上班|接单)$")


def _key(text: str) -> str:
    return _NOISE.sub("", text.strip().lower())


def _lookup(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    key = _key(text)
    if not key:
        return None
    best: tuple[int, str] | None = None
    for name, aliases in table.items():
        for alias in aliases:
            if alias in key and (best is None or len(alias) > best[0]):
                best = (len(alias), name)
    return best[1] if best else None


def is_other(text: str) -> bool:
    """The "其他（直接打字）" button or the word alone: the worker wants to type the name."""
    return bool(OTHER.match(text.strip()))


def known_platform(text: str) -> str | None:
    """The platform named anywhere in ``text`` (a whole dictated story too), if it is a known one."""
    return _lookup(text, PLATFORMS)


def normalise_platform(text: str) -> str | None:
    """A known platform named anywhere in the text, else the typed name (2–20 characters)."""
    known = known_platform(text)
    if known:
        return known
    typed = text.strip()
    return typed if 1 <= len(typed) <= 20 and not is_other(typed) else None


def normalise_work_type(text: str) -> str | None:
    known = _lookup(text, WORK_TYPES)
    if known:
        return known
    typed = text.strip()
    return typed if 1 <= len(typed) <= 30 and not is_other(typed) else None
