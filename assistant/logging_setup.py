"""Logging for every process of the assistant, the Rasa server's included.

Third-party loggers that print URLs (httpx carries the Telegram bot token in
its request line) stay at WARNING. Personal data is masked in every record
before any handler sees it: the message, the exception text and the
traceback (``install_record_masking``), whichever library logs it.

Standard library only: the Rasa server (Python 3.10) installs it too.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
import traceback
from pathlib import Path
from typing import IO, Any

from assistant.pii import mask_pii

__all__ = [
    "OwnerOnlyRotatingFileHandler",
    "PiiFilter",
    "configure_logging",
    "install_record_masking",
    "mask_pii",
    "mask_record",
    "pump_to_log",
    "rotating_log",
]


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the rendered message, the exception and its traceback, and any stack info, in place."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string must not lose the record
        message = str(record.msg)
    masked = mask_pii(message)
    if masked != message or record.args:
        record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = mask_pii(text)
        # The formatter prints exc_text; the live exception (and the data in its frames) is dropped.
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = mask_pii(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_pii(record.stack_info)
    return record


class PiiFilter(logging.Filter):
    """Last line of defence: code should not log personal data in the first place."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


_installed = False


def install_record_masking() -> None:
    """Every record created in this process is masked, whatever handler or library logs it."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True


def configure_logging(verbose: bool = False) -> None:
    """Also makes what this process creates owner-only (exports, logs, databases): every entry
    point calls this first."""
    from assistant.settings import restrict_new_files

    restrict_new_files()
    install_record_masking()
    handler = logging.StreamHandler()
    handler.addFilter(PiiFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "telegram.ext", "sentence_transformers", "faiss", "urllib3", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class OwnerOnlyRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotates at ``maxBytes`` (file, file.1 … file.N); every file owner-only from creation,
    whatever the process umask."""

    def _open(self) -> IO[str]:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, "a", encoding=self.encoding or "utf-8", errors=self.errors)


def rotating_log(path: Path, max_bytes: int | None = None, backups: int | None = None) -> logging.Handler:
    """A size-rotated, owner-only, PII-masked log file (``LOG_MAX_BYTES``, ``LOG_BACKUPS``)."""
    from assistant.settings import get_settings

    settings = get_settings()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = OwnerOnlyRotatingFileHandler(
        path,
        maxBytes=settings.log_max_bytes if max_bytes is None else max_bytes,
        backupCount=settings.log_backups if backups is None else backups,
        encoding="utf-8",
        errors="replace",
    )
    handler.addFilter(PiiFilter())
    return handler


def pump_to_log(stream: IO[bytes], path: Path) -> threading.Thread:
    """Copies a child process's output, line by line, into a rotating log: the services that
    ``make run`` starts write to a pipe, and their logs rotate at the same size limit (their
    own lines are masked already; masking again here also covers what a crash prints)."""
    handler = rotating_log(path)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.terminator = ""

    def pump() -> None:
        try:
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", errors="replace")
                handler.handle(logging.LogRecord("output", logging.INFO, "", 0, line, None, None))
        except (OSError, ValueError):  # the pipe closed under us: the process is gone
            pass
        finally:
            handler.close()
            stream.close()

    thread = threading.Thread(target=pump, name=f"log {path.name}", daemon=True)
    thread.start()
    return thread
