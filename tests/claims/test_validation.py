"""Every rule the claim form applies to an answer, with the answers users really type."""

from __future__ import annotations

from datetime import datetime

import pytest

from claims.validation.injury_time import is_late, parse_injury_time
from claims.validation.person_name import mask_name, normalise_name
from claims.validation.phone import mask_phone, normalise_phone
from claims.validation.resident_id import check_character, mask_resident_id, parse_resident_id

NOW = datetime(2026, 11, 27, 12, 30)  # a Friday


def valid_id(first17: str = "11010519491231002") -> str:
    return first17 + check_character(first17)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("电话：186-0571-2233", "18605712233"),
        ("+86 137 9988 6655", "13799886655"),
        ("电话是一五八六七二三四五六七", "15867234567"),
        ("号码15100001111，白天都能打通", "15100001111"),
    ],
)
def test_mobile_numbers_as_people_type_them(typed: str, expected: str) -> None:
    assert normalise_phone(typed) == expected


@pytest.mark.parametrize("typed", ["1381234567", "23812345678", "12812345678", "010-12345678", "138123456789", "没有"])
def test_not_a_mainland_mobile_number(typed: str) -> None:
    assert normalise_phone(typed) is None


def test_two_different_numbers_are_not_guessed_between() -> None:
    assert normalise_phone("13812345678 或 13987654321") is None


def test_phone_is_masked_to_first_three_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_resident_id_with_a_valid_checksum_is_accepted() -> None:
    number = valid_id()
    assert number == "11010519491231002X"
    assert parse_resident_id(f"身份证 {number.lower()}").value == number


def test_resident_id_with_one_wrong_digit_fails_the_checksum() -> None:
    number = valid_id()
    wrong = number[:10] + ("3" if number[10] != "3" else "4") + number[11:]
    assert parse_resident_id(wrong).problem in ("checksum", "birth_date")
    assert parse_resident_id(number[:-1] + "5").problem == "checksum"


@pytest.mark.parametrize("typed", ["1101051949123100", "110105194912310021234", "abc"])
def test_resident_id_of_the_wrong_length(typed: str) -> None:
    assert parse_resident_id(typed).problem == "length"


def test_resident_id_with_an_impossible_birth_date() -> None:
    first17 = "11010519491331002"  # month 13
    assert parse_resident_id(first17 + check_character(first17)).problem == "birth_date"


def test_resident_id_is_masked_to_its_last_four() -> None:
    masked = mask_resident_id(valid_id())
    assert masked.endswith("002X") and "19491231" not in masked


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("王小明", "王小明"),
        ("我叫王小明", "王小明"),
        ("名字是李娜", "李娜"),
        ("姓名：张伟", "张伟"),
        ("免贵姓赵，赵大勇", "赵大勇"),
        ("王芳，三横王，芬芳的芳", "王芳"),
        ("欧阳晨", "欧阳晨"),
        ("叫我刘建军就行", "刘建军"),
        ("艾力·买买提", "艾力·买买提"),
    ],
)
def test_names_as_people_give_them(typed: str, expected: str) -> None:
    assert normalise_name(typed) == expected


@pytest.mark.parametrize("typed", ["", "123", "你好", "😀😀", "a"])
def test_not_a_name(typed: str) -> None:
    assert normalise_name(typed) is None


def test_name_is_masked_in_the_middle() -> None:
    assert mask_name("王小明") == "王*明"
    assert mask_name("李娜") == "李*"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("昨天下午三点", "2026-11-26 15:00"),
        ("11月20日晚上", "2026-11-20 20:00"),
        ("上周五", "2026-11-20"),
        ("前天早上七点多", "2026-11-25 07:00"),
        ("大概是11月18号下午4点左右", "2026-11-18 16:00"),
        ("昨晚十点半", "2026-11-26 22:30"),
        ("三天前", "2026-11-24"),
        ("11.20 晚8点", "2026-11-20 20:00"),
        ("2026-01-05 14:30", "2026-01-05 14:30"),
        ("上个月28号", "2026-10-28"),
        ("半小时前", "2026-11-27 12:00"),
        ("今天凌晨两点", "2026-11-27 02:00"),
        ("12月5日", "2025-12-05"),
    ],
)
def test_injury_times_in_natural_chinese(typed: str, expected: str) -> None:
    parsed = parse_injury_time(typed, NOW)
    assert parsed.problem is None
    assert parsed.display() == expected


@pytest.mark.parametrize("typed", ["明天下午", "今天晚上9点", "下周一"])
def test_injury_time_in_the_future_is_refused(typed: str) -> None:
    assert parse_injury_time(typed, NOW).problem == "future"


@pytest.mark.parametrize("typed", ["不记得", "哈哈", ""])
def test_injury_time_that_cannot_be_read(typed: str) -> None:
    assert parse_injury_time(typed, NOW).problem == "unparsed"


def test_an_injury_over_a_year_ago_is_late() -> None:
    old = parse_injury_time("2025年10月1日", NOW).when
    recent = parse_injury_time("2026年10月1日", NOW).when
    assert old and recent and is_late(old, NOW) and not is_late(recent, NOW)
