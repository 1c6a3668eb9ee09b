"""Changes to Rasa's internals, installed explicitly by the launcher at start-up.

Each one replaces a function of Rasa 3.6 whose behaviour we verified; on any
other Rasa version ``install`` refuses to start rather than patch code it has
not seen (``tests/security/test_rasa_patches.py`` fails when Rasa changes).

* action responses validated with one compiled schema validator (speed);
* structlog events never carry user text, trackers or tracebacks with local
  variables: sensitive keys are replaced, exceptions rendered as masked text;
* an action server error's response body (which could echo a tracker) is kept
  out of the exception message that Rasa logs;
* a tracker store that cannot be reached fails the turn (``TrackerStoreUnavailable``,
  answered 503 by the signed channel) instead of Rasa's fallback to an empty
  in-memory tracker, which would answer as if the conversation had just begun
  and keep that turn in one process's memory only.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

RASA_VERSION = "3.6.21"
HIDDEN = "[已隐藏]"
# Keys of structlog events that may carry what users typed or whole conversation state;
# Rasa's own anonymizer list, and the trackers and slots it logs elsewhere.
SENSITIVE_KEYS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "tracker",
        "events",
        "slots",
        "value",
        "entities",
        "metadata",
        "body",
        "request_body",
    }
)
_installed = False


class RasaVersionMismatch(RuntimeError):
    pass


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store (PostgreSQL, SQLite) failed: the turn is not processed."""


def _raise_tracker_store_error(error: Exception) -> None:
    raise TrackerStoreUnavailable(type(error).__name__) from error


def _create_tracker_store(store: Any, domain: Any) -> Any:
    """``Agent._create_tracker_store`` of Rasa 3.6, with errors raised instead of the fallback."""
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

    if store is not None:
        store.domain = domain
        tracker_store = store
    else:
        tracker_store = InMemoryTrackerStore(domain)
    return FailSafeTrackerStore(tracker_store, on_tracker_store_error=_raise_tracker_store_error)


def check_version() -> None:
    import rasa.version

    if rasa.version.__version__ != RASA_VERSION:
        raise RasaVersionMismatch(
            f"rasa_plugins.patches was written for Rasa {RASA_VERSION}, found {rasa.version.__version__}: "
            "re-verify each patch against the new version before changing RASA_VERSION"
        )


def redact_event(_logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """First structlog processor: sensitive values hidden, exceptions as masked text without locals."""
    from assistant.pii import mask_pii

    for key in list(event_dict):
        if key in SENSITIVE_KEYS:
            event_dict[key] = HIDDEN
        elif isinstance(event_dict[key], str):
            event_dict[key] = mask_pii(event_dict[key])
    exc_info = event_dict.get("exc_info")
    if exc_info or method_name == "exception":
        if isinstance(exc_info, BaseException):
            exc = (type(exc_info), exc_info, exc_info.__traceback__)
        elif isinstance(exc_info, tuple):
            exc = exc_info
        else:
            exc = sys.exc_info()
        if exc[0] is not None:
            event_dict["exception"] = mask_pii("".join(traceback.format_exception(*exc)))
        event_dict["exc_info"] = False  # nothing left for structlog to render (with local variables)
    return event_dict


def _client_response_error_init(self: Any, status: int, message: str, text: str) -> None:
    self.status = status
    self.message = message
    self.text = text  # RemoteAction reads the action server's 400 answer from here
    Exception.__init__(self, f"{status}, {message}")


def install() -> None:
    """Idempotent; raises ``RasaVersionMismatch`` on a Rasa these patches were not written for."""
    global _installed
    if _installed:
        return
    check_version()
    import rasa.core.agent
    import rasa.utils.endpoints
    import rasa.utils.log_utils

    from rasa_plugins import fast_action_validation

    fast_action_validation.install()
    # configure_structlog looks the name up when it runs, so the replacement is picked up.
    rasa.utils.log_utils._anonymizer = redact_event  # type: ignore[attr-defined]
    rasa.utils.endpoints.ClientResponseError.__init__ = _client_response_error_init  # type: ignore[method-assign]
    rasa.core.agent.Agent._create_tracker_store = staticmethod(_create_tracker_store)  # type: ignore[method-assign]
    _installed = True
