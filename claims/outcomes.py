"""Per-day counts of policy questions answered and declined, for the staff dashboard.

Only the day and the outcome are stored: no question, no user."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from assistant.settings import get_settings
from claims.db import session_scope
from claims.models import QuestionOutcome

OUTCOMES = ("answered", "declined")


def today() -> str:
    return datetime.now(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d")


def record_outcome(outcome: str, engine: Engine | None = None) -> None:
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    with session_scope(engine) as session:
        session.add(QuestionOutcome(day=today(), outcome=outcome))


def daily_counts(since_day: str, engine: Engine | None = None) -> dict[str, dict[str, int]]:
    """``{"2026-11-29": {"answered": 12, "declined": 3}, ...}`` from ``since_day`` on."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(QuestionOutcome.day, QuestionOutcome.outcome, func.count(QuestionOutcome.id))
            .where(QuestionOutcome.day >= since_day)
            .group_by(QuestionOutcome.day, QuestionOutcome.outcome)
        ).all()
    out: dict[str, dict[str, int]] = {}
    for day, outcome, n in rows:
        out.setdefault(day, dict.fromkeys(OUTCOMES, 0))[outcome] = int(n)
    return out
