"""Questions are embedded on onnxruntime; the vectors, and so the answers, are those of sentence-transformers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from knowledge.embedding.encoder import Encoder, OnnxModel
from knowledge.embedding.onnx_export import ensure_graphs, onnx_path, quantized_path

QUESTIONS = [
    "求职补贴能领多少钱",
    "我是送外卖的今天下午四点多在人民路口被电动车撞了膝盖破了流了好多血去社区医院包扎了这种能不能报",
    "12351",
]


def test_the_model_folder_carries_the_onnx_graph_and_the_encoder_uses_it(encoder: Encoder) -> None:
    assert onnx_path(Path(encoder.model_ref)).exists()
    encoder.queries(["你好"])
    assert isinstance(encoder._load(), OnnxModel)


def test_onnx_vectors_are_sentence_transformers_vectors_for_questions_and_padded_batches(
    embedding_model_dir: Path, encoder: Encoder
) -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(embedding_model_dir), device="cpu")
    for prompt, texts in (("query", QUESTIONS), ("passage", QUESTIONS * 12)):  # 36 texts: two batches, padded
        expected = reference.encode(texts, prompt_name=prompt, normalize_embeddings=True, convert_to_numpy=True)
        got = encoder.queries(texts) if prompt == "query" else encoder.passages(texts)
        assert got.shape == expected.shape
        assert float(np.min(np.sum(got * expected, axis=1))) > 0.99999


def test_the_int8_graph_for_reading_intents_keeps_the_sentences_apart(
    embedding_model_dir: Path, encoder: Encoder
) -> None:
    graph = quantized_path(embedding_model_dir)
    assert graph.exists() and graph.stat().st_size < onnx_path(embedding_model_dir).stat().st_size / 3
    small = OnnxModel(embedding_model_dir, graph).encode(QUESTIONS, "query")
    full = encoder.queries(QUESTIONS)
    agreement = small @ full.T
    # Each question is nearest its own full-precision vector, and close to it.
    assert list(agreement.argmax(axis=1)) == [0, 1, 2]
    assert float(np.min(np.diag(agreement))) > 0.97


def test_a_model_folder_from_an_older_release_gets_the_int8_graph(embedding_model_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "model.onnx").symlink_to(onnx_path(embedding_model_dir))
    ensure_graphs(tmp_path)
    assert quantized_path(tmp_path).stat().st_size > 50_000_000
    assert [p.name for p in (tmp_path / "onnx").iterdir() if p.name.startswith(".")] == []  # no staging left
