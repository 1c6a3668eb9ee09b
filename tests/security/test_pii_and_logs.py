"""Phone and ID numbers in every form the claim validators accept are masked in
logs (message, exception text, traceback), whoever logs them."""

from __future__ import annotations

import logging

import pytest

from assistant.logging_setup import install_record_masking, mask_pii
from assistant.pii import redact_numbers
from claims.validation.phone import normalise_phone
from claims.validation.resident_id import check_character, parse_resident_id

ID18 = "11010519491231002" + check_character("11010519491231002")
PHONES = [
    "13812345678",
    "+86 138 1234 5678",
    "86-138-1234-5678",
    "138.1234.5678",
    "一三八一二三四五六七八",
    "幺三八 1234 五六七八",
]
IDS = [
    ID18,
    ID18.lower(),
    ID18[:-1] + "×",
    f"{ID18[:6]} {ID18[6:14]} {ID18[14:]}",
    f"{ID18[:6]}-{ID18[6:14]}-{ID18[14:]}",
]
OLD_ID = "110105491231002"


@pytest.mark.parametrize("typed", PHONES)
def test_every_phone_format_the_form_accepts_is_masked(typed: str) -> None:
    assert normalise_phone(typed) == "13812345678"  # the validator takes it ...
    text = f"我的电话是{typed}，谢谢"
    assert "1234" not in mask_pii(text) and "二三四" not in mask_pii(text)  # ... so the masks must too
    assert redact_numbers(text) == "我的电话是[手机号]，谢谢"


@pytest.mark.parametrize("typed", [*IDS, OLD_ID])
def test_every_id_format_is_masked(typed: str) -> None:
    if typed != OLD_ID:
        assert parse_resident_id(typed).value == ID18
    text = f"身份证{typed}。"
    assert redact_numbers(text) == "身份证[身份证号]。"
    assert "19491231" not in mask_pii(text).replace(" ", "") and "491231" not in mask_pii(text)


def test_two_numbers_in_one_line_and_ordinary_numbers() -> None:
    assert redact_numbers(f"13812345678 {ID18}") == "[手机号] [身份证号]"
    for ordinary in ("2026年11月29日 下午3点", "第1条第2款", "12351热线", "价格12.5元", "GS20261127K7Q2", "tg-7104"):
        assert mask_pii(ordinary) == ordinary and redact_numbers(ordinary) == ordinary


def test_log_records_are_masked_with_their_exception_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    install_record_masking()
    log = logging.getLogger("tests.security")
    try:
        raise ValueError(f"could not save 13912345678 for {ID18}")
    except ValueError:
        with caplog.at_level(logging.INFO):
            log.exception("answer %s failed", "139 1234 5678")
    [record] = caplog.records
    rendered = logging.Formatter("%(message)s").format(record)
    assert "139****5678" in rendered
    for clear in ("13912345678", "139 1234 5678", ID18):
        assert clear not in rendered
    assert "ValueError" in rendered and "Traceback" in rendered  # still useful to whoever reads it


def test_mask_pii_is_still_importable_from_logging_setup() -> None:
    from assistant import logging_setup, pii

    assert logging_setup.mask_pii is pii.mask_pii
