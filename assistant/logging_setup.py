"""Logging for every process of the assistant, the Rasa server's included.

Third-party loggers that print URLs (httpx carries the Telegram bot token in
its request line) stay at WARNING. Personal data is masked in every record
before any handler sees it: the message, the exception text and the
traceback (``install_record_masking``), whichever library logs it.

Standard library only: the Rasa server (Python 3.10) installs it too.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from assistant.pii import mask_pii

__all__ = ["PiiFilter", "configure_logging", "install_record_masking", "mask_pii", "mask_record"]


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
