"""The runner's supervisor: a service that dies is reported and started again, up to a limit."""

from __future__ import annotations

import time
from pathlib import Path

from assistant.runner import Supervisor
from assistant.services import Service


def sleeper(tmp_path: Path, name: str) -> Service:
    return Service(
        name=name,
        command=["sleep", "60"],
        env={"PATH": "/usr/bin:/bin"},
        log_file=tmp_path / f"{name}.log",
        ready=lambda: True,
        url="",
    )


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_a_dead_service_is_reported_and_restarted_up_to_the_limit(tmp_path: Path) -> None:
    said: list[str] = []
    rasa, actions = sleeper(tmp_path, "Rasa server 2"), sleeper(tmp_path, "action server")
    services = [rasa, actions]
    for service in services:
        service.start()
    supervisor = Supervisor(services, max_restarts=2, window=60, interval=0.05, say=said.append).start()
    try:
        for attempt in (1, 2):
            first = rasa.process
            rasa.kill()
            wait_until(lambda first=first: rasa.process is not first and supervisor.idle)
            assert f"Rasa server 2 stopped unexpectedly (killed by signal 9); restarting it ({attempt}/2)" in said[-1]
        rasa.kill()
        wait_until(lambda: "Rasa server 2" in supervisor.given_up)
        assert "not restarting it again" in said[-1]
        assert actions.process is not None and actions.process.poll() is None  # the others run on
        assert len(said) == 3, said
    finally:
        supervisor.stop()
        for service in services:
            service.stop()


def test_a_service_that_exits_says_its_exit_code(tmp_path: Path) -> None:
    said: list[str] = []
    bot = Service(
        name="Telegram bot",
        command=["sh", "-c", "sleep 0.2; exit 3"],
        env={"PATH": "/usr/bin:/bin"},
        log_file=tmp_path / "bot.log",
        ready=lambda: False,  # never ready: it exits first
        url="",
    )
    bot.start()
    supervisor = Supervisor([bot], max_restarts=1, window=60, interval=0.05, say=said.append).start()
    try:
        wait_until(lambda: "Telegram bot" in supervisor.given_up)
        assert "Telegram bot stopped unexpectedly (exit code 3); restarting it (1/1)" in said[0]
        assert "Telegram bot did not come back: Telegram bot exited with 3" in said[1]
        assert "Telegram bot stopped (exit code 3) and was already restarted 1 times" in said[2]
        assert "not restarting it again" in said[2]
    finally:
        supervisor.stop()
        bot.stop()


def test_stopping_the_supervisor_first_means_an_orderly_stop_is_not_restarted(tmp_path: Path) -> None:
    said: list[str] = []
    service = sleeper(tmp_path, "action server")
    service.start()
    supervisor = Supervisor([service], interval=0.05, say=said.append).start()
    supervisor.stop()
    service.stop()
    time.sleep(0.3)
    assert said == []
    assert service.process is not None and service.process.poll() is not None
