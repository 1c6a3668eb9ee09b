"""A backup brings claims back: back up a live state folder, restore it into an empty one and
find the claims, their evidence bytes, the conversation tracker, and a resident ID that still
matches its stored hash under the restored key. SQLite through the `assistant` command;
PostgreSQL through pg_dump / pg_restore into a new database."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from assistant.backup import BackupError, create_backup, generated_secrets, restore_backup
from assistant.settings import PROJECT_ROOT, get_settings
from claims.db import engine_for
from claims.drafts import save_answers, start_draft
from claims.evidence import store_evidence
from claims.identity import id_fingerprint
from claims.staff_views import list_claims, show_claim
from claims.submission import submit_draft
from tests.claims.test_claim_store import ANSWERS

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
RESIDENT_ID = "11010519491231002X"


def answers(key: bytes) -> dict:
    return {**ANSWERS, "id_hash": id_fingerprint(RESIDENT_ID, key), "id_last4": RESIDENT_ID[-4:]}


@pytest.fixture
def live_state(tmp_path, db_url, monkeypatch) -> Path:
    """A state folder as a running assistant leaves it: claims, evidence, secrets, a tracker."""
    state = tmp_path / "live"
    for variable in [*generated_secrets().values(), "TRACKER_DB", "EVIDENCE_DIR", "TRACKER_STORE_URL"]:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("ASSISTANT_STATE_DIR", str(state))
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "新规定.md").write_text("# 新规定\n\n员工上传的文件。\n", encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path / "documents"))
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    settings = get_settings()
    engine = engine_for(db_url)
    key = settings.claims_secret_key  # generated into the state folder
    settings.rasa_token  # noqa: B018  (generated too)
    draft = start_draft("tg-77", engine=engine)
    save_answers(draft, "tg-77", answers(key), engine=engine)
    store_evidence(draft, "tg-77", "现场.png", PNG, engine=engine)
    submit_draft(draft, "tg-77", engine=engine)
    with sqlite3.connect(settings.tracker_db) as tracker:  # stands in for Rasa's tracker store
        tracker.execute("PRAGMA journal_mode=WAL")
        tracker.execute("CREATE TABLE events (sender_id TEXT, data TEXT)")
        tracker.execute("INSERT INTO events VALUES ('tg-77', '{\"event\": \"user\"}')")
    (state / "unanswered.jsonl").write_text('{"question": "q"}\n', encoding="utf-8")
    return state


def owner_only(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def assert_restored(target: Path, engine_url: str, tracker_url: str | None = None) -> None:
    [claim] = list_claims(engine=engine_for(engine_url))
    assert (claim.full_name, claim.phone, claim.id_last4, claim.evidence_files) == ("王小明", "13812345678", "002X", 1)
    # The restored key still matches the number a claimant reads out on the phone.
    key = (target / "claims_secret_key").read_text(encoding="utf-8").strip().encode()
    with engine_for(engine_url).connect() as connection:
        stored_hash = connection.execute(text("select id_hash from claims where reference is not null")).scalar_one()
    assert id_fingerprint(RESIDENT_ID, key) == stored_hash
    [evidence] = [p for p in (target / "evidence").rglob("*") if p.is_file()]
    assert evidence.read_bytes() == PNG and evidence.name == hashlib.sha256(PNG).hexdigest() + ".png"
    assert show_claim(claim.reference, engine=engine_for(engine_url)).evidence
    if tracker_url is None:
        with sqlite3.connect(target / "tracker.db") as tracker:
            assert tracker.execute("select sender_id from events").fetchall() == [("tg-77",)]
    else:
        with create_engine(tracker_url).connect() as connection:
            assert connection.execute(text("select sender_id from events")).all() == [("tg-77",)]
    assert (target / "knowledge" / "新规定.md").read_text(encoding="utf-8").startswith("# 新规定")
    assert (target / "rasa_token").exists() and (target / "unanswered.jsonl").exists()
    files = [p for p in target.rglob("*") if p.is_file()]
    assert files and all(owner_only(p) for p in [target, *files, *(p for p in target.rglob("*") if p.is_dir())])


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "assistant.cli", *args]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_backup_and_restore_with_the_command(live_state: Path, db_url: str, tmp_path: Path) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL round trip is the test below")
    env = dict(os.environ, ASSISTANT_STATE_DIR=str(live_state), DATABASE_URL=db_url)
    archive = tmp_path / "out" / "backup.tar.gz"
    done = run_cli("backup", "--out", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    assert owner_only(archive)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert {"assistant.db", "tracker.db", "claims_secret_key", "rasa_token", "manifest.json"} <= names
    assert manifest["database"] == "sqlite" and set(manifest["files"]) == names - {"manifest.json"}

    target = tmp_path / "restored"
    done = run_cli("restore", str(archive), "--state-dir", str(target), env=env)
    assert done.returncode == 0, done.stderr
    assert_restored(target, f"sqlite:///{target / 'assistant.db'}")

    # A folder that is not empty is refused unless forced.
    done = run_cli("restore", str(archive), "--state-dir", str(target), env=env)
    assert done.returncode == 1 and "not empty" in done.stderr
    assert run_cli("restore", str(archive), "--state-dir", str(target), "--force", env=env).returncode == 0


@pytest.fixture
def new_database(postgres_admin_url):
    """Empty PostgreSQL databases made on demand, dropped afterwards."""
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = f"backup_test_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"

    yield make
    for name in made:
        engine_for(postgres_admin_url.rsplit("/", 1)[0] + f"/{name}").dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_and_restore_postgresql(
    live_state: Path, db_url: str, tmp_path: Path, new_database, monkeypatch
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the SQLite round trip is the test above")
    # Rasa's tracker store in a PostgreSQL database of its own (TRACKER_STORE_URL).
    tracker_url = new_database()
    tracker = create_engine(tracker_url)
    with tracker.begin() as connection:
        connection.execute(text("CREATE TABLE events (sender_id TEXT, data TEXT)"))
        connection.execute(text("INSERT INTO events VALUES ('tg-77', '{}')"))
    tracker.dispose()
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    get_settings.cache_clear()

    report = create_backup(tmp_path / "backup.tar.gz")
    assert report.database == "postgresql" and owner_only(report.path)
    with tarfile.open(report.path) as tar:
        assert {"claims.pgdump", "tracker.pgdump"} <= set(tar.getnames()) and "tracker.db" not in tar.getnames()
    claims_copy, tracker_copy = new_database(), new_database()
    target = tmp_path / "restored"
    restored = restore_backup(report.path, target, database_url=claims_copy, tracker_database_url=tracker_copy)
    assert restored.database == "postgresql" and (target / "claims.pgdump").exists()
    assert_restored(target, claims_copy, tracker_copy)


def test_a_damaged_or_foreign_archive_is_refused(live_state: Path, db_url: str, tmp_path: Path) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("format checks do not depend on the database")
    report = create_backup(tmp_path / "backup.tar.gz")
    # The same archive with one byte of the evidence changed.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(report.path) as source, tarfile.open(damaged, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("evidence/"):
                data = data[:-1] + b"\x00"
            out.addfile(member, io.BytesIO(data))
    with pytest.raises(BackupError, match="checksum"):
        restore_backup(damaged, tmp_path / "r1")
    assert not [p for p in (tmp_path / "r1").rglob("*") if p.is_file()]  # nothing half-restored
    # A member that would escape the folder.
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(report.path) as source, tarfile.open(evil, "w:gz") as out:
        for member in source.getmembers():
            out.addfile(member, source.extractfile(member))
        info = tarfile.TarInfo("../escaped")
        info.size = 1
        out.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="unexpected member"):
        restore_backup(evil, tmp_path / "r2")
    assert not (tmp_path / "escaped").exists()
