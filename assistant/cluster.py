"""Several Rasa processes and action servers behind nginx, on one machine.

``assistant run --rasa-instances N --action-instances M`` (and the cluster
benchmark and tests) plan the stack here: each instance on a free loopback
port of its own, nginx listening where ``RASA_URL`` and ``ACTION_SERVER_URL``
point, configured from ``deploy/nginx/assistant.conf.template``. With one of
each nothing changes: no nginx, the servers listen on those URLs themselves.

Several Rasa processes need the tracker store and the lock store they share:
PostgreSQL (``TRACKER_STORE_URL``) and Redis (``LOCK_STORE_URL``, which also
holds the replay nonces). SQLite and in-memory locks are refused with a clear
message. Evidence and the knowledge index are folders under the state folder,
which every action server on this machine reads; each follows the index's
``current`` link on every query, so a new index version reaches all of them.
"""

from __future__ import annotations

import dataclasses
import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from assistant import contracts
from assistant.services import Service, action_server, free_port, rasa_server
from assistant.settings import PROJECT_ROOT, Settings

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx" / "assistant.conf.template"
INSTALL_HINT = "command -v nginx >/dev/null || (apt-get update && apt-get install -y nginx)"


class ClusterConfigError(ValueError):
    """The settings cannot run the requested number of processes; the message says what to set."""


@dataclass
class Cluster:
    settings: Settings  # the public addresses: the balancer's when there is one
    actions: list[Service]
    rasa: list[Service]
    balancer: Service | None

    @property
    def services(self) -> list[Service]:
        """In start order: action servers, the balancer, Rasa processes."""
        return [*self.actions, *([self.balancer] if self.balancer else []), *self.rasa]


def check_shared_stores(settings: Settings, rasa_instances: int) -> None:
    if rasa_instances < 1:
        raise ClusterConfigError("--rasa-instances must be at least 1")
    if rasa_instances == 1:
        return
    missing = []
    if settings.tracker_url.startswith("sqlite"):
        missing.append("TRACKER_STORE_URL=postgresql://USER@127.0.0.1:5432/DB (SQLite is one process's database)")
    if not settings.lock_store_url:
        missing.append("LOCK_STORE_URL=redis://127.0.0.1:6379/0 (so one conversation's turns never run at once)")
    if missing:
        raise ClusterConfigError(
            f"{rasa_instances} Rasa processes need a shared tracker store and lock store; set " + " and ".join(missing)
        )


def migrate_once(settings: Settings) -> None:
    """The claims store's schema brought to head before several action servers start: each
    also upgrades on start, and two running the first migration at once collide."""
    from claims.db import upgrade_to_head

    upgrade_to_head(settings.database_url)


def _url_with_port(url: str, port: int) -> str:
    parsed = urlparse(url)
    return parsed._replace(netloc=f"{parsed.hostname or '127.0.0.1'}:{port}").geturl()


def plan(settings: Settings, rasa_instances: int = 1, action_instances: int = 1) -> Cluster:
    """The services to start; raises ``ClusterConfigError`` when the stores cannot be shared."""
    check_shared_stores(settings, rasa_instances)
    if action_instances < 1:
        raise ClusterConfigError("--action-instances must be at least 1")
    if action_instances == 1:
        actions = [action_server(settings)]
    else:
        actions = [
            action_server(
                dataclasses.replace(
                    settings, action_server_url=_url_with_port(settings.action_server_url, free_port())
                ),
                instance=n,
            )
            for n in range(1, action_instances + 1)
        ]
    if rasa_instances == 1:
        rasa = [rasa_server(settings)]
    else:
        rasa = [
            rasa_server(dataclasses.replace(settings, rasa_url=_url_with_port(settings.rasa_url, free_port())), n)
            for n in range(1, rasa_instances + 1)
        ]
    balanced = {}
    if rasa_instances > 1:
        balanced["rasa"] = (settings.rasa_host_port, [s.url for s in rasa])
    if action_instances > 1:
        balanced["actions"] = (settings.action_host_port, [s.url for s in actions])
    balancer = nginx_service(settings, balanced) if balanced else None
    return Cluster(settings, actions, rasa, balancer)


def render_nginx(settings: Settings, balanced: dict[str, tuple[tuple[str, int], list[str]]]) -> str:
    """nginx.conf from the template: one upstream and one listening server per balanced tier."""
    state = settings.state_dir / "nginx"
    upstreams, servers = [], []
    for name, ((host, port), urls) in balanced.items():
        members = "\n".join(
            f"        server {urlparse(u).hostname}:{urlparse(u).port} max_fails=1 fail_timeout=3s;" for u in urls
        )
        # Idle connections to a backend are dropped before the backend's own keep-alive ends
        # (Sanic: Rasa 5 s, the action server 30 s), so nginx never reuses one being closed.
        upstreams.append(
            f"    upstream {name} {{\n        least_conn;\n{members}\n"
            "        keepalive 64;\n        keepalive_timeout 4s;\n    }"
        )
        servers.append(
            f"    server {{\n        listen {host}:{port};\n        location / {{\n"
            f"            proxy_pass http://{name};\n        }}\n    }}"
        )
    values = {
        "state_dir": str(state),
        "log_dir": str(settings.log_dir),
        "max_body_bytes": str(settings.upload_max_bytes + contracts.UPLOAD_MARGIN),
        "upstreams": "\n".join(upstreams),
        "servers": "\n".join(servers),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:
        raise ValueError(f"unfilled placeholder in {TEMPLATE}")
    return text


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if not found:
        raise ClusterConfigError(f"several instances need nginx as the balancer; install it: {INSTALL_HINT}")
    return found


def _listening(host: str, port: int) -> Callable[[], bool]:
    def check() -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            return sock.connect_ex((host, port)) == 0

    return check


def nginx_service(settings: Settings, balanced: dict[str, tuple[tuple[str, int], list[str]]]) -> Service:
    binary = nginx_binary()
    state = settings.state_dir / "nginx"
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    settings.log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = state / "nginx.conf"
    config.write_text(render_nginx(settings, balanced), encoding="utf-8")
    # -e: errors before the configuration is read go to our log too, not /var/log/nginx.
    command = [binary, "-p", str(state), "-c", str(config), "-e", str(settings.log_dir / "nginx-error.log")]
    checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, check=False)
    if checked.returncode != 0:
        raise ClusterConfigError(f"nginx refused the generated {config}: {checked.stderr.strip()[-500:]}")
    first = next(iter(balanced.values()))[0]
    checks = [_listening(*host_port) for host_port, _ in balanced.values()]
    return Service(
        name="balancer (nginx)",
        command=command,
        env={"PATH": "/usr/sbin:/usr/bin:/bin"},
        log_file=settings.log_dir / "nginx.log",
        ready=lambda: all(check() for check in checks),
        url=f"http://{first[0]}:{first[1]}",
    )
