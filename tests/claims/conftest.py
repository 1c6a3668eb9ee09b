"""The claims store under test: SQLite and a throwaway PostgreSQL database.

PostgreSQL is the production store and is tested for real. On a machine without
it the PostgreSQL cases skip with the reason; under CI they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from claims.db import engine_for, upgrade_to_head
from tests.conftest import requirement_missing

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, postgres_admin_url) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'claims.db'}"
        upgrade_to_head(url)
        yield url
        return
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:
        admin.dispose()
        requirement_missing(f"PostgreSQL at {postgres_admin_url} is not reachable ({type(exc).__name__})")
    name = f"claims_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade_to_head(url)
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Engine:
    return engine_for(db_url)
