"""Retrieval benchmark: build throughput, query latency, memory, incremental update.

Run with ``assistant bench retrieval``; it prints a table and writes JSON. It
measures on the real knowledge folder and on a synthetic folder of about
10,000 passages made by recombining the real documents' sentences, so the
numbers describe this corpus's language and passage lengths.
"""

from __future__ import annotations

import json
import platform
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from knowledge.embedding.encoder import Encoder
from knowledge.evaluation import load_questions
from knowledge.index.store import build_index
from knowledge.ingest.chunker import chunk_document, sentences
from knowledge.ingest.readers import iter_documents, read_document
from knowledge.search import KnowledgeBase


@dataclass(frozen=True)
class CorpusFigures:
    corpus: str
    documents: int
    chunks: int
    build_seconds: float
    chunks_per_second: float
    query_p50_ms: float
    query_p95_ms: float
    queries: int
    update_one_file_seconds: float
    rss_mb: float


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def synthetic_folder(source: Path, target: Path, chunks: int, seed: int = 7) -> int:
    """Documents of 20 sections, each a few real sentences shuffled together."""
    pool = [
        s
        for path in iter_documents(source)
        for sec in read_document(path, source).sections
        for p in sec.paragraphs
        for s in sentences(p)
    ]
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    per_doc = 20
    for d in range(chunks // per_doc):
        lines = [f"# 合成文档 {d}\n"]
        for s in range(per_doc):
            lines.append(f"## 第{d}号文档第{s}节\n" + "".join(rng.sample(pool, 3)) + "\n")
        (target / f"doc_{d:05d}.md").write_text("\n".join(lines), encoding="utf-8")
    return chunks // per_doc


def _measure(name: str, folder: Path, encoder: Encoder, questions: list[str]) -> CorpusFigures:
    encoder.passages(["预热"])  # model loading is not index building
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        report = build_index(folder, index_dir, encoder, force=True)
        kb = KnowledgeBase(index_dir, encoder)
        kb.warm_up()
        latencies = []
        for q in questions:
            started = time.perf_counter()
            kb.search(q, k=5)
            latencies.append((time.perf_counter() - started) * 1000)
        first = next(iter_documents(folder))
        first.write_text(first.read_text(encoding="utf-8") + "\n## 新增一节\n工会新增了一项职工服务。\n", "utf-8")
        update = build_index(folder, index_dir, encoder)
        documents = len(list(iter_documents(folder)))
        return CorpusFigures(
            corpus=name,
            documents=documents,
            chunks=report.chunks,
            build_seconds=round(report.seconds, 2),
            chunks_per_second=round(report.chunks / report.seconds, 1),
            query_p50_ms=round(statistics.median(latencies), 1),
            query_p95_ms=round(statistics.quantiles(latencies, n=20)[18], 1),
            queries=len(latencies),
            update_one_file_seconds=round(update.seconds, 2),
            rss_mb=round(rss_mb(), 0),
        )


def run(knowledge_dir: Path, questions_file: Path, encoder: Encoder, synthetic_chunks: int, out: Path) -> list[dict]:
    questions = [q.text for q in load_questions(questions_file)]
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample"
        shutil.copytree(knowledge_dir, sample)
        figures.append(_measure("knowledge folder", sample, encoder, questions))
        if synthetic_chunks:
            synthetic = Path(tmp) / "synthetic"
            synthetic_folder(knowledge_dir, synthetic, synthetic_chunks)
            expected = sum(len(chunk_document(read_document(p, synthetic))) for p in iter_documents(synthetic))
            figures.append(_measure(f"synthetic ({expected} passages)", synthetic, encoder, questions))
    result = {
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, "
        f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}",
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "figures": [asdict(f) for f in figures],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result["figures"]
