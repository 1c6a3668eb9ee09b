"""When the injury happened, from answers like 昨天下午三点, 11月20日晚上, 上周五,
三天前, 2026-01-05 14:30.

Times are local to the user (Asia/Shanghai by default); ``now`` is a parameter so
"昨天" means the same thing in a test as in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(?:\d{1,4}|[零〇一二两三四五六七八九十]{1,3})"
_WEEKDAYS = {"一": 0, "1": 0, "二": 1, "2": 1, "三": 2, "3": 2, "四": 3, "4": 3, "五": 4, "5": 4, "六": 5, "6": 5}
_WEEKDAYS |= {"日": 6, "天": 6, "7": 6}
_HOLIDAYS = {"元旦": (1, 1), "劳动节": (5, 1), "五一": (5, 1), "国庆": (10, 1), "国庆节": (10, 1)}
# Hour when only the part of the day is given, and whether hours in it are afternoon hours.
_PERIODS = [
    ("凌晨", 3, False),
    ("早上", 8, False),
    ("早晨", 8, False),
    ("清早", 7, False),
    ("上午", 10, False),
    ("中午", 12, None),
    ("下午", 15, True),
    ("傍晚", 18, True),
    ("晚上", 20, True),
    ("夜里", 22, True),
    ("半夜", 0, False),
    ("晚", 20, True),
    ("早", 8, False),
]
_FUTURE = re.compile(r"明天|明早|明晚|后天|下周|下星期|下礼拜|下个月|明年")
LATE_AFTER = timedelta(days=365)


@dataclass(frozen=True)
class InjuryTime:
    when: datetime | None
    has_time: bool = False
    problem: str | None = None  # "unparsed" or "future"

    def display(self) -> str:
        if self.when is None:
            return ""
        return self.when.strftime("%Y-%m-%d %H:%M") if self.has_time else self.when.strftime("%Y-%m-%d")


def chinese_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS and ch != "十" for ch in text):
        return None
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(units, 0) if units else 0)
    value = 0
    for ch in text:
        value = value * 10 + _DIGITS[ch]
    return value


def _date_part(text: str, today: date) -> date | None:
    if m := re.search(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", text):
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := re.search(rf"({_NUM})月({_NUM})[日号]?", text):
        return _without_year(chinese_number(m.group(1)), chinese_number(m.group(2)), today)
    if m := re.search(r"(?<![\d:])(\d{1,2})[./](\d{1,2})(?![\d:])", text):
        return _without_year(int(m.group(1)), int(m.group(2)), today)
    if m := re.search(rf"上个?月({_NUM})[日号]", text):
        first_of_month = today.replace(day=1)
        previous = first_of_month - timedelta(days=1)
        return _safe_date(previous.year, previous.month, chinese_number(m.group(1)))
    if m := re.search(rf"(?:这个?月|本月)?({_NUM})[日号]", text):
        day = chinese_number(m.group(1))
        candidate = _safe_date(today.year, today.month, day)
        if candidate and candidate > today:
            previous = today.replace(day=1) - timedelta(days=1)
            return _safe_date(previous.year, previous.month, day)
        return candidate
    if m := re.search(r"(上上|上|这|本)?(?:周|星期|礼拜)([一二三四五六日天1-7])", text):
        weekday = _WEEKDAYS[m.group(2)]
        monday = today - timedelta(days=today.weekday())
        weeks_back = {"上上": 2, "上": 1}.get(m.group(1) or "", 0)
        candidate = monday - timedelta(weeks=weeks_back) + timedelta(days=weekday)
        if not m.group(1) and candidate > today:
            candidate -= timedelta(weeks=1)
        return candidate
    if m := re.search(rf"({_NUM}|半)个?(天|日|星期|周|礼拜|月)(?:以)?前", text):
        amount = 0.5 if m.group(1) == "半" else chinese_number(m.group(1))
        days = {"天": 1, "日": 1, "星期": 7, "周": 7, "礼拜": 7, "月": 30}[m.group(2)]
        return today - timedelta(days=int(amount * days)) if amount is not None else None
    for word, back in (("大前天", 3), ("前天", 2), ("昨", 1), ("今", 0), ("刚", 0), ("前晚", 2)):
        if word in text:
            return today - timedelta(days=back)
    for word, (month, day) in _HOLIDAYS.items():
        if word in text:
            return _without_year(month, day, today)
    if re.search(r"今早|今晚|今儿|今日|这会|刚才|刚刚", text):
        return today
    return None


def _time_part(text: str) -> time | None:
    if m := re.search(r"(?<!\d)(\d{1,2})[:：](\d{2})(?!\d)", text):
        hour, minute = int(m.group(1)), int(m.group(2))
        return time(hour, minute) if hour < 24 and minute < 60 else None
    period = next(((word, hour, pm) for word, hour, pm in _PERIODS if word in text), None)
    m = re.search(rf"({_NUM})[点时](?:(半)|({_NUM})分?|一刻)?", text)
    if not m:
        return time(period[1], 0) if period else None
    hour = chinese_number(m.group(1))
    if hour is None or hour > 24:
        return None
    minute = 30 if m.group(2) else (chinese_number(m.group(3)) or 0 if m.group(3) else 0)
    if "一刻" in m.group(0):
        minute = 15
    if period:
        pm = period[2]
        if pm is None:
            pm = hour < 6
        if pm and hour < 12:
            hour += 12
        elif period[0] in ("凌晨", "半夜") and hour == 12:
            hour = 0
    if hour == 24:
        hour = 0
    return time(hour, min(minute, 59))


def parse_injury_time(text: str, now: datetime) -> InjuryTime:
    text = text.strip()
    if _FUTURE.search(text):
        return InjuryTime(None, problem="future")
    if m := re.search(rf"({_NUM}|半)个?(小时|钟头|分钟)(?:以)?前", text):
        amount = 0.5 if m.group(1) == "半" else chinese_number(m.group(1))
        if amount is None:
            return InjuryTime(None, problem="unparsed")
        unit = timedelta(minutes=1) if m.group(2) == "分钟" else timedelta(hours=1)
        return InjuryTime((now - unit * amount).replace(second=0, microsecond=0), True)
    if re.search(r"刚才|刚刚|就在刚|这会儿", text) and not re.search(r"[点时:：]", text):
        return InjuryTime(now.replace(second=0, microsecond=0), True)
    day = _date_part(text, now.date())
    clock = _time_part(text)
    if day is None and clock is None:
        return InjuryTime(None, problem="unparsed")
    if day is None:
        day = now.date()
        if datetime.combine(day, clock) > now:
            day -= timedelta(days=1)
    when = datetime.combine(day, clock or time(0, 0))
    if when > now:
        return InjuryTime(when, clock is not None, problem="future")
    return InjuryTime(when, clock is not None)


def _safe_date(year: int | None, month: int | None, day: int | None) -> date | None:
    try:
        return date(year, month, day) if year and month and day else None
    except ValueError:
        return None


def _without_year(month: int | None, day: int | None, today: date) -> date | None:
    candidate = _safe_date(today.year, month, day)
    if candidate and candidate > today:
        candidate = _safe_date(today.year - 1, month, day)
    return candidate


def is_late(value: datetime, now: datetime) -> bool:
    return now - value > LATE_AFTER
