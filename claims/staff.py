"""Staff accounts of the console and the audit log of what they viewed or changed.

Passwords are kept as argon2id hashes (argon2-cffi's defaults, RFC 9106 low-memory
profile). After ``MAX_FAILURES`` wrong passwords in a row an account is locked
for ``LOCKOUT_MINUTES``; an unknown name costs the same hashing time as a known
one, so a login attempt does not tell which names exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select

from claims.db import session_scope
from claims.models import StaffAccount, StaffAudit, utcnow

ROLES = ("officer", "editor", "admin")
ROLE_LABELS = {"officer": "理赔专员", "editor": "知识库编辑", "admin": "管理员"}
MAX_FAILURES = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class StaffError(ValueError):
    pass


@dataclass(frozen=True)
class Staff:
    id: int
    name: str
    role: str
    active: bool
    session_nonce: str
    locked_until: datetime | None
    last_login_at: datetime | None

    def may(self, *roles: str) -> bool:
        return self.active and (self.role == "admin" or self.role in roles)


@dataclass(frozen=True)
class LoginResult:
    staff: Staff | None
    locked: bool = False


def _staff(row: StaffAccount) -> Staff:
    return Staff(row.id, row.name, row.role, row.active, row.session_nonce, row.locked_until, row.last_login_at)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands timezone-aware columns back naive (in UTC)."""
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")


def add_staff(name: str, role: str, password: str, engine: Engine | None = None) -> Staff:
    name = name.strip()
    if not name or len(name) > 64:
        raise StaffError("name must be 1-64 characters")
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}")
    check_password_strength(password)
    with session_scope(engine) as session:
        if session.scalar(select(StaffAccount).where(StaffAccount.name == name)) is not None:
            raise StaffError(f"{name} already exists")
        row = StaffAccount(
            name=name, role=role, password_hash=_hasher.hash(password), session_nonce=secrets.token_hex(16)
        )
        session.add(row)
        session.flush()
        return _staff(row)


def set_password(name: str, password: str, engine: Engine | None = None) -> None:
    check_password_strength(password)
    with session_scope(engine) as session:
        row = session.scalar(select(StaffAccount).where(StaffAccount.name == name))
        if row is None:
            raise StaffError(f"no staff account {name}")
        row.password_hash = _hasher.hash(password)
        row.session_nonce = secrets.token_hex(16)  # every open session ends
        row.failed_logins, row.locked_until = 0, None


def set_active(name: str, active: bool, engine: Engine | None = None) -> None:
    with session_scope(engine) as session:
        row = session.scalar(select(StaffAccount).where(StaffAccount.name == name))
        if row is None:
            raise StaffError(f"no staff account {name}")
        row.active = active
        row.session_nonce = secrets.token_hex(16)
        if active:
            row.failed_logins, row.locked_until = 0, None


def list_staff(engine: Engine | None = None) -> list[Staff]:
    with session_scope(engine) as session:
        return [_staff(r) for r in session.scalars(select(StaffAccount).order_by(StaffAccount.name))]


def get_staff(staff_id: int, engine: Engine | None = None) -> Staff | None:
    with session_scope(engine) as session:
        row = session.get(StaffAccount, staff_id)
        return _staff(row) if row is not None else None


def authenticate(name: str, password: str, now: datetime | None = None, engine: Engine | None = None) -> LoginResult:
    """The staff member when the password is right and the account is neither locked nor disabled."""
    now = now or utcnow()
    with session_scope(engine) as session:
        row = session.scalar(select(StaffAccount).where(StaffAccount.name == name.strip()).with_for_update())
        if row is None or not row.active:
            _verify(_DUMMY_HASH, password)
            return LoginResult(None)
        locked_until = _aware(row.locked_until)
        if locked_until is not None and locked_until > now:
            _verify(_DUMMY_HASH, password)
            return LoginResult(None, locked=True)
        if not _verify(row.password_hash, password):
            row.failed_logins += 1
            if row.failed_logins >= MAX_FAILURES:
                row.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)
                row.failed_logins = 0
                return LoginResult(None, locked=True)
            return LoginResult(None)
        row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        return LoginResult(_staff(row))


def end_sessions(staff_id: int, engine: Engine | None = None) -> None:
    """Logging out ends this person's sessions everywhere (the cookie names the current nonce)."""
    with session_scope(engine) as session:
        row = session.get(StaffAccount, staff_id)
        if row is not None:
            row.session_nonce = secrets.token_hex(16)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


# --- audit log ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    staff_name: str
    action: str
    target: str
    detail: str


def audit(staff_name: str, action: str, target: str = "", detail: str = "", engine: Engine | None = None) -> None:
    """``detail`` must not carry personal data: what was done, not what was read."""
    with session_scope(engine) as session:
        session.add(StaffAudit(staff_name=staff_name, action=action, target=target[:64], detail=detail[:500]))


def audit_log(
    target: str | None = None, staff_name: str | None = None, limit: int = 200, engine: Engine | None = None
) -> list[AuditEntry]:
    query = select(StaffAudit).order_by(StaffAudit.id.desc()).limit(limit)
    if target:
        query = query.where(StaffAudit.target == target)
    if staff_name:
        query = query.where(StaffAudit.staff_name == staff_name)
    with session_scope(engine) as session:
        return [AuditEntry(r.at, r.staff_name, r.action, r.target, r.detail) for r in session.scalars(query)]


def count_staff(engine: Engine | None = None) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count(StaffAccount.id))) or 0)
