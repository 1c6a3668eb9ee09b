"""The real stack for end-to-end tests: action server and Rasa server, started
exactly as ``make run`` starts them, on free loopback ports and a private state
folder. Started once per test session (Rasa needs ~40 s to come up)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.rasa_model import model_path
from assistant.services import Service, action_server, isolated_settings, rasa_server, signed_say
from assistant.settings import Settings, get_settings
from tests.conftest import requirement_missing


@dataclasses.dataclass
class Stack:
    settings: Settings
    action: Service
    rasa: Service
    env: dict[str, str]

    def say(self, sender: str, text: str) -> list[dict]:
        """One message as the local front end would send it (signed; ``e2e-`` senders)."""
        response = signed_say(self.settings, sender, text, timeout=60)
        response.raise_for_status()
        return response.json()

    def texts(self, sender: str, text: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(sender, text))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, embedding_model_dir: Path) -> Iterator[Stack]:
    if not model_path().exists():
        requirement_missing(f"trained Rasa model {model_path()} (run `make train`)")
    base = get_settings()
    if not (base.index_dir / "current").exists():
        requirement_missing(f"knowledge index in {base.index_dir} (run `assistant index`)")
    state = tmp_path_factory.mktemp("stack-state")
    settings = isolated_settings(base, state)
    action, rasa = action_server(settings), rasa_server(settings)
    started = []
    try:
        for service, timeout in ((action, 180), (rasa, 300)):
            service.start()
            started.append(service)
            service.wait_ready(timeout)
        yield Stack(settings, action, rasa, dict(rasa.env))
    finally:
        for service in reversed(started):
            service.stop()
        if os.environ.get("CI") == "true":
            for service in started:
                tail = service.log_file.read_text(errors="replace")[-3000:] if service.log_file.exists() else ""
                print(f"--- {service.name} log tail ---\n{tail}")  # noqa: T201 (CI keeps no log files)
