"""``assistant backup`` / ``assistant restore``: one archive that keeps together what must
never be separated — the claims database, the evidence files, the generated secrets (the
key that hashes resident ID numbers above all: without it no stored hash can be matched)
and Rasa's conversation tracker — with a manifest of SHA-256 checksums.

The archive is laid out like a state folder, so a restored folder is used as it is with
``ASSISTANT_STATE_DIR=<folder>``:

    manifest.json            format, when, what database, every file with size and sha256
    assistant.db             claims store (SQLite, copied with SQLite's online backup API)
    claims.pgdump            claims store (PostgreSQL, ``pg_dump --format=custom``) instead
    tracker.db               Rasa's tracker store (SQLite, online backup API)
    tracker.pgdump           … or its PostgreSQL database (TRACKER_STORE_URL), unless it is the claims one
    knowledge/…              the policy documents (staff add them in the console)
    evidence/…               photos and PDFs, named by checksum
    claims_secret_key, rasa_token, …   every secret the settings generate
    unanswered.jsonl, feedback.jsonl   staff records (masked)

Consistent while the services run: SQLite's backup API copies a committed snapshot (WAL
included) and pg_dump reads one transaction. The archive is owner-only from its first
byte and written under a temporary name, so a half-written backup never has the final one.
Nothing else in the project imports this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from assistant.settings import ENVIRONMENT, Settings, get_settings

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
CLAIMS_SQLITE = "assistant.db"
CLAIMS_PGDUMP = "claims.pgdump"
TRACKER_SQLITE = "tracker.db"
TRACKER_PGDUMP = "tracker.pgdump"
KNOWLEDGE = "knowledge"
EVIDENCE = "evidence"
RECORDS = ("unanswered.jsonl", "feedback.jsonl")
_GENERATED = re.compile(r"generated into \$ASSISTANT_STATE_DIR/([A-Za-z0-9_]+)")


class BackupError(Exception):
    pass


def generated_secrets() -> dict[str, str]:
    """File name -> environment variable, for every secret the settings generate into the state
    folder (read from ``ENVIRONMENT``, so a secret added there is backed up without a change here)."""
    found: dict[str, str] = {}
    for variable, (default, _) in ENVIRONMENT.items():
        match = _GENERATED.fullmatch(default.strip())
        if match:
            found[match.group(1)] = variable
    return found


@dataclass(frozen=True)
class BackupReport:
    path: Path
    files: int
    bytes: int
    database: str
    notes: list[str]


def _sqlite_path(database_url: str) -> Path | None:
    if not database_url.startswith("sqlite"):
        return None
    path = database_url.split("///", 1)[1] if "///" in database_url else ""
    return Path(path) if path and path != ":memory:" else None


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live database (committed transactions only, WAL folded in)."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        src.close()


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (which goes in PGPASSWORD, never on a command line)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _pg(tool: str, database_url: str, arguments: list[str]) -> None:
    if shutil.which(tool) is None:
        raise BackupError(f"the store is PostgreSQL but {tool} is not installed (apt-get install postgresql-client)")
    url, env = _libpq(database_url)
    result = subprocess.run([tool, *arguments, f"--dbname={url}"], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{tool} failed ({result.returncode}): {result.stderr.strip()[-500:]}")


def _pg_dump(database_url: str, target: Path) -> None:
    _pg("pg_dump", database_url, ["--format=custom", "--no-owner", "--no-privileges", f"--file={target}"])


def _pg_restore(database_url: str, dump: Path) -> None:
    _pg("pg_restore", database_url, ["--no-owner", "--no-privileges", "--exit-on-error", str(dump)])


class _Writer:
    """Adds members with owner-only metadata and records each one's checksum."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar
        self.files: dict[str, dict[str, int | str]] = {}

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
        self.tar.addfile(info, io.BytesIO(data))
        self.files[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    def add_file(self, name: str, path: Path) -> None:
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(path.stat().st_mtime)
        with path.open("rb") as handle:
            self.tar.addfile(info, handle)
        self.files[name] = {"size": size, "sha256": digest.hexdigest()}


def create_backup(out: Path | None = None, settings: Settings | None = None) -> BackupReport:
    settings = settings or get_settings()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = (out or settings.state_dir / "backups" / f"assistant-{stamp}.tar.gz").resolve()
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    notes: list[str] = []
    fd, partial = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}-")  # 0600 from creation
    try:
        with (
            tempfile.TemporaryDirectory(prefix="assistant-backup-") as staging,
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w:gz") as tar,
        ):
            writer = _Writer(tar)
            database = _add_database(writer, settings, Path(staging), notes)
            tracker = _add_tracker(writer, settings, Path(staging), notes)
            _add_folder(writer, EVIDENCE, settings.evidence_dir)
            _add_folder(writer, KNOWLEDGE, settings.knowledge_dir)  # staff add documents in the console
            _add_secrets(writer, settings.state_dir, notes)
            for name in RECORDS:
                if (settings.state_dir / name).is_file():
                    writer.add_file(name, settings.state_dir / name)
            manifest = {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": database,
                "tracker": tracker,
                "knowledge_dir": str(settings.knowledge_dir),
                "notes": notes,
                "files": writer.files,
            }
            writer.add_bytes(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        os.replace(partial, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
    total = sum(int(f["size"]) for f in writer.files.values())
    return BackupReport(out, len(writer.files), total, database, notes)


def _add_store(writer: _Writer, url: str, what: str, names: tuple[str, str], staging: Path, notes: list[str]) -> str:
    """One database as a consistent copy: ``names`` are the archive's SQLite file and pg_dump file."""
    sqlite_name, pgdump_name = names
    if url.startswith("postgresql"):
        _pg_dump(url, staging / pgdump_name)
        writer.add_file(pgdump_name, staging / pgdump_name)
        return "postgresql"
    path = _sqlite_path(url)
    if path is None:
        raise BackupError(f"cannot back up a {url.split(':', 1)[0]} {what}")
    if not path.exists():
        notes.append(f"no {what} yet")
        return "none"
    _sqlite_copy(path, staging / sqlite_name)
    writer.add_file(sqlite_name, staging / sqlite_name)
    return "sqlite"


def _add_database(writer: _Writer, settings: Settings, staging: Path, notes: list[str]) -> str:
    return _add_store(writer, settings.database_url, "claims database", (CLAIMS_SQLITE, CLAIMS_PGDUMP), staging, notes)


def _same_database(first: str, second: str) -> bool:
    from sqlalchemy.engine import make_url

    a, b = make_url(first), make_url(second)
    return (a.host, a.port, a.database) == (b.host, b.port, b.database)


def _add_tracker(writer: _Writer, settings: Settings, staging: Path, notes: list[str]) -> str:
    """Rasa's tracker store: the SQLite file, or a pg_dump of its PostgreSQL database
    (nothing more when it shares the claims database, whose dump already holds it)."""
    url = settings.tracker_url
    both_postgresql = url.startswith("postgresql") and settings.database_url.startswith("postgresql")
    if both_postgresql and _same_database(url, settings.database_url):
        notes.append("the tracker store's tables are in the claims database dump")
        return "in claims database"
    return _add_store(writer, url, "tracker store", (TRACKER_SQLITE, TRACKER_PGDUMP), staging, notes)


def _add_folder(writer: _Writer, prefix: str, folder: Path) -> None:
    if not folder.is_dir():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        writer.add_file(f"{prefix}/{path.relative_to(folder).as_posix()}", path)


def _add_secrets(writer: _Writer, state_dir: Path, notes: list[str]) -> None:
    for name, variable in generated_secrets().items():
        value = os.environ.get(variable)
        if value:
            # Set in the environment: kept in the archive all the same, so the restored folder
            # can verify the stored ID hashes (an unset variable there falls back to this file).
            writer.add_bytes(name, value.encode("utf-8"))
            notes.append(f"{name} taken from ${variable}")
        elif (state_dir / name).is_file():
            writer.add_file(name, state_dir / name)


# --- restore -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    target: Path
    files: int
    database: str
    notes: list[str]


def _make_dirs(folder: Path, root: Path) -> None:
    """Each missing level owner-only (``mkdir(parents=True)`` gives parents the umask's mode)."""
    for level in [*reversed(folder.relative_to(root).parents), folder.relative_to(root)]:
        (root / level).mkdir(exist_ok=True, mode=0o700)


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def restore_backup(
    archive: Path,
    target: Path,
    force: bool = False,
    database_url: str | None = None,
    tracker_database_url: str | None = None,
) -> RestoreReport:
    """Unpack ``archive`` into ``target`` (empty unless ``force``), every file owner-only,
    every checksum verified before anything is moved into place. PostgreSQL dumps are loaded
    into ``database_url`` / ``tracker_database_url`` when given (empty databases)."""
    target = target.resolve()
    if target.exists() and any(target.iterdir()) and not force:
        raise BackupError(f"{target} is not empty (use --force to restore over it)")
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(target, 0o700)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(dir=target, prefix=".restore-") as staging_name:
        staging = Path(staging_name)
        manifest = _unpack_verified(archive, staging)
        for name in manifest["files"]:
            destination = target / name
            _make_dirs(destination.parent, target)
            if name in (CLAIMS_SQLITE, TRACKER_SQLITE):
                for suffix in ("-wal", "-shm", "-journal"):  # a live database's leftovers would corrupt it
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(f"{destination}{suffix}")
            os.replace(staging / name, destination)
    database = str(manifest.get("database", ""))
    for name, url, what, variable in (
        (CLAIMS_PGDUMP, database_url, "claims database", "DATABASE_URL"),
        (TRACKER_PGDUMP, tracker_database_url, "tracker store", "TRACKER_STORE_URL"),
    ):
        if name not in manifest["files"]:
            continue
        if url:
            _pg_restore(url, target / name)
            notes.append(f"{what} loaded with pg_restore")
        else:
            notes.append(f"load the {what} with: pg_restore --no-owner --dbname <{variable}> {target / name}")
    if any(name.startswith(f"{KNOWLEDGE}/") for name in manifest["files"]):
        notes.append(
            f"policy documents restored into {target / KNOWLEDGE}: set KNOWLEDGE_DIR to it "
            f"(or copy them back to {manifest.get('knowledge_dir')}) and run `assistant index`"
        )
    notes.extend(str(n) for n in manifest.get("notes", []))
    return RestoreReport(target, len(manifest["files"]), database, notes)


def _unpack_verified(archive: Path, staging: Path) -> dict:
    with tarfile.open(archive, mode="r:gz") as tar:
        members = tar.getmembers()
        by_name = {m.name: m for m in members}
        if MANIFEST not in by_name:
            raise BackupError("not an assistant backup: no manifest.json")
        manifest_file = tar.extractfile(by_name[MANIFEST])
        assert manifest_file is not None
        manifest = json.loads(manifest_file.read().decode("utf-8"))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        expected: dict[str, dict] = manifest["files"]
        for member in members:
            if member.name == MANIFEST:
                continue
            if not (member.isfile() and _safe_name(member.name)) or member.name not in expected:
                raise BackupError(f"unexpected member in the archive: {member.name!r}")
        for name, entry in expected.items():
            if not _safe_name(name) or name not in by_name:
                raise BackupError(f"{name} is in the manifest but not in the archive")
            source = tar.extractfile(by_name[name])
            assert source is not None
            path = staging / name
            _make_dirs(path.parent, staging)
            digest, size = hashlib.sha256(), 0
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                for block in iter(lambda source=source: source.read(1 << 20), b""):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
            if digest.hexdigest() != entry["sha256"] or size != entry["size"]:
                raise BackupError(f"checksum mismatch for {name}: the archive is damaged")
        return manifest


# --- command line --------------------------------------------------------------------------------


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _backup_command(args) -> int:
    report = create_backup(Path(args.out) if args.out else None)
    _say(f"backup written to {report.path}: {report.files} files, {report.bytes} bytes ({report.database})")
    for note in report.notes:
        _say(f"  note: {note}")
    return 0


def _restore_command(args) -> int:
    try:
        report = restore_backup(
            Path(args.file),
            Path(args.state_dir),
            force=args.force,
            database_url=args.database_url,
            tracker_database_url=args.tracker_database_url,
        )
    except BackupError as error:
        log.error("%s", error)
        return 1
    _say(f"restored {report.files} files into {report.target} (checksums verified)")
    _say(f"  use it with: ASSISTANT_STATE_DIR={report.target}")
    for note in report.notes:
        _say(f"  note: {note}")
    return 0


def add_backup_parsers(sub) -> None:
    p = sub.add_parser("backup", help="one owner-only archive: claims database, evidence, secrets, tracker")
    p.add_argument("--out", help="archive path (default: $ASSISTANT_STATE_DIR/backups/assistant-<time>.tar.gz)")
    p.set_defaults(func=_backup_command)

    p = sub.add_parser("restore", help="unpack a backup into a state folder, checksums verified")
    p.add_argument("file", help="archive written by `assistant backup`")
    p.add_argument("--state-dir", required=True, help="folder to restore into (must be empty unless --force)")
    p.add_argument("--force", action="store_true", help="restore into a folder that is not empty")
    p.add_argument("--database-url", help="PostgreSQL backups: load the claims dump into this (empty) database")
    p.add_argument("--tracker-database-url", help="load a PostgreSQL tracker dump into this (empty) database")
    p.set_defaults(func=_restore_command)
