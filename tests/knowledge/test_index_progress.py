"""An index build reports its progress (the staff console shows it) and still builds the same index."""

from __future__ import annotations

from pathlib import Path

from knowledge.index.store import PROGRESS_BATCH, build_index, read_chunks


def test_progress_reports_reading_embedding_and_writing(tiny_corpus: Path, tmp_path: Path, encoder) -> None:
    seen: list[tuple[str, int, int]] = []
    report = build_index(tiny_corpus, tmp_path / "index", encoder, progress=lambda *step: seen.append(step))
    stages = [stage for stage, _, _ in seen]
    assert stages[0] == "reading" and stages[-1] == "writing" and "embedding" in stages
    assert [done for stage, done, _ in seen if stage == "reading"] == list(range(3))  # one step per document
    embedding = [(done, total) for stage, done, total in seen if stage == "embedding"]
    assert embedding[0] == (0, report.embedded)
    assert len(embedding) == -(-report.embedded // PROGRESS_BATCH)
    quiet = build_index(tiny_corpus, tmp_path / "quiet", encoder, force=True)
    assert [c.text for c in read_chunks(tmp_path / "index" / "current")] == [
        c.text for c in read_chunks(tmp_path / "quiet" / "current")
    ]
    assert quiet.chunks == report.chunks
