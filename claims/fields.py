"""The claim's fields, once: what each is called, which form question asks it,
where it is stored, whether it may be skipped, how it is shown back to the
worker, how it is masked for anyone else, and its column in the staff export.

The claim form (order, optional questions, corrections, progress), drafts
(which columns a form answer may write), submission (what must be there),
erasure (what is personal), the staff export and the worker's summary all
read this table; adding a field means adding a row here (and a migration).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from claims.models import Claim
from claims.validation.person_name import mask_name
from claims.validation.phone import mask_phone

NOT_GIVEN = "未提供"
NOT_APPLICABLE = "不适用"


def _text(column: str) -> Callable[[Claim], str]:
    return lambda claim: str(getattr(claim, column) or "")


def _when(claim: Claim) -> str:
    when: datetime | None = claim.injury_time
    if when is None:
        return ""
    return when.strftime("%Y-%m-%d %H:%M" if claim.injury_time_has_clock else "%Y-%m-%d")


def _on_order(claim: Claim) -> str:
    return {True: "是", False: "否"}.get(claim.on_order, "")  # type: ignore[arg-type]


def _id_masked(claim: Claim) -> str:
    return "*" * 14 + claim.id_last4 if claim.id_last4 else ""


def _evidence(claim: Claim) -> str:
    return f"{len(claim.evidence)}份" if claim.evidence else ""


def _keep_last4(value: str) -> str:
    return "****" + value[-4:] if value else ""


def _hidden(value: str) -> str:
    return f"已填写（{len(value)}字）" if value else ""


@dataclass(frozen=True)
class ClaimField:
    key: str  # what corrections and buttons call it ("location")
    label: str  # shown to the worker and to staff
    slot: str  # the form question that asks it
    columns: tuple[str, ...]  # claims-table columns it writes
    optional: bool = False
    personal: bool = False  # blanked by withdrawal and retention
    export: str | None = None  # CSV column header (None: not exported as such)
    show: Callable[[Claim], str] = lambda claim: ""  # the worker's own answer, for their summary
    mask: Callable[[str], str] = lambda value: value  # how the value appears anywhere but the worker's chat
    words: tuple[str, ...] = ()  # how users name it when they want to change it
    follow: tuple[str, ...] = ()  # further slots asked again with it (time → lateness check)
    counted: bool = True  # a numbered step of the form


FIELDS: tuple[ClaimField, ...] = (
    ClaimField(
        "name",
        "姓名",
        "claimant_name",
        ("full_name",),
        personal=True,
        export="姓名",
        show=_text("full_name"),
        mask=mask_name,
        words=("名字", "姓名", "名"),
    ),
    ClaimField(
        "phone",
        "手机号",
        "claimant_phone",
        ("phone",),
        personal=True,
        export="手机号",
        show=_text("phone"),
        mask=mask_phone,
        words=("手机", "电话", "号码", "联系方式"),
    ),
    ClaimField(
        "id_number",
        "身份证号",
        "claimant_id",
        ("id_hash", "id_last4"),
        personal=True,
        export=None,  # only its last four characters are exported (below)
        show=_id_masked,
        mask=_keep_last4,
        words=("身份证",),
    ),
    ClaimField(
        "platform",
        "平台",
        "claim_platform",
        ("platform",),
        export="平台",
        show=_text("platform"),
        words=("平台",),
    ),
    ClaimField(
        "work_type",
        "工作类型",
        "claim_work_type",
        ("work_type",),
        export="工作类型",
        show=_text("work_type"),
        words=("工作类型", "工种", "干什么", "职业"),
    ),
    ClaimField(
        "time",
        "受伤时间",
        "injury_time",
        ("injury_time", "injury_time_has_clock", "late_confirmed"),
        export="受伤时间",
        show=_when,
        words=("时间", "日期", "几点", "哪天"),
        follow=("injury_time_late_ok",),
    ),
    ClaimField(
        "location",
        "受伤地点",
        "injury_location",
        ("location",),
        personal=True,
        export="受伤地点",
        show=_text("location"),
        mask=_hidden,
        words=("地点", "地址", "位置", "地方", "在哪"),
    ),
    ClaimField(
        "on_order",
        "是否在接单途中",
        "on_order",
        ("on_order",),
        export="是否在接单途中",
        show=_on_order,
        words=("接单", "送单", "订单"),
        follow=("order_number",),
    ),
    ClaimField(
        "order_number",
        "订单号",
        "order_number",
        ("order_number",),
        optional=True,
        personal=True,
        export="订单号",
        show=_text("order_number"),
        mask=_keep_last4,
        words=("订单号", "单号"),
    ),
    ClaimField(
        "accident",
        "事故经过",
        "accident_account",
        ("accident",),
        personal=True,
        export="事故经过",
        show=_text("accident"),
        mask=_hidden,
        words=("经过", "事故", "怎么发生"),
    ),
    ClaimField(
        "injury",
        "伤情",
        "injury_details",
        ("injury",),
        personal=True,
        export="伤情",
        show=_text("injury"),
        mask=_hidden,
        words=("伤情", "伤势", "受伤情况", "伤"),
    ),
    ClaimField(
        "treatment",
        "就医情况",
        "treatment",
        ("treatment",),
        optional=True,
        personal=True,
        export="就医情况",
        show=_text("treatment"),
        mask=_hidden,
        words=("治疗", "医院", "就医"),
    ),
    ClaimField(
        "evidence",
        "材料",
        "evidence",
        (),
        optional=True,
        show=_evidence,
        words=("材料", "照片", "证据", "附件"),
    ),
)
BY_KEY = {field.key: field for field in FIELDS}
BY_SLOT = {field.slot: field for field in FIELDS}

# Words are tried in this order: the more specific names first (订单号 before 订单, 身份证 before 号码).
_MATCH_ORDER = ("id_number", "phone", "name", "platform", "work_type", "time", "location", "order_number")


def field_named(text: str) -> ClaimField | None:
    """The field a correction is about ("改一下手机号", a button's key, an entity value)."""
    if text in BY_KEY:
        return BY_KEY[text]
    ordered = [BY_KEY[key] for key in _MATCH_ORDER] + [f for f in FIELDS if f.key not in _MATCH_ORDER]
    return next((f for f in ordered if any(word in text for word in f.words)), None)


def stored_columns() -> frozenset[str]:
    """Columns a form answer may write to a draft."""
    return frozenset(column for field in FIELDS for column in field.columns)


def required_columns() -> tuple[str, ...]:
    """What a claim must have before it can be submitted (the first column of each required field)."""
    # Whether the worker was on an order is asked, but "not sure" must not block a claim.
    needed = (field for field in FIELDS if not field.optional and field.columns and field.key != "on_order")
    return tuple(field.columns[0] for field in needed)


def personal_columns() -> tuple[str, ...]:
    return tuple(column for field in FIELDS if field.personal for column in field.columns)


def summary_lines(claim: Claim) -> list[tuple[ClaimField, str]]:
    """The worker's own answers, as they will be submitted (skipped optional ones as 未提供)."""
    lines = []
    for field in FIELDS:
        if field.key == "order_number" and claim.on_order is False:
            continue
        lines.append((field, field.show(claim) or NOT_GIVEN))
    return lines


def export_row(claim: Claim) -> dict[str, Any]:
    """A claim's fields under their export headers (the resident ID as its last four only)."""
    row: dict[str, Any] = {}
    for field in FIELDS:
        if field.key == "id_number":
            row["身份证后四位"] = claim.id_last4 or ""
        elif field.key == "evidence":
            row["材料数"] = len(claim.evidence)
        elif field.export:
            row[field.export] = field.show(claim)
    return row


def step_slots() -> tuple[str, ...]:
    return tuple(field.slot for field in FIELDS if field.counted)


def progress(slots: dict[str, Any]) -> tuple[int, int]:
    """(n, m) for "第n步（共m步）": the place of the next question among all steps that still apply.

    A question that no longer applies (the order number when not on an order) is not counted; a
    field asked again after a correction keeps its own number.
    """
    applying = [slot for slot in step_slots() if slots.get(slot) != NOT_APPLICABLE]
    waiting = [n for n, slot in enumerate(applying, start=1) if slots.get(slot) is None]
    return (waiting[0] if waiting else len(applying)), len(applying)
