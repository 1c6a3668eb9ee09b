"""The Rasa server's side of the security work, checked in Rasa's own venv: the tracker
store's masking and erasure, the version-checked patches, masked structured logs, the
signed channel and the launcher (``rasa_side_checks.py``)."""

from __future__ import annotations

import json
import subprocess

import pytest

from assistant.rasa_model import RASA_BIN, rasa_env
from assistant.settings import PROJECT_ROOT
from tests.conftest import requirement_missing

CHECKS = [
    "the_message_that_starts_a_claim_is_hidden",
    "an_injury_story_that_prefills_a_claim_is_hidden_and_a_plain_question_is_not",
    "messages_after_handoff_or_a_declined_withdrawal_in_an_open_claim_are_hidden",
    "messages_after_a_session_expired_in_an_open_claim_are_hidden",
    "phone_and_id_numbers_are_masked_in_every_other_message_bot_text_and_slot",
    "bot_messages_that_echo_staff_notes_are_hidden",
    "withdrawal_erases_every_stored_event_of_that_user_only",
    "tracker_store_errors_do_not_carry_what_was_written",
    "patches_are_for_this_rasa_and_install",
    "a_different_rasa_version_is_refused",
    "rasa_structured_logs_hide_user_text_and_local_variables",
    "the_signed_channel_refuses_what_is_not_a_front_end",
    "the_launcher_hands_the_token_over_in_process_and_restricts_new_files",
]


@pytest.fixture(scope="module")
def rasa_side() -> dict[str, str]:
    python = RASA_BIN.parent / "python"
    if not python.exists():
        requirement_missing(f"Rasa venv at {python.parent} (run `make setup`)")
    env = rasa_env(PYTHONPATH=str(PROJECT_ROOT))
    for name in ("RASA_TOKEN", "ACTION_SERVER_TOKEN", "FRONTEND_SECRET", "TELEGRAM_FRONTEND_SECRET"):
        env.pop(name, None)
    result = subprocess.run(
        [str(python), str(PROJECT_ROOT / "tests" / "security" / "rasa_side_checks.py")],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("check", CHECKS)
def test_rasa_side(rasa_side: dict[str, str], check: str) -> None:
    assert rasa_side.get(check) == "ok", rasa_side.get(check, "did not run")
