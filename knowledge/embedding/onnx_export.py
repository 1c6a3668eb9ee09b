"""The embedding model as an ONNX graph, so queries run on onnxruntime.

A policy question's time in the action server was mostly the encoder: on
onnxruntime the same weights give the same vectors (cosine ≥ 0.99999) in about
a third of the time (`assistant bench retrieval`, the same machine and hour:
query p50 / p95 35.6 / 42.1 ms on PyTorch, 11.5 / 15.8 ms here; building the
index 8.3 → 6.0 s). sentence-transformers'
own ONNX backend needs ``optimum-onnx``, which does not install beside
transformers 5, so the graph is exported here with
``torch.onnx`` once, at ``assistant setup-model``, into ``onnx/model.onnx`` of the
model folder; ``knowledge.embedding.encoder`` uses it when it is there.

Beside it, ``onnx/model_qint8.onnx``: the same graph with int8 weights (onnxruntime's
dynamic quantisation). Its vectors are within cosine 0.99 of the full graph's, too far
for the index (built with the full one) but plenty for reading intents: the Rasa
server's intent ensemble uses it, at ~0.4 GB less memory and 2.9 instead of 7.0 ms
a message.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

ONNX_FILE = Path("onnx") / "model.onnx"
QUANTIZED_FILE = Path("onnx") / "model_qint8.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_path(model_dir: Path) -> Path:
    return model_dir / ONNX_FILE


def quantized_path(model_dir: Path) -> Path:
    return model_dir / QUANTIZED_FILE


def ensure_graphs(model_dir: Path) -> None:
    """Add the graphs a model folder from an older release lacks (the full one, then the int8 one)."""
    if not onnx_path(model_dir).exists():
        export_onnx(model_dir)
    if not quantized_path(model_dir).exists():
        export_quantized(model_dir)


def export_quantized(model_dir: Path) -> Path:
    """Write ``onnx/model_qint8.onnx`` from ``onnx/model.onnx`` (atomically) and return it."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = quantized_path(model_dir)
    handle, staging = tempfile.mkstemp(prefix=".model-", suffix=".onnx", dir=target.parent)
    os.close(handle)
    try:
        logging.disable(logging.WARNING)  # a line per tensor, and advice for static quantisation
        try:
            quantize_dynamic(onnx_path(model_dir), staging, weight_type=QuantType.QInt8)
        finally:
            logging.disable(logging.NOTSET)
        os.replace(staging, target)
    finally:
        Path(staging).unlink(missing_ok=True)
    log.info("wrote the int8 embedding graph %s", target)
    return target


def export_onnx(model_dir: Path) -> Path:
    """Write ``onnx/model.onnx`` beside the weights in ``model_dir`` (atomically) and return it."""
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    # Two rows of different lengths, so padding is part of the traced graph.
    ids = torch.tensor([[0, 10, 20, 30, 2], [0, 10, 2, 1, 1]])
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    target = onnx_path(model_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=".model-", suffix=".onnx", dir=target.parent)
    os.close(handle)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    try:
        # The tracer's warnings are about shapes it fixes; the axes named dynamic stay dynamic.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Hidden(),
                (ids, mask, torch.zeros_like(ids)),
                staging,
                input_names=list(INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=dynamic,
                opset_version=17,
                dynamo=False,
            )
        os.replace(staging, target)
    finally:
        Path(staging).unlink(missing_ok=True)
    log.info("exported the embedding model to %s", target)
    return target
