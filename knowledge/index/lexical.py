"""BM25 over jieba words, the lexical half of retrieval.

Exact terms matter in policy questions (12351, 1234.57, 低保): dense vectors blur
them, word matching does not. jieba gets the project's domain dictionary, or it
cuts 职业伤害保障 into pieces.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from functools import lru_cache
from pathlib import Path

DOMAIN_DICTIONARY = Path(__file__).resolve().parents[2] / "nlu" / "jieba" / "domain_terms.txt"
_STOP = set("的了吗呢吧啊呀么是在有和与及或我你他她它们这那个怎么什么哪些如何可以能不要会就都也还")
_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba():
    global _jieba_ready
    import jieba

    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(60)
            if DOMAIN_DICTIONARY.exists():
                jieba.load_userdict(str(DOMAIN_DICTIONARY))
            _jieba_ready = True
    return jieba


@lru_cache(maxsize=4096)
def tokenize(text: str) -> tuple[str, ...]:
    words = _jieba().lcut_for_search(text.lower())
    return tuple(w for w in (w.strip() for w in words) if w and w not in _STOP and not re.fullmatch(r"\W+", w))


class BM25:
    def __init__(self, documents: list[tuple[str, ...]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.doc_freqs = [Counter(d) for d in documents]
        self.lengths = [len(d) for d in documents]
        self.avg_len = (sum(self.lengths) / len(self.lengths)) if documents else 0.0
        df: Counter[str] = Counter()
        for d in self.doc_freqs:
            df.update(d.keys())
        n = len(documents)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, d in enumerate(self.doc_freqs):
            for t in d:
                self.postings.setdefault(t, []).append(i)

    def scores(self, query: tuple[str, ...]) -> dict[int, float]:
        out: dict[int, float] = {}
        for term in set(query):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i in self.postings[term]:
                tf = self.doc_freqs[i][term]
                norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.avg_len or 1))
                out[i] = out.get(i, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        return out
