"""What users see: each message through the running stack, a fresh conversation each.

``assistant eval dialogue FILE.jsonl [FILE ...]`` starts a private stack (its own
ports, databases and logs; the built model and index), sends every message as
the first message of a new conversation over the signed REST channel, and
judges the reply the assistant actually gave:

* questions (``q``/``any``, the shared format): cited-and-right when a cited
  reply contains one alternative of ``any``; for an empty ``any``, declined
  when the reply's first sentence says the documents do not cover it (or, for
  small talk, that it is out of scope);
* first messages (``text``/``intent``/``alt``): handled when the reply is what
  the intent needs (answer or honest decline, claim offer, self-check, status,
  person, what it can help with, …); dictated injury stories are also counted
  on their own.

Replies are recognised by the domain's own response texts, so rewording a
response does not break the evaluation.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.settings import PROJECT_ROOT, Settings

# The responses that handle each intent as a first message.
HANDLED: dict[str, set[str]] = {
    "ask_policy": {
        "utter_policy_answer",
        "utter_policy_answer_whole",
        "utter_policy_not_covered",
        "utter_policy_no_answer",
    },
    "report_injury": {"utter_offer_claim_for_story", "utter_ask_claim_consent"},
    "check_subsidy_eligibility": {
        # "家里低保 我能领吗" asks with the situation told: the issue's "answer first" is the
        # cited answer, then the self-check offered, prefilled with what was said.
        "utter_offer_subsidy_check",
        "utter_subsidy_check_intro",
        "utter_ask_graduating_this_year",
        "utter_ask_subsidy_situation",
        "utter_subsidy_eligible",
        "utter_subsidy_not_eligible",
        "utter_subsidy_not_graduating",
    },
    "check_claim_status": {
        "utter_claim_status",
        "utter_no_claims",
        "utter_claim_not_found",
        "utter_claim_status_unavailable",
    },
    "human_handoff": {"utter_handoff", "utter_handoff_not_recorded"},
    # An injury that is not the writer's own at work hears what the programme covers, no claim.
    "out_of_scope": {"utter_out_of_scope", "utter_default", "utter_policy_no_answer", "utter_injury_not_at_work"},
    "greet": {"utter_greet"},
    "goodbye": {"utter_goodbye"},
    "thank": {"utter_you_are_welcome"},
    "bot_challenge": {"utter_iamabot"},
    "help": {"utter_help"},
    "cancel": {"utter_cancelled"},
    "withdraw_consent": {"utter_confirm_withdrawal"},
    # Answers to a form's questions make sense only inside one (the shared dev set has them as
    # first messages): with no form open, saying what the assistant can do for it is right.
    "affirm": {"utter_anything_else", "utter_help", "utter_did_you_mean"},
    "deny": {"utter_anything_else", "utter_help", "utter_did_you_mean"},
    "inform": {"utter_did_you_mean", "utter_help"},
    "skip": {"utter_did_you_mean", "utter_help"},
    "correct_field": {"utter_correct_outside_claim"},
}
ANSWERS = {"utter_policy_answer", "utter_policy_answer_whole"}
DECLINES = {"utter_policy_not_covered", "utter_policy_no_answer"}
SMALL_TALK_DECLINES = {"utter_out_of_scope", "utter_default"}


class ResponseNames:
    """Which domain response a reply text came from: the template's fixed opening."""

    def __init__(self, domain_file: Path) -> None:
        import yaml

        responses = yaml.safe_load(domain_file.read_text(encoding="utf-8"))["responses"]
        self._openings: list[tuple[str, str]] = []
        for name, variants in responses.items():
            text = str((variants or [{}])[0].get("text") or "")
            opening = re.split(r"\{", text, maxsplit=1)[0].strip()
            if len(opening) >= 4:
                self._openings.append((opening[:24], name))
        self._openings.sort(key=lambda pair: -len(pair[0]))

    def name(self, text: str) -> str:
        stripped = text.strip()
        for opening, name in self._openings:
            if stripped.startswith(opening):
                return name
        # A policy answer starts with the passage itself; its template ends with the citation.
        if "📄 出处：" in stripped:
            return "utter_policy_answer"
        return "unknown"


@dataclass
class Turn:
    message: str
    replies: list[str]
    names: list[str]
    seconds: float


@dataclass
class Report:
    questions: dict[str, Any] = field(default_factory=dict)
    first_messages: dict[str, Any] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)


def _load(paths: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _contains(reply: str, alternatives: list[list[str]]) -> bool:
    return any(all(phrase in reply for phrase in alt) for alt in alternatives)


def judge_question(row: dict[str, Any], turn: Turn) -> tuple[str, bool]:
    """('answerable'|'unanswerable', right?) for one question."""
    text = "\n".join(turn.replies)
    first = turn.names[0] if turn.names else "none"
    if row.get("any"):
        cited = any(n in ANSWERS | DECLINES for n in turn.names) and "📄 出处" in text
        return "answerable", cited and _contains(text, row["any"])
    declined = first in DECLINES or (row.get("kind") == "ood" and first in SMALL_TALK_DECLINES)
    return "unanswerable", declined


def judge_first_message(row: dict[str, Any], turn: Turn) -> bool:
    wanted = {row["intent"], *row.get("alt", [])}
    acceptable = set().union(*(HANDLED.get(i, set()) for i in wanted))
    if "ask_policy" in wanted and row["intent"] != "ask_policy":
        acceptable -= {"utter_policy_no_answer"}  # a non-question must not be "declined" as one
    return bool(acceptable & set(turn.names))


def summarise(rows: list[dict[str, Any]], turns: list[Turn]) -> Report:
    report = Report()
    counts: Counter[str] = Counter()
    for row, turn in zip(rows, turns, strict=True):
        if "q" in row:
            kind, right = judge_question(row, turn)
            counts[f"{kind}"] += 1
            counts[f"{kind}_right"] += right
            if kind == "answerable" and right and turn.names and turn.names[0] in DECLINES:
                counts["answerable_right_after_decline"] += 1
            if not right:
                report.misses.append(
                    {"set": "questions", "kind": row.get("kind", kind), "message": row["q"], "reply": turn.names}
                )
        else:
            handled = judge_first_message(row, turn)
            counts["first"] += 1
            counts["first_handled"] += handled
            counts[f"intent:{row['intent']}"] += 1
            counts[f"intent:{row['intent']}:handled"] += handled
            if row.get("kind") == "story":
                counts["story"] += 1
                counts["story_offer"] += handled
            if not handled:
                report.misses.append(
                    {
                        "set": "first",
                        "intent": row["intent"],
                        "kind": row.get("kind"),
                        "message": row["text"],
                        "reply": turn.names,
                    }
                )
    if counts["answerable"] or counts["unanswerable"]:
        report.questions = {
            "answerable": counts["answerable"],
            "cited_and_right": _rate(counts["answerable_right"], counts["answerable"]),
            "right_shown_after_a_decline": counts["answerable_right_after_decline"],
            # The stricter figure: the first reply is the answer (not a decline showing the right passage).
            "answered_and_right": _rate(
                counts["answerable_right"] - counts["answerable_right_after_decline"], counts["answerable"]
            ),
            "unanswerable": counts["unanswerable"],
            "declined": _rate(counts["unanswerable_right"], counts["unanswerable"]),
        }
    if counts["first"]:
        by_intent = {
            key.split(":")[1]: _rate(counts[f"{key}:handled"], counts[key])
            for key in sorted(counts)
            if key.startswith("intent:") and key.count(":") == 1
        }
        report.first_messages = {
            "messages": counts["first"],
            "handled": _rate(counts["first_handled"], counts["first"]),
            "stories": counts["story"],
            "stories_reaching_claim_offer": _rate(counts["story_offer"], counts["story"]),
            "handled_by_intent": by_intent,
        }
    policy = [t.seconds * 1000 for row, t in zip(rows, turns, strict=True) if "q" in row] or [
        t.seconds * 1000 for t in turns
    ]
    report.latency_ms = _latency(policy)
    return report


def _rate(right: int, total: int) -> float:
    return round(right / total, 3) if total else 0.0


def _latency(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "max": round(ordered[-1], 1),
    }


async def _converse(settings: Settings, messages: list[str], names: ResponseNames) -> list[Turn]:
    from assistant import contracts
    from bot.rasa_client import RasaClient

    client = RasaClient(settings.rasa_url, settings.rasa_token, contracts.CLIENT_LOCAL, settings.frontend_secret)
    run = uuid.uuid4().hex[:6]
    turns = []
    try:
        for n, message in enumerate(messages):
            began = time.perf_counter()
            replies = await client.send(f"{contracts.TEST_SENDER_PREFIX}eval-{run}-{n}", message)
            seconds = time.perf_counter() - began
            texts = [r.text for r in replies if r.text]
            turns.append(Turn(message, texts, [names.name(t) for t in texts], seconds))
    finally:
        await client.aclose()
    return turns


def evaluate(paths: list[Path], settings: Settings | None = None) -> Report:
    """Run ``paths`` through a private stack (or the stack ``settings`` points at, if given)."""
    from assistant.services import Service, action_server, isolated_settings, rasa_server
    from assistant.settings import get_settings

    rows = _load(paths)
    messages = [row.get("q") or row["text"] for row in rows]
    names = ResponseNames(PROJECT_ROOT / "nlu" / "domain.yml")
    if settings is not None:
        return summarise(rows, asyncio.run(_converse(settings, messages, names)))
    private = isolated_settings(get_settings(), Path(tempfile.mkdtemp(prefix="eval-dialogue-")))
    services: list[Service] = []
    try:
        for service, timeout in ((action_server(private), 180), (rasa_server(private), 300)):
            service.start()
            services.append(service)
            service.wait_ready(timeout)
        return summarise(rows, asyncio.run(_converse(private, messages, names)))
    finally:
        for service in reversed(services):
            service.stop()
