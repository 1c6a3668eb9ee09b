"""The code the Rasa server imports from this project, run in Rasa's own venv."""

from __future__ import annotations

import subprocess

from assistant.rasa_model import RASA_BIN, rasa_env
from assistant.settings import PROJECT_ROOT
from tests.conftest import requirement_missing

CHECK = """
import rasa_plugins.masking_tracker_store as store
from rasa_plugins import patches
patches.install()
from rasa.core.actions.action import RemoteAction
from jsonschema import ValidationError
action = RemoteAction.__new__(RemoteAction)
assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []})
try:
    action._validate_action_result({"events": "not a list"})
except ValidationError as error:
    assert "Failed to validate Action server response" in error.message
else:
    raise SystemExit("an invalid action response was accepted")
assert store.mask_numbers("电话13812345678 身份证11010519491231002X") == "电话[手机号] 身份证[身份证号]"
print("ok")
"""


def run_in_rasa(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` run by Rasa's own Python (.venv-rasa) with the project importable."""
    python = RASA_BIN.parent / "python"
    if not python.exists():
        requirement_missing(f"Rasa venv at {python.parent} (run `make setup`)")
    return subprocess.run(
        [str(python), "-c", script], cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=300
    )


def test_rasa_still_rejects_invalid_action_responses_and_masks_numbers() -> None:
    result = run_in_rasa(CHECK)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-2000:]


ENSEMBLE = """
import tempfile
from pathlib import Path
import numpy as np, scipy.sparse
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa_plugins.intent_ensemble import SentenceIntentEnsemble

WORDS = ["受伤", "补贴", "你好"]
def message(text, intent=None):
    m = Message(data={"text": text, **({"intent": intent} if intent else {})})
    row = scipy.sparse.coo_matrix([[float(w in text) for w in WORDS]])
    m.add_features(Features(row, "sentence", "text", "counts"))
    return m

examples = [message(t, i) for t, i in [
    ("送外卖摔倒受伤了", "report_injury"), ("骑车被撞受伤", "report_injury"), ("腿受伤了能报吗", "report_injury"),
    ("一次性求职补贴", "ask_subsidy"), ("毕业生补贴怎么领", "ask_subsidy"), ("求职补贴多少钱", "ask_subsidy"),
    ("你好", "greet"), ("您好呀", "greet"), ("哈喽你好", "greet")]]
with tempfile.TemporaryDirectory() as folder:
    storage = LocalModelStorage(Path(folder))
    resource = Resource("ensemble")
    SentenceIntentEnsemble.create({}, storage, resource, None).train(TrainingData(examples))
    weights = list((Path(folder) / "ensemble").iterdir())
    assert [w.name for w in weights] == ["weights.npz"], weights
    np.load(weights[0], allow_pickle=False)  # numpy arrays only, nothing to unpickle
    loaded = SentenceIntentEnsemble.load({}, storage, resource, None)
    # DIET was unsure and wrong about a dictated story; the average follows the words and the sentence.
    story = message("我今天下午送餐的时候在路口摔了一跤膝盖受伤了这个能报吗")
    story.set("intent", {"name": "greet", "confidence": 0.55})
    story.set("intent_ranking", [{"name": "greet", "confidence": 0.55}, {"name": "report_injury", "confidence": 0.45}])
    (out,) = loaded.process([story])
    ranking = out.get("intent_ranking")
    assert out.get("intent")["name"] == "report_injury", ranking
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-4, ranking
    # A message without text (a button's payload) keeps what came before.
    empty = Message(data={"text": "", "intent": {"name": "greet", "confidence": 1.0}})
    assert loaded.process([empty])[0].get("intent")["name"] == "greet"
print("ok")
"""


def test_the_intent_ensemble_corrects_an_unsure_diet_and_stores_no_pickle() -> None:
    result = run_in_rasa(ENSEMBLE)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]
