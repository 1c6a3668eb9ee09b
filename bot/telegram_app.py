"""The Telegram front end: relays between Telegram chats and Rasa's REST channel.

It keeps no conversation state (Rasa's tracker store does), so the sender id is
derived from the chat id and any number of front-end processes could serve
webhooks. Messages of one chat are handled in order; chats run concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from urllib.parse import urlparse

from telegram import BotCommand, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from assistant import contracts
from assistant.logging_setup import configure_logging
from assistant.metrics import TURN_SECONDS, TURNS, count_error, serve_metrics
from assistant.settings import Settings, get_settings
from bot import texts
from bot.claim_material import MATERIAL_CALLBACK, MaterialDesk, Outcome, deliver_notifications_forever, is_note, news
from bot.delivery import with_retries
from bot.handoff_relay import relay_to_staff
from bot.keyboards import button_title, inline_keyboard
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.text_split import split_message
from bot.uploads import EvidenceUploader, Upload, upload_of

log = logging.getLogger(__name__)

COMMAND_PAYLOADS = {
    "start": "/greet",
    "help": "/help",
    "cancel": "/cancel",
    "status": "/check_claim_status",
    "human": "/human_handoff",
}


def sender_id(chat_id: int) -> str:
    return f"{contracts.TELEGRAM_SENDER_PREFIX}{chat_id}"


class Relay:
    """One per process: the Rasa client and the per-chat ordering locks."""

    def __init__(self, rasa: RasaClient, uploader: EvidenceUploader) -> None:
        self.rasa = rasa
        self.uploader = uploader
        self.material = MaterialDesk(uploader)
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def forward(self, message: Message, text: str) -> None:
        TURNS.labels("telegram", "payload" if text.startswith("/") else "text").inc()
        async with self._locks[message.chat_id]:
            await self._tell_news(message)
            if text.startswith(MATERIAL_CALLBACK):
                await self._show(message, await self.material.choose(sender_id(message.chat_id), text.split(":", 1)[1]))
                return
            if is_note(text):
                outcome = await self.material.note(sender_id(message.chat_id), text)
                if outcome is not None:
                    await self._show(message, outcome)
                    return
            if await relay_to_staff(message, sender_id(message.chat_id), text):  # an open hand-off: to staff
                return
            await self._exchange(message, text)

    async def _tell_news(self, message: Message) -> None:
        """Staff changes the worker was not told of yet, before the answer to what they wrote."""
        for line in await news(sender_id(message.chat_id)):
            await with_retries(lambda line=line: message.chat.send_message(line))

    async def _show(self, message: Message, outcome: Outcome) -> None:
        if outcome.text:
            markup = inline_keyboard(outcome.buttons)
            await with_retries(lambda: message.chat.send_message(outcome.text, reply_markup=markup))
        if outcome.to_rasa:
            await self._exchange(message, outcome.to_rasa)

    async def upload(self, message: Message, upload: Upload, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Store the file with the claim, then let Rasa carry on with the form."""
        TURNS.labels("telegram", "upload").inc()
        refused = self.uploader.precheck(upload)
        if refused:
            await message.reply_text(refused)
            return
        async with self._locks[message.chat_id]:
            await _show_activity(message, ChatAction.UPLOAD_DOCUMENT)
            try:
                data = bytes(await (await context.bot.get_file(upload.file_id)).download_as_bytearray())
            except TelegramError as error:
                log.warning("could not download an upload: %s", type(error).__name__)
                await message.reply_text(texts.UPLOAD_FAILED)
                return
            # To the draft (the form goes on), or to a claim staff are handling (asking which, if several).
            await self._show(message, await self.material.file(sender_id(message.chat_id), upload, data))

    async def _exchange(self, message: Message, text: str) -> None:
        started = time.perf_counter()
        try:
            await self._reply(message, text)
        finally:
            TURN_SECONDS.labels("telegram").observe(time.perf_counter() - started)

    async def _reply(self, message: Message, text: str) -> None:
        await _show_activity(message, ChatAction.TYPING)
        try:
            replies = await self.rasa.send(sender_id(message.chat_id), text)
        except RasaUnavailable as error:
            count_error("bot", error)
            await with_retries(lambda: message.reply_text(texts.RASA_UNAVAILABLE))
            return
        if not replies:
            await with_retries(lambda: message.reply_text(texts.EMPTY_REPLY))
            return
        for reply in replies:
            markup = inline_keyboard(reply.buttons)
            parts = split_message(reply.text) if reply.text else []
            for n, part in enumerate(parts):
                last = n == len(parts) - 1
                keyboard = markup if last else None
                await with_retries(
                    lambda part=part, keyboard=keyboard: message.chat.send_message(part, reply_markup=keyboard)
                )
            if reply.image:
                await message.chat.send_photo(reply.image)


async def _show_activity(message: Message, action: str) -> None:
    """The typing indicator is a courtesy: failing to show it must never lose the message."""
    try:
        await message.chat.send_action(action)
    except TelegramError as error:
        log.info("chat action not shown: %s", type(error).__name__)


def _relay(context: ContextTypes.DEFAULT_TYPE) -> Relay:
    return context.application.bot_data["relay"]


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message and update.effective_message.text:
        await _relay(context).forward(update.effective_message, update.effective_message.text)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].lstrip("/").split("@")[0]
    await _relay(context).forward(message, COMMAND_PAYLOADS.get(command, message.text))


async def on_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Nothing said in a group goes to Rasa; edits and service messages get no answer."""
    message = update.message
    if message is not None:
        await message.reply_text(texts.PRIVATE_CHAT_ONLY)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers are taken as sent: an edit would otherwise answer whatever is asked now."""
    if update.edited_message is not None:
        await update.edited_message.reply_text(texts.EDIT_NOT_TAKEN)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.message is None or not isinstance(query.message, Message):
        return
    if query.message.chat.type != ChatType.PRIVATE:
        await query.answer(texts.PRIVATE_CHAT_ONLY)
        return
    await query.answer()
    payload = query.data or ""
    title = button_title(query.message.reply_markup, payload)
    if title:
        # Show the choice in the chat and retire the keyboard so it is not tapped twice.
        await query.edit_message_reply_markup(reply_markup=None)
        await query.message.chat.send_message(texts.CHOSEN.format(title=title))
    await _relay(context).forward(query.message, payload)


async def on_upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    upload = upload_of(message) if message else None
    if message is None or upload is None:
        return
    await _relay(context).upload(message, upload, context)


async def on_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message:
        await update.effective_message.reply_text(texts.UNSUPPORTED_MESSAGE)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # Only the exception type and chat id: never the user's message.
    chat = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
    log.error("error handling update for chat %s: %s", chat, type(context.error).__name__, exc_info=context.error)
    if context.error is not None:
        count_error("bot", context.error)


def build_application(settings: Settings) -> Application:
    async def post_init(application: Application) -> None:
        application.bot_data["relay"] = Relay(
            RasaClient(
                settings.rasa_url,
                settings.rasa_token,
                contracts.CLIENT_TELEGRAM,
                settings.telegram_frontend_secret,
            ),
            EvidenceUploader(settings.action_server_url, settings.upload_max_bytes, settings.telegram_frontend_secret),
        )
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in texts.COMMANDS.items()])
        # Status notifications that did not arrive: all of them now, then those due, on a timer.
        application.bot_data["notifier"] = asyncio.get_running_loop().create_task(deliver_notifications_forever())

    async def post_shutdown(application: Application) -> None:
        notifier = application.bot_data.get("notifier")
        if notifier is not None:
            notifier.cancel()
        relay = application.bot_data.get("relay")
        if relay is not None:
            await relay.rasa.aclose()
            await relay.uploader.aclose()

    application = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .concurrent_updates(True)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    # Claims are personal: only private chats reach Rasa (a group's id is never a claimant).
    # In a group the bot says where to write instead; an edited message is not a new answer.
    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(~private & ~filters.StatusUpdate.ALL, on_group_message))
    application.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, on_edited))
    application.add_handler(CommandHandler(list(COMMAND_PAYLOADS), on_command, filters=private & new_message))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(private & new_message & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(private & new_message & (filters.PHOTO | filters.Document.ALL), on_upload))
    application.add_handler(
        MessageHandler(private & new_message & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_unsupported)
    )
    application.add_error_handler(on_error)
    return application


def main() -> None:
    configure_logging()
    settings = get_settings()
    if not settings.telegram_token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set")
    application = build_application(settings)
    if settings.bot_metrics_listen:
        try:
            serve_metrics(settings.bot_metrics_listen, settings.metrics_token)  # /health and /metrics
        except OSError as error:  # the port is taken (another bot process): chats matter more
            log.error("metrics not served on %s: %s", settings.bot_metrics_listen, error)
    if settings.telegram_webhook_url:
        # Webhook mode: Telegram (or a TLS proxy in front of us) posts updates; PTB refuses any
        # request whose X-Telegram-Bot-Api-Secret-Token differs from the secret set here.
        host, _, port = settings.telegram_webhook_listen.rpartition(":")
        application.run_webhook(
            listen=host or "127.0.0.1",
            port=int(port),
            url_path=urlparse(settings.telegram_webhook_url).path.lstrip("/"),
            webhook_url=settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
