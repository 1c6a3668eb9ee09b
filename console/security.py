"""Who is logged in, what their role allows, and CSRF protection for every form.

Sessions are Starlette's signed cookies (itsdangerous): HttpOnly, SameSite=Strict,
Secure when the console is served over HTTPS, re-signed on every request and
refused once ``STAFF_SESSION_MINUTES`` pass without one. The cookie names the
staff member and their account's session nonce; logging out or a new password
changes the nonce, which ends every session of that person at once.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlparse

from fastapi import Depends, Request

from claims.staff import Staff, get_staff

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


class CsrfFailed(Exception):
    pass


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def csrf_protect(request: Request) -> None:
    """Every state-changing request carries the session's token (a hidden form field) and,
    when the browser sends one, an Origin of this console."""
    if request.method not in UNSAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin and origin != "null":
        own = urlparse(str(request.base_url))
        theirs = urlparse(origin)
        if (theirs.scheme, theirs.netloc) != (own.scheme, own.netloc):
            raise CsrfFailed
    given = request.headers.get(CSRF_HEADER)
    if not given:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not (given and expected and hmac.compare_digest(given.encode(), str(expected).encode())):
        raise CsrfFailed


def current_staff(request: Request) -> Staff:
    staff_id = request.session.get("staff_id")
    staff = get_staff(int(staff_id)) if isinstance(staff_id, int) else None
    nonce = request.session.get("nonce", "")
    if staff is None or not staff.active or not hmac.compare_digest(staff.session_nonce, str(nonce)):
        request.session.pop("staff_id", None)
        request.session.pop("nonce", None)
        raise LoginRequired
    request.state.staff = staff
    return staff


def require(*roles: str):
    """A dependency: the logged-in staff member, when their role is one of ``roles`` (admin always is)."""

    def check(staff: Annotated[Staff, Depends(current_staff)]) -> Staff:
        if not staff.may(*roles):
            raise Forbidden
        return staff

    return check


def start_session(request: Request, staff: Staff) -> None:
    """A fresh session on login: nothing from before it (a planted cookie) carries over."""
    request.session.clear()
    request.session.update(staff_id=staff.id, nonce=staff.session_nonce, csrf=secrets.token_urlsafe(32))
