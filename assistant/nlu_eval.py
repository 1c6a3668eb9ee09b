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


def _summarise(results: Path) -> NluReport:
    report = json.loads((results / "intent_report.json").read_text(encoding="utf-8"))
    errors_file = results / "intent_errors.json"
    errors = json.loads(errors_file.read_text(encoding="utf-8")) if errors_file.exists() else []
    pairs = Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors)
    return NluReport(
        accuracy=report["accuracy"],
        macro_f1=report["macro avg"]["f1-score"],
        examples=int(report["macro avg"]["support"]),
        confusions=[(a, b, n) for (a, b), n in pairs.most_common()],
        errors=[(e["intent"], e["intent_prediction"]["name"], e["text"]) for e in errors],
    )


def evaluate_holdout(holdout: Path, out: Path) -> NluReport:
    model = ensure_trained()
    subprocess.run(
        [str(RASA_BIN), "test", "nlu", "--nlu", str(holdout), "--model", str(model), "--out", str(out)],
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
            "nlu/data/nlu.yml",
            "--config",
            "config.yml",
            "--cross-validation",
            "--folds",
            str(folds),
            "--out",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        env=rasa_env(),
        check=True,
        capture_output=True,
    )
    return _summarise(out)
