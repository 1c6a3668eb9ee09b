"""Checks of the code the Rasa server runs, executed in Rasa's own venv (Python 3.10) by
``test_rasa_side.py``: prints one JSON object, check name -> "ok" or what went wrong."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import sqlite3
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from assistant import contracts
from rasa_plugins.masking_tracker_store import PLACEHOLDER, MaskingSQLTrackerStore

STATE = Path(tempfile.mkdtemp())
os.environ["ASSISTANT_STATE_DIR"] = str(STATE)
results: dict[str, str] = {}
NAME, PHONE, INJURY = "王小明", "138 1234 5678", "左腿骨折"


def check(function: Callable[[], None]) -> Callable[[], None]:
    try:
        function()
        results[function.__name__] = "ok"
    except Exception:
        results[function.__name__] = traceback.format_exc()[-1500:]
    return function


def user(text: str, intent: str = "inform", entities: list | None = None) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9}, entities or [])


def listen() -> ActionExecuted:
    return ActionExecuted("action_listen")


def store_for(name: str) -> MaskingSQLTrackerStore:
    return MaskingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(STATE / f"{name}.db"))


def save(store: MaskingSQLTrackerStore, sender: str, events: list) -> None:
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def stored(name: str, sender: str) -> list[dict]:
    with sqlite3.connect(STATE / f"{name}.db") as connection:
        rows = connection.execute("select data from events where sender_id = ? order by id", (sender,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def user_texts(name: str, sender: str) -> list[str]:
    return [e["text"] for e in stored(name, sender) if e["event"] == "user"]


def raw(name: str) -> str:
    with sqlite3.connect(STATE / f"{name}.db") as connection:
        rows = connection.execute("select data from events").fetchall()
    return "\n".join(json.dumps(json.loads(row[0]), ensure_ascii=False) for row in rows)


DRAFT_OPEN = [listen(), user("我要报工伤"), ActionExecuted("injury_claim_form"), ActiveLoop("injury_claim_form")]
DRAFT_OPEN += [SlotSet("claim_draft_id", 7), listen()]


@check
def the_message_that_starts_a_claim_is_hidden() -> None:
    store = store_for("start")
    entity = {"entity": "person", "value": NAME, "start": 2, "end": 5}
    save(
        store,
        "b",
        [
            listen(),
            user(f"我叫{NAME}，送外卖摔了{INJURY}", "report_injury", [entity]),
            ActionExecuted("injury_claim_form"),
            ActiveLoop("injury_claim_form"),
            listen(),
        ],
    )
    assert user_texts("start", "b") == [PLACEHOLDER], user_texts("start", "b")
    assert NAME not in raw("start") and INJURY not in raw("start")  # entity values too


@check
def an_injury_story_that_prefills_a_claim_is_hidden_and_a_plain_question_is_not() -> None:
    store = store_for("prefill")
    story = [listen(), user(f"昨天送外卖被车撞了，{INJURY}", "report_injury"), ActionExecuted("action_injury_story")]
    save(store, "a", [*story, SlotSet("claim_prefill", "gAAAAencrypted"), listen()])
    save(store, "b", [*story, SlotSet("claim_prefill", None), listen()])
    assert user_texts("prefill", "a") == [PLACEHOLDER]
    assert user_texts("prefill", "b") == [f"昨天送外卖被车撞了，{INJURY}"]


@check
def messages_after_handoff_or_a_declined_withdrawal_in_an_open_claim_are_hidden() -> None:
    store = store_for("paused")
    events = [*DRAFT_OPEN, user("转人工", "human_handoff"), ActionExecuted("action_human_handoff")]
    events += [ActiveLoop(None), listen(), user(f"我是{NAME}，电话{PHONE}"), ActionExecuted("utter_default"), listen()]
    events += [user("撤回同意", "withdraw_consent"), ActionExecuted("action_confirm_withdrawal"), ActiveLoop(None)]
    events += [listen(), user(f"不撤回了，{INJURY}", "deny"), ActionExecuted("injury_claim_form")]
    events += [ActiveLoop("injury_claim_form"), listen()]
    save(store, "a", events)
    texts = user_texts("paused", "a")
    assert texts[-3:] == [PLACEHOLDER] * 3, texts
    assert NAME not in raw("paused") and INJURY not in raw("paused") and "5678" not in raw("paused")


@check
def messages_after_a_session_expired_in_an_open_claim_are_hidden() -> None:
    store = store_for("session")
    save(store, "a", DRAFT_OPEN)
    new_session = [ActionExecuted("action_session_start"), SessionStarted(), SlotSet("claim_draft_id", 7), listen()]
    save(store, "a", [*DRAFT_OPEN, *new_session, user(NAME), listen()])
    assert user_texts("session", "a")[-1] == PLACEHOLDER, user_texts("session", "a")


@check
def phone_and_id_numbers_are_masked_in_every_other_message_bot_text_and_slot() -> None:
    store = store_for("numbers")
    events = [listen(), user("我的电话是+86 138-1234-5678，身份证110105 19491231 002X"), listen()]
    events += [BotUttered("好的，我们会打给一三八一二三四五六七八"), SlotSet("free_text", "13812345678")]
    save(store, "a", events)
    text = raw("numbers")
    assert "[手机号]" in text and "[身份证号]" in text
    for clear in ("1234", "19491231", "一二三四"):
        assert clear not in text, clear


@check
def bot_messages_that_echo_staff_notes_are_hidden() -> None:
    store = store_for("status")
    events = [listen(), user("查进度", "check_claim_status"), ActionExecuted("action_claim_status")]
    events += [BotUttered(f"GS20261127K7Q2 需要补充材料：请{NAME}补交{INJURY}的诊断书"), listen()]
    save(store, "a", events)
    assert NAME not in raw("status") and INJURY not in raw("status")


@check
def the_claim_summary_is_hidden_with_its_template_values() -> None:
    store = store_for("summary")
    summary = f"姓名：{NAME}\n手机号：{PHONE}\n伤情：{INJURY}"
    shown = BotUttered(
        f"请核对你的申请信息：\n{summary}", metadata={"utter_action": "utter_claim_summary", "summary": summary}
    )
    save(store, "a", [*DRAFT_OPEN, user("完成", "affirm"), ActionExecuted("injury_claim_form"), shown, listen()])
    text = raw("summary")
    assert "utter_claim_summary" in text  # which response it was stays
    for clear in (NAME, INJURY, "5678"):
        assert clear not in text, clear


@check
def withdrawal_erases_every_stored_event_of_that_user_only() -> None:
    store = store_for("erase")
    save(store, "a", [*DRAFT_OPEN, user(NAME), listen()])
    save(store, "b", [*DRAFT_OPEN, user(NAME), listen()])
    failed = [user("确定", "affirm"), ActionExecuted("action_withdraw_consent")]
    failed += [BotUttered("抱歉，没有删除成功", metadata={"utter_action": "utter_withdrawal_failed"}), listen()]
    save(store, "a", [*DRAFT_OPEN, user(NAME), listen(), *failed])
    assert len(stored("erase", "a")) > 5  # a failed erasure leaves the conversation as it was
    done = [user("确定", "affirm"), ActionExecuted("action_withdraw_consent")]
    done += [BotUttered("已删除", metadata={"utter_action": "utter_withdrawal_done"}), SlotSet("claim_draft_id", None)]
    save(store, "a", [*DRAFT_OPEN, user(NAME), listen(), *failed, *done, listen()])
    kinds = [e["event"] for e in stored("erase", "a")]
    assert kinds == ["action", "session_started", "action"], kinds
    assert len(stored("erase", "b")) > 5
    tracker = asyncio.run(store.retrieve("a"))
    assert tracker is not None and tracker.get_slot("claim_draft_id") is None


@check
def tracker_store_errors_do_not_carry_what_was_written() -> None:
    store = store_for("locked")
    save(store, "a", [listen()])
    blocker = sqlite3.connect(STATE / "locked.db", timeout=0.1, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:  # SQLite's default busy timeout (5 s) passes, then the write fails
        save(store, "a", [listen(), user(f"我的电话 13812345678 {NAME}"), listen()])
    except Exception as error:  # the database is locked
        assert "13812345678" not in str(error) and NAME not in str(error), str(error)
        assert "hidden" in str(error)
    else:
        raise AssertionError("the write went through a locked database")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


@check
def patches_are_for_this_rasa_and_install() -> None:
    import rasa.utils.endpoints
    import rasa.utils.log_utils
    import rasa.version
    from rasa.core.actions.action import RemoteAction

    from rasa_plugins import fast_action_validation, patches

    assert rasa.version.__version__ == patches.RASA_VERSION, rasa.version.__version__
    patches.install()
    assert RemoteAction._validate_action_result is fast_action_validation.validate_action_result
    assert rasa.utils.log_utils._anonymizer is patches.redact_event
    error = rasa.utils.endpoints.ClientResponseError(500, "Internal Server Error", f'{{"tracker": "{NAME}"}}')
    assert NAME not in str(error) and NAME in error.text


@check
def a_different_rasa_version_is_refused() -> None:
    import rasa.version

    from rasa_plugins import patches

    real = rasa.version.__version__
    rasa.version.__version__ = "3.7.0"
    try:
        patches.check_version()
    except patches.RasaVersionMismatch:
        pass
    else:
        raise AssertionError("patches accepted an unknown Rasa version")
    finally:
        rasa.version.__version__ = real


@check
def rasa_structured_logs_hide_user_text_and_local_variables() -> None:
    import structlog
    from rasa.utils.log_utils import configure_structlog

    from assistant.logging_setup import install_record_masking
    from rasa_plugins import patches

    patches.install()
    install_record_masking()
    captured = io.StringIO()
    configure_structlog(logging.INFO)
    handler = logging.StreamHandler(captured)
    logging.getLogger().addHandler(handler)
    log = structlog.get_logger()
    try:
        tracker_of_the_user = {"events": [{"text": f"{NAME} {INJURY}"}]}  # noqa: F841 (a local in the frame)
        raise RuntimeError(f"failed for 13812345678 {len(NAME)}")
    except RuntimeError:
        log.exception("rest.message.received.failure", text=f"{NAME} {INJURY}", tracker={"x": NAME})
    log.error("rest.message.received.timeout", text=NAME, user_message=INJURY)
    logging.getLogger().removeHandler(handler)
    output = captured.getvalue()
    assert "rest.message.received.failure" in output and "RuntimeError" in output, output
    for clear in (NAME, INJURY, "13812345678"):
        assert clear not in output, output


@check
def the_signed_channel_refuses_what_is_not_a_front_end() -> None:
    from sanic.compat import Header

    from rasa_plugins.signed_rest import SignedRestInput

    secrets = {contracts.CLIENT_TELEGRAM: "tg-secret", contracts.CLIENT_LOCAL: "local-secret"}
    channel = SignedRestInput(contracts.Verifier(secrets))

    class Request:
        method, path = "POST", contracts.REST_WEBHOOK_PATH

        def __init__(self, body: bytes, headers: dict) -> None:
            self.body, self.headers = body, Header(headers)

    body = json.dumps({"sender": "tg-7104", "message": "查进度"}).encode()
    json_type = {"Content-Type": "application/json"}

    def status(request: Request):
        outcome = channel.check(request)
        return outcome if isinstance(outcome, tuple) else outcome.status

    assert status(Request(body, {"Content-Type": "text/plain"})) == 415
    assert status(Request(b"{" + b" " * contracts.MAX_MESSAGE_BODY + b"}", json_type)) == 413
    assert status(Request(body, json_type)) == 401
    local = contracts.sign("local", "local-secret", "POST", contracts.REST_WEBHOOK_PATH, body, sender="tg-7104")
    assert status(Request(body, {**json_type, **local})) == 401
    telegram = contracts.sign("telegram", "tg-secret", "POST", contracts.REST_WEBHOOK_PATH, body, sender="tg-7104")
    assert status(Request(body, {**json_type, **telegram})) == ("tg-7104", "查进度")
    assert status(Request(body, {**json_type, **telegram})) == 401  # replayed
    assert status(Request(b'{"sender": 5, "message": []}', json_type)) == 400


@check
def the_launcher_hands_the_token_over_in_process_and_restricts_new_files() -> None:
    from rasa_plugins import launcher

    sys.argv = ["launcher", "run", "--enable-api", "--port", "1"]
    arguments = launcher.prepare_environment()
    token = (STATE / "rasa_token").read_text().strip()
    assert arguments[-1:] == [f"--auth-token={token}"]  # one argument: a token may begin with "-"
    assert os.environ["ACTION_SERVER_TOKEN"] == (STATE / "action_server_token").read_text().strip()
    probe = STATE / "probe"
    probe.write_text("x")
    assert probe.stat().st_mode & 0o077 == 0
    for secret in ("rasa_token", "action_server_token"):
        assert (STATE / secret).stat().st_mode & 0o077 == 0
    for given in (["--auth-token", "visible"], ["--auth-token=visible"]):
        sys.argv = ["launcher", "run", *given]
        try:
            launcher.prepare_environment()
        except SystemExit:
            pass
        else:
            raise AssertionError("a token on the command line was accepted")


sys.stdout.write(json.dumps(results) + "\n")
