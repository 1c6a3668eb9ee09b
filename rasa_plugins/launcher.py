"""Start the Rasa server the way the assistant needs it: ``python -m rasa_plugins.launcher run …``.

Before Rasa runs: files it creates are owner-only, every log record is masked,
the patches in ``rasa_plugins.patches`` are installed (version-checked), the
action server token is put where endpoints.yml reads it, request bodies are
bounded, and the HTTP API token is handed to Rasa's argument parser in this
process only, so it never appears on a command line (``ps`` shows the
arguments a process was started with, not what it parses later).
"""

from __future__ import annotations

import os
import sys

API_REQUEST_MAX_SIZE = 1024 * 1024  # the HTTP API and the channel take small JSON bodies only


def prepare_environment() -> list[str]:
    """Everything but starting Rasa; returns the argument list Rasa is to parse."""
    from assistant.logging_setup import install_record_masking
    from assistant.settings import get_settings, restrict_new_files

    restrict_new_files()
    install_record_masking()
    from rasa_plugins import patches

    patches.install()
    settings = get_settings()
    os.environ["ACTION_SERVER_TOKEN"] = settings.action_server_token  # endpoints.yml: ${ACTION_SERVER_TOKEN}
    # endpoints.yml: ${TRACKER_STORE_URL} (the SQLite file unless set) and ${LOCK_STORE_URL} (empty: in memory).
    os.environ["TRACKER_STORE_URL"] = settings.tracker_url
    os.environ["LOCK_STORE_URL"] = settings.lock_store_url
    os.environ["SANIC_REQUEST_MAX_SIZE"] = str(API_REQUEST_MAX_SIZE)
    arguments = sys.argv[1:]
    if any(a in ("--auth-token", "-t") or a.startswith("--auth-token=") for a in arguments):
        raise SystemExit("the API token comes from RASA_TOKEN or the state folder, never the command line")
    if arguments[:1] == ["run"] and "--enable-api" in arguments:
        # One argument with "=": a generated token may begin with "-", which argparse would take for an option.
        arguments += [f"--auth-token={settings.rasa_token}"]
    return arguments


def main() -> None:
    arguments = prepare_environment()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
