"""A status change from the console takes the same path as ``assistant claims set-status``:
``claims.status.set_status``, then the claimant is told on Telegram.

``announce`` is the one seam to the notification: it uses ``claims.notify.announce_status_change``
(render, send, mark notified or schedule a retry) when that exists, otherwise the
steps ``assistant claims set-status`` takes today.
"""

from __future__ import annotations

from claims.status import StatusChange, set_status


def announce(change: StatusChange) -> bool:
    try:
        from claims.notify import announce_status_change  # type: ignore[attr-defined]
    except ImportError:
        announce_status_change = None
    if announce_status_change is not None:
        return bool(announce_status_change(change))
    from assistant.claims_cli import response_text, status_label
    from claims.notify import notify_user
    from claims.status import mark_notified

    note = f"说明：{change.note}。" if change.note else ""
    text = response_text(
        "utter_claim_status_changed", reference=change.reference, status=status_label(change.status), note=note
    )
    notified = notify_user(change.sender_id, text)
    if notified:
        mark_notified(change.event_id)
    return notified


def change_status(reference: str, status: str, note: str) -> tuple[StatusChange, bool]:
    """Raises ``ClaimNotFound`` / ``InvalidTransition`` like the command does."""
    change = set_status(reference, status, note)
    return change, announce(change)
