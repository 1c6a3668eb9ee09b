"""Intent accuracy on colloquial messages the model never saw in training.

Wraps ``rasa test nlu`` (held-out file, or k-fold cross-validation on the
training data) and prints accuracy, macro-F1 and the confusions that remain.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from assistant.rasa_model import RASA_BIN, ensure_trained, rasa_env
from assistant.settings import PROJECT_ROOT


@dataclass(frozen=True)
class NluReport:
    accuracy: float
    macro_f1: float
    examples: int
    confusions: list[tuple[str, str, int]]
    errors: list[tuple[str, str, str]]
    served_accuracy: float | None = None


# All NLU training files (nlu.yml, nlu_colloquial.yml, ...): rasa reads the folder and
# skips the stories and rules in it, the same data `rasa train --data nlu/data` sees.
NLU_DATA = "nlu/data"

# out_of_scope and a low-confidence guess end in the same place: action_fallback.
FALLBACK_EQUIVALENT = {"out_of_scope"}


def fallback_threshold() -> float:
    import yaml

    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    return next(float(c.get("threshold", 0.3)) for c in config["pipeline"] if c["name"] == "FallbackClassifier")


def served_accuracy(predictions: list[dict], threshold: float) -> float | None:
    """Accuracy as users meet it: rasa test nlu undoes the FallbackClassifier, but in
    the running assistant a prediction below its threshold becomes nlu_fallback."""
    if not predictions:
        return None
    right = 0
    for p in predictions:
        predicted, confidence = p["intent_prediction"]["name"], p["intent_prediction"]["confidence"] or 0.0
        served = "nlu_fallback" if confidence < threshold else predicted
        right += served == p["intent"] or (served == "nlu_fallback" and p["intent"] in FALLBACK_EQUIVALENT)
    return right / len(predictions)


def _summarise(results: Path) -> NluReport:
    report = json.loads((results / "intent_report.json").read_text(encoding="utf-8"))
    errors_file = results / "intent_errors.json"
    errors = json.loads(errors_file.read_text(encoding="utf-8")) if errors_file.exists() else []
    pairs = Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors)
    successes_file = results / "intent_successes.json"
    successes = json.loads(successes_file.read_text(encoding="utf-8")) if successes_file.exists() else []
    return NluReport(
        accuracy=report["accuracy"],
        macro_f1=report["macro avg"]["f1-score"],
        examples=int(report["macro avg"]["support"]),
        confusions=[(a, b, n) for (a, b), n in pairs.most_common()],
        errors=[(e["intent"], e["intent_prediction"]["name"], e["text"]) for e in errors],
        served_accuracy=served_accuracy(errors + successes, fallback_threshold()) if successes else None,
    )


def evaluate_holdout(holdout: Path, out: Path) -> NluReport:
    model = ensure_trained()
    subprocess.run(
        [str(RASA_BIN), "test", "nlu", "--nlu", str(holdout), "--model", str(model), "--out", str(out), "--successes"],
        cwd=PROJECT_ROOT,
        env=rasa_env(),
        check=True,
        capture_output=True,
    )
    return _summarise(out)


def cross_validate(folds: int, out: Path) -> NluReport:
    subprocess.run(
        [
            str(RASA_BIN),
            "test",
            "nlu",
            "--nlu",
            NLU_DATA,
            "--config",
            "config.yml",
            "--cross-validation",
            "--folds",
            str(folds),
            "--out",
            str(out),
            "--successes",
        ],
        cwd=PROJECT_ROOT,
        env=rasa_env(),
        check=True,
        capture_output=True,
    )
    return _summarise(out)
