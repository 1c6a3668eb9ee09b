"""Staff commands for claims: ``assistant claims list|show|export|set-status|purge``.

Status changes notify the claimant on Telegram with the wording in the domain
(``utter_claim_status_changed``), so users read the same labels in the chat
as when they ask for their status."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from assistant.settings import get_settings

log = logging.getLogger("assistant.claims")


def response_text(name: str, **values: str) -> str:
    from claims.wording import response_text as text

    return text(name, **values)


def status_label(status: str) -> str:
    from claims.wording import status_label as label

    return label(status)


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


def _list(args: argparse.Namespace) -> int:
    from claims.staff_views import list_claims

    for r in list_claims(args.status, _date(args.since), _date(args.until)):
        submitted = f"{r.submitted_at:%Y-%m-%d %H:%M}" if r.submitted_at else "-"
        print(f"{r.reference}  {submitted}  {r.status:<14} {r.platform:<6} {r.full_name}  {r.phone}  ID…{r.id_last4}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from claims.errors import ClaimNotFound
    from claims.staff_views import show_claim

    try:
        detail = show_claim(args.reference)
    except ClaimNotFound:
        print(f"no claim {args.reference}", file=sys.stderr)
        return 1
    for name, value in vars(detail.record).items():
        print(f"{name:>14}: {value}")
    print("history:")
    for entry in detail.history:
        print(f"  {entry.at:%Y-%m-%d %H:%M}  {entry.status}  {entry.note}")
    for item in detail.evidence:
        print(f"  evidence: {item}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from claims.staff_views import list_claims, write_csv

    records = list_claims(args.status, _date(args.since), _date(args.until))
    if args.out == "-":
        write_csv(records, sys.stdout)
    else:
        with Path(args.out).open("w", encoding="utf-8-sig", newline="") as handle:
            write_csv(records, handle)
        Path(args.out).chmod(0o600)
        log.info("%d claims written to %s", len(records), args.out)
    return 0


def _set_status(args: argparse.Namespace) -> int:
    from claims.errors import ClaimNotFound, InvalidTransition
    from claims.notify import announce_status_change
    from claims.status import set_status

    try:
        change = set_status(args.reference, args.status, args.note or "")
    except ClaimNotFound:
        print(f"no claim {args.reference}", file=sys.stderr)
        return 1
    except InvalidTransition as error:
        print(f"not allowed: {error}", file=sys.stderr)
        return 2
    notified = announce_status_change(change)
    outcome = " (user notified)" if notified else " (not delivered yet: retried later, or shown at the next message)"
    print(f"{change.reference}: {change.old_status} → {change.status}{outcome}")
    return 0


def _notify_pending(args: argparse.Namespace) -> int:
    from claims.notify import notify_pending

    result = notify_pending(due_only=False)
    print(f"{result.sent} notifications delivered, {result.failed} still pending")
    return 0 if result.failed == 0 else 3


def _purge(args: argparse.Namespace) -> int:
    from claims.retention import purge

    settings = get_settings()
    result = purge(
        datetime.now(UTC),
        args.claim_days if args.claim_days is not None else settings.claim_retention_days,
        args.draft_days if args.draft_days is not None else settings.draft_retention_days,
    )
    print(
        f"anonymised {result.claims_anonymised} closed claims, deleted {result.drafts_deleted} stale drafts, "
        f"{result.handoffs_deleted} hand-off requests, {result.conversation_events_deleted} conversation events "
        f"and {result.orphan_files_deleted} stray evidence files"
    )
    return 0


def add_claims_parser(sub: argparse._SubParsersAction) -> None:
    from claims.status import STATUSES

    claims = sub.add_parser("claims", help="injury claims: list, show, export, set-status, purge")
    actions = claims.add_subparsers(dest="claims_command", required=True)

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--status", choices=STATUSES)
        p.add_argument("--since", help="submitted on or after (YYYY-MM-DD)")
        p.add_argument("--until", help="submitted before (YYYY-MM-DD)")

    p = actions.add_parser("list", help="submitted claims, oldest first")
    filters(p)
    p.set_defaults(func=_with_schema(_list))
    p = actions.add_parser("show", help="one claim with its history and evidence")
    p.add_argument("reference")
    p.set_defaults(func=_with_schema(_show))
    p = actions.add_parser("export", help="CSV for processing (resident ID as last four only)")
    filters(p)
    p.add_argument("--out", default="-", help="file (default: standard output)")
    p.set_defaults(func=_with_schema(_export))
    p = actions.add_parser("set-status", help="move a claim on; the user is notified on Telegram")
    p.add_argument("reference")
    p.add_argument("status", choices=["under_review", "need_more_info", "approved", "rejected"])
    p.add_argument("--note", default="")
    p.set_defaults(func=_with_schema(_set_status))
    p = actions.add_parser("notify-pending", help="deliver status notifications that have not arrived yet")
    p.set_defaults(func=_with_schema(_notify_pending))
    p = actions.add_parser("purge", help="anonymise old closed claims, delete stale drafts")
    p.add_argument("--claim-days", type=int, help="default: $CLAIM_RETENTION_DAYS")
    p.add_argument("--draft-days", type=int, help="default: $DRAFT_RETENTION_DAYS")
    p.set_defaults(func=_with_schema(_purge))


def _with_schema(handler):
    def run(args: argparse.Namespace) -> int:
        from claims.db import upgrade_to_head

        upgrade_to_head()
        return handler(args)

    return run
