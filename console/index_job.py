"""One knowledge-index build at a time, in the background, with progress for the page that watches it.

The index is versioned and swapped atomically (``knowledge.index.store``); the action
server follows the ``current`` link on every question, so a finished build is live at
once, with no restart."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass, field

from assistant.settings import Settings

log = logging.getLogger(__name__)

STAGES = {"waiting": "排队中", "reading": "读取文档", "embedding": "计算向量", "writing": "写入索引"}


@dataclass
class JobState:
    state: str = "idle"  # idle | running | done | failed
    stage: str = ""
    done: int = 0
    total: int = 0
    started_by: str = ""
    started_at: float = 0.0
    finished_at: float = 0.0
    report: dict = field(default_factory=dict)
    error: str = ""

    def as_json(self) -> dict:
        data = asdict(self)
        data["stage_label"] = STAGES.get(self.stage, self.stage)
        data["percent"] = self.percent
        return data

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        if self.stage == "embedding" and self.total:
            return 10 + int(85 * self.done / self.total)
        return {"reading": 5, "writing": 95}.get(self.stage, 0)


_lock = threading.Lock()
_job = JobState()


def current() -> JobState:
    with _lock:
        return JobState(**asdict(_job))


def start(settings: Settings, staff_name: str) -> bool:
    """False when a build is already running."""
    global _job
    with _lock:
        if _job.state == "running":
            return False
        _job = JobState(state="running", stage="waiting", started_by=staff_name, started_at=time.time())
    threading.Thread(target=_run, args=(settings,), name="index-build", daemon=True).start()
    return True


def _progress(stage: str, done: int, total: int) -> None:
    with _lock:
        _job.stage, _job.done, _job.total = stage, done, total


def _run(settings: Settings) -> None:
    from knowledge.embedding.encoder import shared_encoder
    from knowledge.index.store import build_index

    try:
        report = build_index(
            settings.knowledge_dir, settings.index_dir, shared_encoder(settings.embedding_model), progress=_progress
        )
        result = report.summary()
        with _lock:
            _job.state, _job.report, _job.finished_at = "done", result, time.time()
        log.info("index %s built from the console: %d passages", report.version, report.chunks)
    except Exception as error:
        log.exception("index build from the console failed")
        with _lock:
            _job.state, _job.error, _job.finished_at = "failed", type(error).__name__, time.time()
