"""What a simulated user says: a greeting, two policy questions and a full claim.

Every user gets different personal data (a valid ID number, a distinct phone),
so the claims store sees realistic, non-colliding claims."""

from __future__ import annotations

from dataclasses import dataclass

from claims.validation.resident_id import check_character


@dataclass(frozen=True)
class Turn:
    kind: str  # "nlu", "policy" or "form"
    text: str


def resident_id(n: int) -> str:
    first17 = f"110105198{n % 10}0{1 + n % 9}1{n % 10}{n % 1000:03d}"[:17].ljust(17, "1")
    return first17 + check_character(first17)


def user_script(n: int) -> list[Turn]:
    return [
        Turn("nlu", "你好"),
        Turn("policy", "骑手受伤了有职业伤害保障吗"),
        Turn("policy", "一次性求职补贴的钱从哪里来"),
        Turn("form", "我要报工伤"),
        Turn("form", "同意"),
        Turn("form", "同意"),
        Turn("form", "我叫测试用户"),
        Turn("form", f"139{n:08d}"),
        Turn("form", resident_id(n)),
        Turn("form", "美团"),
        Turn("form", "外卖配送"),
        Turn("form", "昨天下午三点"),
        Turn("form", "杭州市西湖区文三路"),
        Turn("form", "是的"),
        Turn("form", "跳过"),
        Turn("form", "送餐途中在路口被电动车撞倒了"),
        Turn("form", "左腿擦伤"),
        Turn("form", "跳过"),
        Turn("form", "跳过"),
        Turn("form", "确认提交"),
    ]


LONG_CONVERSATION = [Turn("nlu", "你好"), Turn("policy", "职业伤害保障要自己交钱吗"), Turn("nlu", "谢谢")]
