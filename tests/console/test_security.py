"""The console's protections, in process (no browser, no Rasa): roles, CSRF, session
timeout and logout everywhere, redirects that stay on the console, and headers."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from assistant.settings import get_settings
from claims.db import upgrade_to_head
from claims.staff import add_staff

PASSWORD = "a-long-enough-password"


@pytest.fixture
def app(tmp_path, monkeypatch) -> Iterator[object]:
    monkeypatch.setenv("ASSISTANT_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'assistant.db'}")
    monkeypatch.setenv("STAFF_SESSION_MINUTES", "1")
    get_settings.cache_clear()
    upgrade_to_head()
    add_staff("officer1", "officer", PASSWORD)
    add_staff("editor1", "editor", PASSWORD)
    from console.app import create_app

    yield create_app(get_settings())


def client(app) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1:8080")


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "every form carries the CSRF token"
    return found.group(1)


def log_in(c: TestClient, name: str, next_path: str = "/") -> None:
    form = c.get("/login")
    r = c.post(
        "/login",
        data={"name": name, "password": PASSWORD, "csrf_token": token(form.text), "next": next_path},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_roles_decide_what_a_page_shows(app) -> None:
    editor = client(app)
    log_in(editor, "editor1")
    assert editor.get("/claims").status_code == 403
    assert editor.get("/handoffs").status_code == 403
    assert editor.get("/admin/audit").status_code == 403
    officer = client(app)
    log_in(officer, "officer1")
    assert officer.get("/claims").status_code == 200
    assert officer.get("/knowledge").status_code == 403
    anonymous = client(app)
    r = anonymous.get("/claims/GS20260101AAAA/evidence/1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_forms_need_the_session_token_and_this_origin(app) -> None:
    c = client(app)
    page = c.get("/login")
    assert c.post("/login", data={"name": "officer1", "password": PASSWORD}).status_code == 403
    r = c.post(
        "/login",
        data={"name": "officer1", "password": PASSWORD, "csrf_token": token(page.text)},
        headers={"Origin": "http://evil.example"},
    )
    assert r.status_code == 403
    log_in(c, "officer1")
    assert c.post("/logout", data={"csrf_token": "guess"}).status_code == 403


def test_logging_in_does_not_send_you_elsewhere(app) -> None:
    c = client(app)
    form = c.get("/login")
    r = c.post(
        "/login",
        data={"name": "officer1", "password": PASSWORD, "csrf_token": token(form.text), "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_logout_ends_every_session_of_that_person(app) -> None:
    laptop, phone = client(app), client(app)
    log_in(laptop, "officer1")
    log_in(phone, "officer1")
    page = laptop.get("/claims")
    laptop.post("/logout", data={"csrf_token": token(page.text)})
    assert phone.get("/claims", follow_redirects=False).status_code == 303


def test_an_idle_session_expires(app) -> None:
    c = client(app)
    log_in(c, "officer1")
    assert c.get("/claims", follow_redirects=False).status_code == 200
    cookie = c.cookies["staff_session"]
    payload = TimestampSigner(get_settings().staff_session_secret).unsign(cookie)
    # The same session, signed two minutes ago (the timeout here is one minute).
    signer = TimestampSigner(get_settings().staff_session_secret)
    signer.get_timestamp = lambda: int(time.time()) - 120  # type: ignore[method-assign]
    c.cookies.clear()
    c.cookies.set("staff_session", signer.sign(payload).decode())
    assert c.get("/claims", follow_redirects=False).status_code == 303


def test_pages_are_not_cached_and_cannot_be_framed(app) -> None:
    c = client(app)
    r = c.get("/login")
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
