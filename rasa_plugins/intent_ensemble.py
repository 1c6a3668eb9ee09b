"""A second opinion on the intent: a linear model over words and the e5 sentence vector.

DIET learns from ~2,300 examples and is sure of itself on messages that look
like them; on a rider's dictated story or a graduate's long question it is
often unsure or wrong. A multinomial logistic regression over the same sparse
word and character features plus the sentence's e5 vector (the knowledge
index's model) generalises differently: the e5 vector knows that "腿摔伤了" and
"膝盖破了" are alike without both being in the training data. The two
rankings are averaged; the FallbackClassifier after this component sees the
average.

It sits after DIETClassifier in config.yml. Its weights are numpy arrays in
the model archive (``np.savez``; no pickle). The e5 model is the int8 graph in
the folder ``EMBEDDING_MODEL`` names (``assistant setup-model`` builds it), run
on onnxruntime: 2.9 ms a message and ~0.4 GB less than the full graph, which the
knowledge index keeps. It is loaded when the trained model is loaded, before the
server answers, so no user waits for it.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

log = logging.getLogger(__name__)

WEIGHTS = "weights.npz"


_encoders: dict[str, Any] = {}


def _encoder() -> Any:
    """The e5 model's int8 graph (``assistant setup-model`` writes it), once per process."""
    from pathlib import Path

    from assistant.settings import get_settings
    from knowledge.embedding.encoder import OnnxModel
    from knowledge.embedding.onnx_export import quantized_path

    folder = Path(get_settings().embedding_model)
    if str(folder) not in _encoders:
        graph = quantized_path(folder)
        if not graph.exists():
            raise FileNotFoundError(f"{graph} is missing: run `assistant setup-model` (make prepare)")
        _encoders[str(folder)] = OnnxModel(folder, graph)
    return _encoders[str(folder)]


def _vectors(texts: list[str]) -> np.ndarray:
    return _encoder().encode(texts, "query")


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def merge(first: dict[str, float], second: dict[str, float], weight: float) -> list[tuple[str, float]]:
    """``weight`` of the first ranking plus the rest of the second, best first (an intent one ranking lacks has 0)."""
    names = set(first) | set(second)
    merged = {name: weight * first.get(name, 0.0) + (1 - weight) * second.get(name, 0.0) for name in names}
    return sorted(merged.items(), key=lambda item: (-item[1], item[0]))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SentenceIntentEnsemble(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Inverse regularisation of the logistic regression (tuned on the tuning sets, not the report sets).
            "C": 10.0,
            # The e5 vector is unit length beside counts of words: scaled so that it counts.
            "embedding_scale": 10.0,
            # Share of DIET's ranking in the average.
            "diet_weight": 0.5,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.classes: list[str] = [str(name) for name in weights["classes"]] if weights else []
        self.coef: np.ndarray | None = weights["coef"] if weights else None
        self.intercept: np.ndarray | None = weights["intercept"] if weights else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceIntentEnsemble:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentenceIntentEnsemble:
        try:
            with model_storage.read_from(resource) as folder, np.load(folder / WEIGHTS, allow_pickle=False) as data:
                weights = {name: data[name] for name in data.files}
        except ValueError:
            log.warning("the intent ensemble has no weights (trained without intent examples); DIET alone decides")
            return cls(config, model_storage, resource)
        component = cls(config, model_storage, resource, weights)
        _vectors(["预热"])  # load e5 now, before the server answers anyone
        return component

    def _features(self, messages: list[Message], vectors: np.ndarray) -> scipy.sparse.csr_matrix:
        rows = []
        for message in messages:
            _, sentence = message.get_sparse_features(TEXT)
            rows.append(sentence.features.tocsr() if sentence is not None else None)
        width = next((row.shape[1] for row in rows if row is not None), 0)
        sparse = scipy.sparse.vstack([row if row is not None else scipy.sparse.csr_matrix((1, width)) for row in rows])
        dense = scipy.sparse.csr_matrix(vectors * float(self.config["embedding_scale"]))
        return scipy.sparse.hstack([sparse, dense], format="csr")

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            log.warning("fewer than two intents with examples: the intent ensemble is not trained")
            return self._resource
        vectors = _vectors([m.get(TEXT) for m in examples])
        model = LogisticRegression(C=float(self.config["C"]), max_iter=2000)
        model.fit(self._features(examples, vectors), [m.get(INTENT) for m in examples])
        with self._model_storage.write_to(self._resource) as folder:
            np.savez(
                folder / WEIGHTS,
                classes=np.array([str(name) for name in model.classes_]),
                coef=model.coef_.astype(np.float32),
                intercept=model.intercept_.astype(np.float32),
            )
        return self._resource

    def probabilities(self, messages: list[Message]) -> np.ndarray:
        assert self.coef is not None and self.intercept is not None
        vectors = _vectors([m.get(TEXT) for m in messages])
        return softmax(np.asarray(self._features(messages, vectors) @ self.coef.T) + self.intercept)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.coef is None:
            return messages
        texts = [m for m in messages if m.get(TEXT)]
        if not texts:
            return messages
        for message, probabilities in zip(texts, self.probabilities(texts), strict=True):
            linear = {name: float(p) for name, p in zip(self.classes, probabilities, strict=True)}
            diet = {
                entry[INTENT_NAME_KEY]: float(entry[PREDICTED_CONFIDENCE_KEY])
                for entry in message.get(INTENT_RANKING_KEY) or []
            }
            if not diet and (intent := message.get(INTENT)) and intent.get(INTENT_NAME_KEY):
                diet = {intent[INTENT_NAME_KEY]: float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)}
            weight = float(self.config["diet_weight"]) if diet else 0.0
            ranking = merge(diet, linear, weight)[: int(self.config["ranking_length"])]
            best, confidence = ranking[0]
            message.set(INTENT, {INTENT_NAME_KEY: best, PREDICTED_CONFIDENCE_KEY: confidence}, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: score} for name, score in ranking],
                add_to_output=True,
            )
        return messages
