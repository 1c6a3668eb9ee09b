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


def test_rasa_still_rejects_invalid_action_responses_and_masks_numbers() -> None:
    python = RASA_BIN.parent / "python"
    if not python.exists():
        requirement_missing(f"Rasa venv at {python.parent} (run `make setup`)")
    result = subprocess.run(
        [str(python), "-c", CHECK],
        cwd=PROJECT_ROOT,
        env=rasa_env(PYTHONPATH=str(PROJECT_ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-2000:]
