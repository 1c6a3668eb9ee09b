"""`make run` as a newcomer uses it: the stack comes up, the terminal chat answers
in Chinese, and Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from assistant.rasa_model import model_path
from assistant.services import free_port
from assistant.settings import PROJECT_ROOT, get_settings
from tests.conftest import requirement_missing


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Console:
    """Reads the child's output on a thread so the test can wait for a line."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in iter(self.process.stdout.readline, ""):
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"never saw {text!r}; output was:\n{''.join(self.seen)[-3000:]}")


def test_run_command_chats_and_stops_cleanly_on_ctrl_c(tmp_path, embedding_model_dir) -> None:
    settings = get_settings()
    if not model_path().exists() or not (settings.index_dir / "current").exists():
        requirement_missing("trained model and knowledge index (run `make prepare train`)")
    rasa_port, action_port, console_port = free_port(), free_port(), free_port()
    env = dict(
        os.environ,
        ASSISTANT_STATE_DIR=str(tmp_path / "state"),
        INDEX_DIR=str(settings.index_dir),
        EMBEDDING_MODEL=str(embedding_model_dir),
        RASA_MODEL_DIR=str(settings.rasa_model_dir),
        RASA_URL=f"http://127.0.0.1:{rasa_port}",
        ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}/webhook",
        STAFF_CONSOLE_URL=f"http://127.0.0.1:{console_port}",
        PYTHONUNBUFFERED="1",
    )
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    console = Console(process)
    try:
        console.wait_for("Rasa server ready", timeout=300)
        console.wait_for("/quit", timeout=30)  # the chat's welcome line
        assert process.stdin is not None
        process.stdin.write("你好\n")
        process.stdin.flush()
        console.wait_for("求职补贴", timeout=60)
        assert _port_open(rasa_port) and _port_open(action_port) and _port_open(console_port)

        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) in (0, 130)
        assert not _port_open(rasa_port) and not _port_open(action_port) and not _port_open(console_port)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            for port in (rasa_port, action_port, console_port):  # the servers run in sessions of their own
                if shutil.which("fuser"):
                    subprocess.run(["fuser", "-k", f"{port}/tcp"], check=False, capture_output=True)
            seen = "".join(console.seen)[-3000:]
            pytest.fail(f"`assistant run` did not stop on Ctrl-C; output was:\n{seen}")
