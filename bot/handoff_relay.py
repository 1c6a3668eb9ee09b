"""While a worker's hand-off is open, what they type goes to staff, not to Rasa.

Consulted before a text message is forwarded: when the chat has an open hand-off
(``claims.handoff_threads``), the message is stored in that thread (numbers masked),
the staff console shows it, and the worker is told it went to staff. ``结束人工``
closes the thread and the assistant answers again. Staff replies reach the chat
from the console through the Bot API. Button presses and commands still go to
Rasa. If the claims store cannot be read, the message goes to Rasa as before.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Message

from bot import texts
from bot.delivery import with_retries

log = logging.getLogger(__name__)

END_WORDS = frozenset({"结束人工", "结束人工服务", "退出人工"})


def _divert(sender_id: str, text: str) -> str | None:
    """The reply when the message belongs to a hand-off (stored, or ended it); None for Rasa."""
    from claims.handoff_threads import add_worker_message, close_handoffs, open_handoff_of, thread

    said = text.strip()
    handoff = open_handoff_of(sender_id)
    if said in END_WORDS:
        if handoff is None:
            return texts.HANDOFF_NONE_OPEN
        close_handoffs(sender_id, "劳动者输入“结束人工”，人工服务结束")
        return texts.HANDOFF_ENDED
    if handoff is None:
        return None
    current = thread(handoff)
    first = current is not None and not any(m.author == "worker" for m in current.messages)
    add_worker_message(handoff, said)
    return texts.HANDOFF_RELAYED_FIRST if first else texts.HANDOFF_RELAYED


async def relay_to_staff(message: Message, sender_id: str, text: str) -> bool:
    """True when the message went to the hand-off thread (and the worker was told)."""
    if not text or text.startswith("/"):
        return False
    try:
        reply = await asyncio.to_thread(_divert, sender_id, text)
    except Exception as error:  # the claims store is unreachable: the assistant still answers
        log.warning("hand-off check failed, message goes to the assistant: %s", type(error).__name__)
        return False
    if reply is None:
        return False
    await with_retries(lambda: message.chat.send_message(reply))
    return True
