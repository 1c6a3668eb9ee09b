"""Train the Rasa model only when its inputs changed.

Rasa runs in its own Python 3.10 environment (.venv-rasa); this module shells
out to it with the project's paths spelled out, since our data lives in nlu/
rather than Rasa's default data/.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
from pathlib import Path

from assistant.settings import PROJECT_ROOT, get_settings

log = logging.getLogger(__name__)

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL_NAME = "policy-assistant"
TRAINING_INPUTS = ("config.yml", "nlu/domain.yml", "nlu/data", "nlu/jieba", "rasa_plugins/intent_ensemble.py")


def rasa_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONWARNINGS="ignore",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        # Rasa imports the project's components (rasa_plugins/) and the e5 encoder (knowledge/).
        PYTHONPATH=str(PROJECT_ROOT),
    )
    env.update(extra)
    return env


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = PROJECT_ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(PROJECT_ROOT).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def model_path() -> Path:
    return get_settings().rasa_model_dir / f"{MODEL_NAME}.tar.gz"


def ensure_trained(force: bool = False) -> Path:
    target = model_path()
    stamp = target.with_suffix(".fingerprint")
    current = fingerprint()
    if not force and target.exists() and stamp.exists() and stamp.read_text().strip() == current:
        log.info("Rasa model is up to date: %s", target)
        return target
    log.info("training the Rasa model (about 2 minutes on 2 cores)...")
    command = [
        str(RASA_BIN),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "nlu/domain.yml",
        "--data",
        "nlu/data",
        "--out",
        str(target.parent),
        "--fixed-model-name",
        MODEL_NAME,
        "--force",
    ]
    subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_env(), check=True)
    stamp.write_text(current)
    return target
