"""One private stack for the browser tests of the staff console, shared by the module:
the action server, the Rasa server, the staff console and the real Telegram bot against
the local Bot API server, each started as ``make run`` starts it, on free loopback ports,
with a private state folder and private copies of the knowledge folder and index (the
tests upload a document and index it). Chromium is Debian's, driven by Playwright."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.rasa_model import model_path
from assistant.services import (
    Service,
    action_server,
    console_server,
    free_port,
    isolated_settings,
    rasa_server,
    signed_say,
    stack_env,
)
from assistant.settings import PROJECT_ROOT, Settings, get_settings
from tests.conftest import requirement_missing
from tests.telegram.bot_api_server import FakeBotApi

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "console-test-password"
STAFF = {"王芳": "officer", "李编辑": "editor", "赵管理": "admin", "被锁定": "officer"}


@dataclasses.dataclass
class ConsoleStack:
    settings: Settings
    env: dict[str, str]
    api: FakeBotApi
    services: list[Service]

    @property
    def url(self) -> str:
        return self.settings.staff_console_url

    def say(self, sender: str, text: str) -> str:
        """One message to the assistant as the local front end sends it (``e2e-`` senders)."""
        response = signed_say(self.settings, sender, text, timeout=90)
        response.raise_for_status()
        return "\n".join(m.get("text", "") for m in response.json())


def _private_index(source: Path, target: Path) -> None:
    """A copy of the built index's current version: indexing here never touches the shared one."""
    current = (source / "current").resolve()
    (target / "versions").mkdir(parents=True)
    shutil.copytree(current, target / "versions" / current.name)
    (target / "current").symlink_to(Path("versions") / current.name)


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory, embedding_model_dir: Path) -> Iterator[ConsoleStack]:
    if not CHROMIUM.exists():
        requirement_missing(f"{CHROMIUM} (apt-get install chromium; `make test` installs it)")
    if not model_path().exists():
        requirement_missing(f"trained Rasa model {model_path()} (run `make train`)")
    base = get_settings()
    if not (base.index_dir / "current").exists():
        requirement_missing(f"knowledge index in {base.index_dir} (run `assistant index`)")
    state = tmp_path_factory.mktemp("console-state")
    knowledge = state / "documents"
    shutil.copytree(base.knowledge_dir, knowledge)
    _private_index(base.index_dir, state / "index")
    api = FakeBotApi().start()
    settings = dataclasses.replace(
        isolated_settings(base, state),
        knowledge_dir=knowledge,
        index_dir=state / "index",
        staff_console_url=f"http://127.0.0.1:{free_port()}",
        telegram_token=api.token,
        telegram_api_base_url=api.base_url,
    )
    env = dict(
        stack_env(settings),
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        STAFF_CONSOLE_URL=settings.staff_console_url,
    )
    action, rasa, console = action_server(settings), rasa_server(settings), console_server(settings)
    for service in (action, rasa, console):
        service.env.update(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url)
    bot = Service(
        name="Telegram bot",
        command=[sys.executable, "-m", "bot.telegram_app"],
        env=dict(env),
        log_file=settings.log_dir / "telegram.log",
        ready=lambda: bool(api.calls_of("getMe")) and bool(api.calls_of("setMyCommands")),
        url=api.base_url,
    )
    started: list[Service] = []
    try:
        # The action server brings the claims store to the latest schema before anyone else opens it.
        action.start()
        started.append(action)
        action.wait_ready(180)
        for service in (rasa, console, bot):
            service.start()
            started.append(service)
        console.wait_ready(60)
        bot.wait_ready(60)
        rasa.wait_ready(600)  # slow when other suites share the two cores
        for name, role in STAFF.items():
            subprocess.run(
                [sys.executable, "-m", "assistant.cli", "staff", "add", name, "--role", role],
                env=dict(env, STAFF_PASSWORD=PASSWORD),
                cwd=PROJECT_ROOT,
                check=True,
                capture_output=True,
            )
        yield ConsoleStack(settings, env, api, started)
    finally:
        for service in reversed(started):
            service.stop()
        api.stop()
        if os.environ.get("CI") == "true":
            for service in started:
                tail = service.log_file.read_text(errors="replace")[-3000:] if service.log_file.exists() else ""
                print(f"--- {service.name} log tail ---\n{tail}")  # noqa: T201 (CI keeps no log files)


@pytest.fixture(scope="module")
def browser(console_stack: ConsoleStack) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
