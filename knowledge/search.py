"""Ranked passages for a question: dense (e5 + FAISS) fused with BM25.

The searcher follows the index's ``current`` symlink on every query, so a
rebuilt index is picked up by a running action server without a restart; a
version is loaded completely before it replaces the one being served.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from knowledge.embedding.encoder import Encoder
from knowledge.index.lexical import BM25, tokenize
from knowledge.index.store import IndexMismatch, IndexMissing, Manifest, model_identity, read_chunks_with_tokens
from knowledge.models import Chunk, Hit

log = logging.getLogger(__name__)

CANDIDATES = 50
# Hybrid score = dense cosine + LEXICAL_WEIGHT * BM25 / (best BM25 for the query).
# Chosen by `assistant eval retrieval`: beats reciprocal-rank fusion and either
# ranker alone on both question sets, and is flat for weights 0.05-0.2.
LEXICAL_WEIGHT = 0.1


class Ranker(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    LEXICAL = "lexical"


@dataclass(frozen=True)
class _Snapshot:
    version: str
    chunks: list[Chunk]
    index: object
    bm25: BM25
    manifest: Manifest


class KnowledgeBase:
    def __init__(self, index_dir: Path, encoder: Encoder) -> None:
        self.index_dir = index_dir
        self.encoder = encoder
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()
        self._vocabulary: tuple[str, str] | None = None

    def _target(self) -> Path:
        link = self.index_dir / "current"
        if not link.is_symlink():
            raise IndexMissing(f"no knowledge index in {self.index_dir}; run `assistant index`")
        return (self.index_dir / os.readlink(link)).resolve()

    def snapshot(self) -> _Snapshot:
        target = self._target()
        current = self._snapshot
        if current is not None and current.version == target.name:
            return current
        with self._lock:
            if self._snapshot is None or self._snapshot.version != target.name:
                self._snapshot = self._load(target)
            return self._snapshot

    def _load(self, folder: Path) -> _Snapshot:
        import faiss

        # Exact search over this many vectors takes ~2 ms on one thread; a second
        # OpenMP pool competing with torch's on 2 cores stalled queries for ~0.8 s.
        faiss.omp_set_num_threads(1)
        manifest = Manifest.read(folder)
        expected = model_identity(self.encoder.model_ref)
        if manifest.model != expected:
            raise IndexMismatch(
                f"index built with {manifest.model}, configured model is {expected}; run `assistant index` to rebuild"
            )
        index = faiss.read_index(str(folder / "index.faiss"))
        if index.d != manifest.dimension:
            raise IndexMismatch(f"index dimension {index.d} != manifest {manifest.dimension}")
        pairs = read_chunks_with_tokens(folder)
        log.info("loaded knowledge index %s (%d chunks)", folder.name, len(pairs))
        return _Snapshot(folder.name, [c for c, _ in pairs], index, BM25([t for _, t in pairs]), manifest)

    def warm_up(self) -> None:
        """The first few inferences after loading take ~0.8 s each; pay that before users arrive."""
        for text in (
            "补贴",
            "职业伤害保障",
            "骑手受伤了怎么办",
            "一次性求职补贴的钱从哪里来",
            "工会的职工互助基金能帮因病致困的职工吗",
        ):
            self.search(text, k=1)
        self.search("外卖骑手在送餐途中摔伤了，平台不给报销，我应该去哪里申请职业伤害保障待遇？", k=1)

    def chunk(self, chunk_id: str) -> Chunk | None:
        """A passage by id, for showing the whole of one that was answered in short."""
        return next((c for c in self.snapshot().chunks if c.chunk_id == chunk_id), None)

    def vocabulary(self) -> str:
        """Every title, heading and passage of the current index as one string, for
        checking whether a term occurs anywhere in the documents."""
        snap = self.snapshot()
        cached = self._vocabulary
        if cached is None or cached[0] != snap.version:
            text = "\n".join(f"{c.title}\n{c.section}\n{c.text}" for c in snap.chunks)
            cached = self._vocabulary = (snap.version, text)
        return cached[1]

    def search(self, query: str, k: int = 5, ranker: Ranker = Ranker.HYBRID) -> list[Hit]:
        snap = self.snapshot()
        if not snap.chunks or not query.strip():
            return []
        n = min(CANDIDATES, len(snap.chunks))
        vector = self.encoder.queries([query])[0]
        scores, ids = snap.index.search(vector[None, :], n)
        dense = {int(i): float(s) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0}
        lexical = snap.bm25.scores(tokenize(query))
        top_lexical = sorted(lexical, key=lexical.__getitem__, reverse=True)[:n]
        for i in top_lexical:
            if i not in dense:
                dense[i] = float(np.dot(snap.index.reconstruct(i), vector))
        if ranker is Ranker.DENSE:
            fused = dense
        elif ranker is Ranker.LEXICAL:
            fused = {i: lexical[i] for i in top_lexical}
        else:
            best_lexical = max(lexical.values(), default=0.0) or 1.0
            fused = {i: d + LEXICAL_WEIGHT * lexical.get(i, 0.0) / best_lexical for i, d in dense.items()}
        best = sorted(fused, key=fused.__getitem__, reverse=True)[:k]
        return [
            Hit(
                document=snap.chunks[i].document,
                title=snap.chunks[i].title,
                section=snap.chunks[i].section,
                text=snap.chunks[i].text,
                score=round(fused[i], 6),
                dense_score=round(dense.get(i, 0.0), 6),
                lexical_score=round(lexical.get(i, 0.0), 6),
                topic=snap.chunks[i].topic,
                chunk_id=snap.chunks[i].chunk_id,
            )
            for i in best
        ]
