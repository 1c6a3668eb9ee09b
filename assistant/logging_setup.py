"""Logging for every process of the assistant.

Third-party loggers that print URLs (httpx carries the Telegram bot token in
its request line) stay at WARNING; personal data is masked by ``PiiFilter``.
"""

from __future__ import annotations

import logging
import re

PHONE_PATTERN = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_BOT_TOKEN = re.compile(r"bot\d{5,}:[A-Za-z0-9_-]{20,}")


def mask_pii(text: str) -> str:
    text = ID_PATTERN.sub(lambda m: m.group(1)[:2] + "*" * 12 + m.group(3)[-4:], text)
    text = PHONE_PATTERN.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _BOT_TOKEN.sub("bot<token>", text)


class PiiFilter(logging.Filter):
    """Last line of defence: code should not log personal data in the first place."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_pii(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(PiiFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "telegram.ext", "sentence_transformers", "faiss", "urllib3", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
