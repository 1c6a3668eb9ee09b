"""Secrets are owner-only from their first byte, and one value wins when processes race."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.settings import _generated_secret, restrict_new_files


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_generated_secret_is_owner_only_even_under_a_permissive_umask(tmp_path: Path, permissive_umask) -> None:
    secret = _generated_secret(tmp_path / "state", "frontend_secret")
    path = tmp_path / "state" / "frontend_secret"
    assert len(secret) >= 40 and path.read_text() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) & 0o077 == 0
    assert [p.name for p in (tmp_path / "state").iterdir()] == ["frontend_secret"]  # no temporary left


def test_processes_racing_to_create_a_secret_all_get_the_same_one(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        values = set(pool.map(lambda _: _generated_secret(tmp_path, "action_server_token"), range(32)))
    assert len(values) == 1


def test_after_restrict_new_files_everything_created_is_owner_only(tmp_path: Path, permissive_umask) -> None:
    restrict_new_files()
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "actions.log").write_text("x")
    assert stat.S_IMODE((tmp_path / "log").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "log" / "actions.log").stat().st_mode) == 0o600
