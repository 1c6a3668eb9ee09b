"""Names as people give them: 我叫王小明, 免贵姓赵，赵大勇, 王芳，三横王，芬芳的芳."""

from __future__ import annotations

import re

_PREFIX = re.compile(
    r"^(?:免贵姓.[，,、\s]*|我的名字(?:叫|是)?|名字(?:叫|是)?|姓名(?:是)?|我叫|我是|本人(?:叫)?|俺叫|叫我|我)[:：\s]*"
)
_NAME = re.compile(r"[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z·•. ]{0,28}[\u4e00-\u9fffA-Za-z]")
_NOT_NAMES = frozenset({"你好", "您好", "不知道", "不想说", "谢谢", "好的", "是的", "没有", "跳过", "取消"})


def normalise_name(text: str) -> str | None:
    cleaned = _PREFIX.sub("", text.strip())
    first = re.split(r"[，,。；;！!？?]", cleaned, maxsplit=1)[0]
    match = _NAME.fullmatch(first.strip().removesuffix("就行").removesuffix("就好"))
    if not match:
        return None
    name = re.sub(r"\s+", " ", match.group(0))
    if name in _NOT_NAMES or len(name) > 30:
        return None
    return name


def mask_name(name: str) -> str:
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
