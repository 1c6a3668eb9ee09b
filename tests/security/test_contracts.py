"""The signature scheme both sides of every front-end hop use (assistant/contracts.py)."""

from __future__ import annotations

import time

from assistant import contracts

SECRETS = {contracts.CLIENT_TELEGRAM: "telegram-secret", contracts.CLIENT_LOCAL: "local-secret"}
PATH = contracts.REST_WEBHOOK_PATH
BODY = b'{"sender": "tg-7104", "message": "\xe6\x9f\xa5\xe8\xbf\x9b\xe5\xba\xa6"}'


def signed(client: str = contracts.CLIENT_TELEGRAM, secret: str | None = None, **kwargs) -> dict[str, str]:
    return contracts.sign(client, secret or SECRETS[client], "POST", PATH, BODY, sender="tg-7104", **kwargs)


def test_a_request_signed_by_the_telegram_front_end_is_accepted_once() -> None:
    verifier = contracts.Verifier(SECRETS)
    headers = signed()
    assert verifier.verify(headers, "POST", PATH, BODY, "tg-7104") == contracts.Verdict(True, "", "telegram")
    assert verifier.verify(headers, "POST", PATH, BODY, "tg-7104").reason == contracts.REPLAYED


def test_unsigned_forged_or_altered_requests_are_refused() -> None:
    verifier = contracts.Verifier(SECRETS)
    assert verifier.verify({}, "POST", PATH, BODY, "tg-7104").reason == contracts.UNSIGNED
    wrong_key = signed(secret="guessed")
    assert verifier.verify(wrong_key, "POST", PATH, BODY, "tg-7104").reason == contracts.BAD_SIGNATURE
    headers = signed()
    assert verifier.verify(headers, "POST", PATH, BODY + b" ", "tg-7104").reason == contracts.BAD_SIGNATURE
    assert verifier.verify(headers, "POST", PATH, BODY, "tg-7105").reason == contracts.BAD_SIGNATURE
    assert verifier.verify(headers, "POST", contracts.UPLOAD_PATH, BODY, "tg-7104").reason == contracts.BAD_SIGNATURE
    unknown_client = dict(headers, **{contracts.CLIENT_HEADER: "browser"})
    assert verifier.verify(unknown_client, "POST", PATH, BODY, "tg-7104").reason == contracts.UNSIGNED


def test_old_or_future_signatures_are_refused() -> None:
    verifier = contracts.Verifier(SECRETS)
    for offset in (-contracts.MAX_CLOCK_SKEW - 5, contracts.MAX_CLOCK_SKEW + 5):
        headers = signed(now=time.time() + offset)
        assert verifier.verify(headers, "POST", PATH, BODY, "tg-7104").reason == contracts.STALE


def test_only_the_telegram_front_end_speaks_for_telegram_users() -> None:
    verifier = contracts.Verifier(SECRETS)
    local = contracts.sign(contracts.CLIENT_LOCAL, "local-secret", "POST", PATH, BODY, sender="tg-7104")
    assert verifier.verify(local, "POST", PATH, BODY, "tg-7104").reason == contracts.SENDER_NOT_ALLOWED
    telegram = contracts.sign(contracts.CLIENT_TELEGRAM, "telegram-secret", "POST", PATH, BODY, sender="terminal-x")
    assert verifier.verify(telegram, "POST", PATH, BODY, "terminal-x").reason == contracts.SENDER_NOT_ALLOWED
    assert contracts.sender_allowed(contracts.CLIENT_LOCAL, "terminal-alice")
    assert not contracts.sender_allowed(contracts.CLIENT_LOCAL, "")
    assert not contracts.sender_allowed(contracts.CLIENT_TELEGRAM, "tg-" + "1" * 200)


def test_nonces_are_forgotten_only_after_the_replay_window() -> None:
    verifier = contracts.Verifier(SECRETS)
    start = time.time()
    headers = signed(now=start)
    assert verifier.verify(headers, "POST", PATH, BODY, "tg-7104", now=start).ok
    # Within the window the nonce is remembered, however many other requests came since.
    for _ in range(50):
        assert verifier.verify(signed(now=start + 1), "POST", PATH, BODY, "tg-7104", now=start + 1).ok
    assert verifier.verify(headers, "POST", PATH, BODY, "tg-7104", now=start + 2).reason == contracts.REPLAYED


def test_tokens_are_compared_whole() -> None:
    assert contracts.tokens_equal("abc", "abc")
    assert not contracts.tokens_equal("ab", "abc")
    assert not contracts.tokens_equal(None, "abc")
    assert not contracts.tokens_equal("", "")  # an unset token never matches


def test_every_endpoint_refuses_bodies_the_same_way() -> None:
    from assistant import contracts

    json_headers = {"content-type": "application/json; charset=utf-8"}
    assert contracts.check_body(json_headers, b"{}", contracts.JSON_CONTENT_TYPE, 10) is None
    # A form post from a browser page: refused before anything reads it.
    form = {"content-type": "text/plain"}
    assert contracts.check_body(form, b"{}", contracts.JSON_CONTENT_TYPE, 10) == contracts.Refusal("content_type", 415)
    assert contracts.check_body(json_headers, b"x" * 11, contracts.JSON_CONTENT_TYPE, 10).status == 413
    gzipped = {**json_headers, "content-encoding": "gzip"}
    assert contracts.check_body(gzipped, b"{}", contracts.JSON_CONTENT_TYPE, 10).status == 415
    assert contracts.check_body(gzipped, b"{}", contracts.JSON_CONTENT_TYPE, 10, frozenset({"gzip"})) is None
    assert contracts.Refusal("too_large", 413).body == {"ok": False, "reason": "too_large"}
