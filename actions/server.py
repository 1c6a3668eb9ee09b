"""Start the action server on loopback.

``python -m rasa_sdk`` always binds 0.0.0.0; the action server carries claim
data and has no authentication, so it listens where ACTION_SERVER_URL says
(127.0.0.1 by default) and nowhere else.
"""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk.endpoint import create_app

from actions.evidence_upload import add_upload_route
from assistant.logging_setup import configure_logging
from assistant.settings import get_settings

log = logging.getLogger(__name__)


def main() -> None:
    configure_logging()
    settings = get_settings()
    host, port = settings.action_host_port
    from claims.db import upgrade_to_head

    # The schema is current before the first request can write to it.
    upgrade_to_head(settings.database_url)
    app = create_app("actions", cors_origins=[])
    add_upload_route(app, settings.upload_max_bytes)

    @app.before_server_start
    async def warm_up(_app, _loop) -> None:
        # Load the model and index before the first user waits for them.
        from knowledge.service import knowledge_base

        try:
            await asyncio.to_thread(knowledge_base().warm_up)
        except Exception:
            log.exception("knowledge base warm-up failed; policy questions will be declined")

    log.info("action server on http://%s:%d", host, port)
    app.run(host=host, port=port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
