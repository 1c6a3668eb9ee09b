"""The domain dictionary keeps policy terms whole for both Rasa and the lexical ranker."""

import jieba

from knowledge.index.lexical import DOMAIN_DICTIONARY, tokenize


def test_domain_terms_are_single_words() -> None:
    assert DOMAIN_DICTIONARY.exists()
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(DOMAIN_DICTIONARY))
    words = tokenizer.lcut("外卖骑手有职业伤害保障吗，一次性求职补贴怎么领")
    assert "职业伤害保障" in words
    assert "一次性求职补贴" in words


def test_lexical_tokens_drop_particles_and_punctuation() -> None:
    tokens = tokenize("骑手的职业伤害保障吗？")
    assert "职业伤害保障" in tokens
    assert "吗" not in tokens and "？" not in tokens
