"""``python -m console``: the staff console on STAFF_CONSOLE_URL (started by ``make run``)."""

from __future__ import annotations

import logging

import uvicorn

from assistant.logging_setup import configure_logging
from assistant.settings import get_settings
from claims.db import upgrade_to_head
from console.app import create_app

log = logging.getLogger("console")


def main() -> None:
    configure_logging()  # owner-only files, masked log records
    settings = get_settings()
    upgrade_to_head(settings.database_url)
    host, port = settings.staff_console_host_port
    log.info("staff console on %s", settings.staff_console_url)
    # No access log: query strings can hold a searched phone number.
    # ws="none": no websockets here, and the websockets package pinned for rasa-sdk is too old for uvicorn's.
    uvicorn.run(
        create_app(settings), host=host, port=port, ws="none", access_log=False, log_level="warning", log_config=None
    )


if __name__ == "__main__":
    main()
