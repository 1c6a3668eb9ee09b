"""Engine and sessions for the claims store, created once per process on first use.

SQLite (embedded, the default) and PostgreSQL (production) are both supported;
the schema is managed by Alembic, applied with ``upgrade_to_head``. Engines
hide statement parameters, so a database error logged with its statement
never carries the claim answers it was writing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from assistant.settings import PROJECT_ROOT, get_settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def engine_for(url: str) -> Engine:
    with _lock:
        if url not in _engines:
            if url.startswith("sqlite"):
                path = url.split("///", 1)[1] if "///" in url else ""
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"timeout": 15}, hide_parameters=True)

                @event.listens_for(engine, "connect")
                def _sqlite_pragmas(dbapi_connection, _record) -> None:
                    cursor = dbapi_connection.cursor()
                    cursor.execute("PRAGMA journal_mode=WAL")
                    cursor.execute("PRAGMA foreign_keys=ON")
                    cursor.execute("PRAGMA synchronous=NORMAL")
                    cursor.close()
            else:
                engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True)
            _engines[url] = engine
        return _engines[url]


def default_engine() -> Engine:
    return engine_for(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    factory = sessionmaker(bind=engine or default_engine(), expire_on_commit=False)
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "claims" / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(url: str | None = None) -> None:
    from alembic import command

    command.upgrade(alembic_config(url or get_settings().database_url), "head")
