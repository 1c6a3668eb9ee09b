"""A local stand-in for Telegram's Bot API, spoken over real HTTP on 127.0.0.1.

Telegram is unreachable from here, so the real python-telegram-bot front end is
pointed at this server with TELEGRAM_API_BASE_URL. Tests push user messages and
button presses in as updates and read what the bot sent back, as a user's
phone would see it.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

BOT_USER = {"id": 900001, "is_bot": True, "first_name": "职工助手", "username": "policy_test_bot"}


def _chat(chat_id: int) -> dict:
    if chat_id > 0:
        return {"id": chat_id, "type": "private"}
    return {"id": chat_id, "type": "supergroup", "title": "骑手互助群"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # like Telegram, take a burst of connections from a busy bot


@dataclass
class FakeBotApi:
    token: str = "123456:TEST-token-for-the-local-bot-api"
    updates: list[dict] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    fail_next: dict[str, int] = field(default_factory=dict)  # answer 429 Too Many Requests
    break_next: dict[str, int] = field(default_factory=dict)  # answer 502 Bad Gateway
    typed: dict[int, dict] = field(default_factory=dict)  # messages users sent, by update id

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._messages: dict[tuple[int, int], dict] = {}
        self._sent: defaultdict[int, list[dict]] = defaultdict(list)  # sendMessage params by chat
        self._server: ThreadingHTTPServer | None = None

    # ---- lifecycle -------------------------------------------------------
    def start(self) -> FakeBotApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                api._handle(self)

            def do_POST(self) -> None:
                api._handle(self)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    # ---- what a user does ------------------------------------------------
    def _user(self, chat_id: int) -> dict:
        return {"id": chat_id, "is_bot": False, "first_name": "测试用户", "language_code": "zh-hans"}

    def _push(self, update: dict) -> int:
        with self._cond:
            update["update_id"] = next(self._ids)
            self.updates.append(update)
            self._cond.notify_all()
            return update["update_id"]

    def send_text(self, chat_id: int, text: str, from_id: int | None = None) -> int:
        """A message typed in a chat: private for a positive id, a group for a negative one."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": self._user(from_id or abs(chat_id)),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        update_id = self._push({"message": message})
        self.typed[update_id] = message
        return update_id

    def edit_text(self, chat_id: int, update_id: int, text: str) -> int:
        """The user edits a message they sent earlier (``update_id`` from ``send_text``)."""
        edited = dict(self.typed[update_id], text=text, edit_date=int(time.time()))
        return self._push({"edited_message": edited})

    def send_sticker(self, chat_id: int) -> int:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self._user(chat_id),
            "sticker": {
                "file_id": "stk1",
                "file_unique_id": "stk1u",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        }
        return self._push({"message": message})

    def send_photo(self, chat_id: int, content: bytes) -> int:
        file_id = f"photo{next(self._ids)}"
        self.files[file_id] = content
        size = {"file_id": file_id, "file_unique_id": file_id + "u", "width": 800, "height": 600}
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self._user(chat_id),
            "photo": [dict(size, file_size=len(content))],
        }
        return self._push({"message": message})

    def send_document(self, chat_id: int, content: bytes, name: str, mime_type: str, size: int | None = None) -> int:
        file_id = f"doc{next(self._ids)}"
        self.files[file_id] = content
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self._user(chat_id),
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id + "u",
                "file_name": name,
                "mime_type": mime_type,
                "file_size": len(content) if size is None else size,
            },
        }
        return self._push({"message": message})

    def press_button(self, chat_id: int, message: dict, data: str) -> int:
        return self._push(
            {
                "callback_query": {
                    "id": f"cq{next(self._ids)}",
                    "from": self._user(chat_id),
                    "chat_instance": f"ci{chat_id}",
                    "message": message,
                    "data": data,
                }
            }
        )

    # ---- what the bot did --------------------------------------------------
    def sent_messages(self, chat_id: int) -> list[dict]:
        with self._cond:
            return list(self._sent[chat_id])

    def calls_of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate, timeout: float = 60.0):
        """Block until ``predicate()`` is truthy (re-checked on every bot call)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the bot did not do what was expected in time")
                self._cond.wait(min(remaining, 0.5))

    def wait_for_reply(self, chat_id: int, after: int, timeout: float = 60.0) -> list[dict]:
        """Messages sent to the chat after the first ``after`` ones, once the bot is done typing."""

        def ready():
            sent = self.sent_messages(chat_id)
            return sent[after:] if len(sent) > after else None

        return self.wait_for(ready, timeout)

    def message_object(self, chat_id: int, params: dict) -> dict:
        return self._messages[(chat_id, int(params["_message_id"]))]

    # ---- HTTP ------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = unquote(request.path.split("?", 1)[0])  # clients may percent-encode the token's colon
        if path.startswith(f"/file/bot{self.token}/"):
            content = self.files.get(path.rsplit("/", 1)[1])
            request.send_response(200 if content is not None else 404)
            request.end_headers()
            request.wfile.write(content or b"")
            return
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            self._reply(request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        method = path[len(prefix) :]
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode("utf-8") if length else ""
        params = {k: v[0] for k, v in parse_qs(body).items()}
        if request.headers.get("Content-Type", "").startswith("application/json") and body:
            params = json.loads(body)
        if self.break_next.get(method):
            self.break_next[method] -= 1
            self._reply(request, 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
            return
        if self.fail_next.get(method):
            self.fail_next[method] -= 1
            self._reply(
                request,
                429,
                {"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 1}},
            )
            return
        result = self._dispatch(method, params)
        self._reply(request, 200, {"ok": True, "result": result})

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getUpdates":
            return self._get_updates(params)
        with self._cond:
            self.calls.append(Call(method, params))
            if method == "sendMessage":
                self._sent[int(params["chat_id"])].append(params)
            self._cond.notify_all()
        if method == "getMe":
            return BOT_USER | {
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            chat_id = int(params["chat_id"])
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": _chat(chat_id),
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if params.get("reply_markup"):
                message["reply_markup"] = json.loads(params["reply_markup"])
            params["_message_id"] = message["message_id"]
            self._messages[(chat_id, message["message_id"])] = message
            return message
        if method == "getFile":
            file_id = params["file_id"]
            return {
                "file_id": file_id,
                "file_unique_id": file_id + "u",
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": f"documents/{file_id}",
            }
        if method == "editMessageReplyMarkup":
            return True
        return True

    def _get_updates(self, params: dict[str, Any]) -> list[dict]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 1.0)
        deadline = time.monotonic() + wait
        with self._cond:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return list(self.updates)

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the bot hung up a long poll while shutting down
