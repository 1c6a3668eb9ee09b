"""Logs rotate at LOG_MAX_BYTES and keep LOG_BACKUPS old files, owner-only under any umask,
with personal data masked: the process's own logging, and a service started as `make run`
starts it (its output piped through a rotating writer)."""

from __future__ import annotations

import logging
import os
import stat
import sys
import time
from pathlib import Path

import pytest

from assistant.logging_setup import rotating_log
from assistant.services import Service

PHONE, RESIDENT_ID = "13812345678", "11010519491231002X"


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def log_files(folder: Path, name: str) -> list[Path]:
    return sorted(folder.glob(f"{name}*"))


def check_rotated(folder: Path, name: str, max_bytes: int, backups: int) -> None:
    files = log_files(folder, name)
    assert [f.name for f in files] == [name, *(f"{name}.{n}" for n in range(1, backups + 1))]
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
        assert file.stat().st_size <= max_bytes + 200  # one line may straddle the limit
        text = file.read_text(encoding="utf-8")
        assert PHONE not in text and RESIDENT_ID not in text
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert "138****5678" in files[0].read_text(encoding="utf-8")


def test_a_process_log_rolls_over_at_the_limit(tmp_path: Path, permissive_umask, monkeypatch) -> None:
    monkeypatch.setenv("LOG_MAX_BYTES", "2000")
    monkeypatch.setenv("LOG_BACKUPS", "2")
    folder = tmp_path / "log"
    handler = rotating_log(folder / "app.log")
    logger = logging.getLogger("test.rotation")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for n in range(200):
            logger.warning("line %d: 用户 %s 身份证 %s", n, PHONE, RESIDENT_ID)
    finally:
        logger.removeHandler(handler)
        handler.close()
    check_rotated(folder, "app.log", 2000, 2)
    assert "line 199" in (folder / "app.log").read_text(encoding="utf-8")


def test_a_service_log_rotates_like_the_services_of_make_run(tmp_path: Path, permissive_umask, monkeypatch) -> None:
    monkeypatch.setenv("LOG_MAX_BYTES", "4000")
    monkeypatch.setenv("LOG_BACKUPS", "3")
    folder = tmp_path / "log"
    script = (
        "import sys\n"
        f"for n in range(800): print('request', n, 'from {PHONE}', flush=True)\n"
        f"raise SystemExit('crashed while handling {RESIDENT_ID}')\n"
    )
    service = Service(
        name="chatty",
        command=[sys.executable, "-c", script],
        env=dict(os.environ),
        log_file=folder / "chatty.log",
        ready=lambda: True,
        url="",
    )
    service.start()
    assert service.process is not None and service.process.wait(30) == 1
    deadline = time.monotonic() + 10
    while "crashed" not in (folder / "chatty.log").read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.05)
    check_rotated(folder, "chatty.log", 4000, 3)
    assert "crashed while handling" in (folder / "chatty.log").read_text(encoding="utf-8")
