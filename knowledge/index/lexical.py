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

import numpy as np

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
    """Okapi BM25 with each term's per-passage weights precomputed as arrays, so a
    query costs one vector addition per query term, even for terms in thousands
    of passages."""

    def __init__(self, documents: list[tuple[str, ...]], k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        avg = float(lengths.mean()) if self.size else 0.0
        norm = k1 * (1 - b + b * lengths / (avg or 1.0))
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, doc in enumerate(documents):
            for term, tf in Counter(doc).items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (ids, tfs) in postings.items():
            idx = np.array(ids, dtype=np.int64)
            tf = np.array(tfs, dtype=np.float32)
            idf = math.log(1 + (self.size - len(ids) + 0.5) / (len(ids) + 0.5))
            self.postings[term] = (idx, idf * tf * (k1 + 1) / (tf + norm[idx]))

    def scores(self, query: tuple[str, ...]) -> dict[int, float]:
        total = np.zeros(self.size, dtype=np.float32)
        for term in set(query):
            entry = self.postings.get(term)
            if entry is not None:
                total[entry[0]] += entry[1]
        hits = np.nonzero(total)[0]
        return {int(i): float(total[i]) for i in hits}
