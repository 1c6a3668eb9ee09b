"""The process-wide knowledge base, created on first use from the settings."""

from __future__ import annotations

import threading

from assistant.settings import get_settings
from knowledge.embedding.encoder import shared_encoder
from knowledge.search import KnowledgeBase

_kb: KnowledgeBase | None = None
_lock = threading.Lock()


def knowledge_base() -> KnowledgeBase:
    global _kb
    with _lock:
        if _kb is None:
            settings = get_settings()
            _kb = KnowledgeBase(settings.index_dir, shared_encoder(settings.embedding_model))
        return _kb
