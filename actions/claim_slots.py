"""The claim form's slots, in the order they are asked, and how users name them
when they want to change one (改一下手机号)."""

from __future__ import annotations

FORM = "injury_claim_form"

CLAIM_SLOTS = [
    "claim_consent",
    "claim_sensitive_consent",
    "claimant_name",
    "claimant_phone",
    "claimant_id",
    "claim_platform",
    "claim_work_type",
    "injury_time",
    "injury_time_late_ok",
    "injury_location",
    "on_order",
    "order_number",
    "accident_account",
    "injury_details",
    "treatment",
    "evidence",
    "claim_confirmed",
]
# Slots outside the form that belong to the same claim and go with it.
CLAIM_STATE_SLOTS = ["claim_draft_id", "claim_prefill", "claim_prefill_ok"]
OPTIONAL = frozenset({"order_number", "treatment", "evidence"})
NOT_GIVEN = "未提供"
NOT_APPLICABLE = "不适用"

# What users call a field → the slots to ask again (dependants follow their field).
FIELD_SLOTS: dict[str, list[str]] = {
    "name": ["claimant_name"],
    "phone": ["claimant_phone"],
    "id_number": ["claimant_id"],
    "platform": ["claim_platform"],
    "work_type": ["claim_work_type"],
    "time": ["injury_time", "injury_time_late_ok"],
    "location": ["injury_location"],
    "on_order": ["on_order", "order_number"],
    "order_number": ["order_number"],
    "accident": ["accident_account"],
    "injury": ["injury_details"],
    "treatment": ["treatment"],
    "evidence": ["evidence"],
}
_FIELD_WORDS = [
    ("id_number", ("身份证",)),
    ("phone", ("手机", "电话", "号码", "联系方式")),
    ("name", ("名字", "姓名", "名")),
    ("platform", ("平台",)),
    ("work_type", ("工作类型", "工种", "干什么", "职业")),
    ("time", ("时间", "日期", "几点", "哪天")),
    ("location", ("地点", "地址", "位置", "地方", "在哪")),
    ("order_number", ("订单号", "单号")),
    ("on_order", ("接单", "送单", "订单")),
    ("accident", ("经过", "事故", "怎么发生")),
    ("injury", ("伤情", "伤势", "受伤情况", "伤")),
    ("treatment", ("治疗", "医院", "就医")),
    ("evidence", ("材料", "照片", "证据", "附件")),
]


def field_from_text(text: str) -> str | None:
    """The field a correction is about; entity values (手机号, 事发地点 …) go through here too."""
    if text in FIELD_SLOTS:
        return text
    for field, words in _FIELD_WORDS:
        if any(word in text for word in words):
            return field
    return None
