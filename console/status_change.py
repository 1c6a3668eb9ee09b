"""A status change from the console takes the same path as ``assistant claims set-status``:
``claims.status.set_status``, then ``claims.notify.announce_status_change`` (the domain's
wording, sent to the worker on Telegram, marked notified or scheduled for a retry)."""

from __future__ import annotations

from claims.notify import announce_status_change
from claims.status import StatusChange, set_status


def change_status(reference: str, status: str, note: str) -> tuple[StatusChange, bool]:
    """Raises ``ClaimNotFound`` / ``InvalidTransition`` like the command does; True when the worker was told."""
    change = set_status(reference, status, note)
    return change, announce_status_change(change)
