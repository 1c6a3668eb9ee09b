"""How each server of the stack is started and how we know it is ready.

``make run`` and the end-to-end test fixtures use the same definitions, so the
tests exercise the stack exactly as users start it.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from assistant import contracts
from assistant.logging_setup import pump_to_log
from assistant.rasa_model import RASA_BIN, model_path, rasa_env
from assistant.settings import PROJECT_ROOT, Settings


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    log_file: Path
    ready: Callable[[], bool]
    url: str
    process: subprocess.Popen | None = field(default=None, repr=False)
    log_pump: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        # Owner-only from creation (the logs are masked, but they still tell who talked when),
        # rotated at LOG_MAX_BYTES by a thread of this process.
        assert self.process.stdout is not None
        self.log_pump = pump_to_log(self.process.stdout, self.log_file)

    def _log_flushed(self) -> None:
        """After the process ended: its last lines are in the log before anyone reads it."""
        if self.log_pump is not None:
            self.log_pump.join(timeout=5)

    def wait_ready(self, timeout: float) -> None:
        """Poll until ready; fail fast if the process died (its log says why)."""
        deadline = time.monotonic() + timeout
        delay = 0.2
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                self._log_flushed()
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_file}")
            if self.ready():
                return
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s; see {self.log_file}")

    def kill(self) -> None:
        """As a crash or an OOM kill would end it: no clean shutdown."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self._log_flushed()

    def stop(self, grace: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._log_flushed()


def _http_ok(url: str, **params: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, params=params, timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    return check


def signed_say(settings: Settings, sender: str, text: str, timeout: float = 60.0) -> httpx.Response:
    """One message to Rasa's signed channel as the local front end (terminal, tests, benchmark)."""
    from bot.rasa_client import signed_message

    body, headers = signed_message(contracts.CLIENT_LOCAL, settings.frontend_secret, sender, text)
    return httpx.post(
        f"{settings.rasa_url}{contracts.REST_WEBHOOK_PATH}", content=body, headers=headers, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_settings(base: Settings, state: Path) -> Settings:
    """A private stack (own ports, databases, logs, evidence) sharing the built model and index,
    for tests and benchmarks that must not touch the user's running assistant."""
    return dataclasses.replace(
        base,
        state_dir=state,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        action_server_url=f"http://127.0.0.1:{free_port()}/webhook",
        database_url=f"sqlite:///{state / 'assistant.db'}",
        tracker_db=state / "tracker.db",
        log_dir=state / "log",
        evidence_dir=state / "evidence",
        tracker_store_url="",
        lock_store_url="",
    )


def stack_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ASSISTANT_STATE_DIR=str(settings.state_dir),
        RASA_URL=settings.rasa_url,
        ACTION_SERVER_URL=settings.action_server_url,
        DATABASE_URL=settings.database_url,
        TRACKER_DB=str(settings.tracker_db),
        TRACKER_STORE_URL=settings.tracker_store_url,
        LOCK_STORE_URL=settings.lock_store_url,
        KNOWLEDGE_DIR=str(settings.knowledge_dir),
        INDEX_DIR=str(settings.index_dir),
        EMBEDDING_MODEL=settings.embedding_model,
        LOG_DIR=str(settings.log_dir),
        EVIDENCE_DIR=str(settings.evidence_dir),
        ASSISTANT_TIMEZONE=settings.timezone,
        PYTHONUNBUFFERED="1",
    )
    return env


def action_server(settings: Settings, instance: int | None = None) -> Service:
    """The action server on ``settings.action_server_url``; ``instance`` numbers one of several."""
    host, port = settings.action_host_port
    return Service(
        name="action server" if instance is None else f"action server {instance}",
        command=[sys.executable, "-m", "actions.server"],
        env=stack_env(settings),
        log_file=settings.log_dir / ("actions.log" if instance is None else f"actions-{instance}.log"),
        ready=_http_ok(f"http://{host}:{port}/health"),
        url=settings.action_server_url,
    )


def rasa_server(settings: Settings, instance: int | None = None) -> Service:
    """Started through ``rasa_plugins.launcher``: patches, masked logs, and the API token
    handed over inside the process (never on the command line, where ``ps`` shows it).

    Listens on ``settings.rasa_url``; ``instance`` numbers one of several behind the balancer."""
    host, port = settings.rasa_host_port
    settings.tracker_db.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return Service(
        name="Rasa server" if instance is None else f"Rasa server {instance}",
        command=[
            str(RASA_BIN.parent / "python"),
            "-m",
            "rasa_plugins.launcher",
            "run",
            "--enable-api",
            "--interface",
            host,
            "--port",
            str(port),
            "--model",
            str(model_path()),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
        ],
        # PYTHONPATH: the tracker store in rasa_plugins/ is imported by the Rasa server.
        env=rasa_env(**stack_env(settings), PYTHONPATH=str(PROJECT_ROOT)),
        log_file=settings.log_dir / ("rasa.log" if instance is None else f"rasa-{instance}.log"),
        ready=_rasa_ready(settings),
        url=settings.rasa_url,
    )


def _rasa_ready(settings: Settings) -> Callable[[], bool]:
    status = _http_ok(f"{settings.rasa_url}/status", token=settings.rasa_token)

    def check() -> bool:
        if not status():
            return False
        # The first reply warms jieba and TensorFlow (over a second); users should not pay for it.
        try:
            return signed_say(settings, contracts.WARMUP_SENDER, "你好", timeout=60.0).status_code == 200
        except httpx.HTTPError:
            return False

    return check


def console_server(settings: Settings) -> Service:
    """The staff console (``python -m console``) on STAFF_CONSOLE_URL."""
    host, port = settings.staff_console_host_port
    return Service(
        name="staff console",
        command=[sys.executable, "-m", "console"],
        env=dict(
            stack_env(settings),
            STAFF_CONSOLE_URL=settings.staff_console_url,
            STAFF_SESSION_MINUTES=str(settings.staff_session_minutes),
        ),
        log_file=settings.log_dir / "console.log",
        ready=_http_ok(f"http://{host}:{port}/health"),
        url=settings.staff_console_url,
    )
