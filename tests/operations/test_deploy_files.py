"""The deployment files in deploy/ start what exists: the Compose file parses and its
services, images, builds and commands refer to real modules, `assistant` commands and files;
the systemd units parse, restart on failure, are hardened, and their ExecStart lines name
real modules and commands (and `systemd-analyze verify` accepts them where it is installed).
Docker itself is not available here, so nothing is built or started."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from assistant.cli import build_parser
from assistant.rasa_model import MODEL_NAME
from assistant.settings import ENVIRONMENT, PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE = DEPLOY / "compose" / "docker-compose.yml"
SYSTEMD = DEPLOY / "systemd"
INSTALL_ROOT = "/opt/assistant"  # where the units expect the clone
LONG_RUNNING = ("assistant-actions@", "assistant-rasa@", "assistant-bot", "assistant-console")


def module_exists(module: str) -> bool:
    path = PROJECT_ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__main__.py").is_file()


def check_command(argv: list[str]) -> None:
    """``python -m MODULE …`` names a module of the project; ``assistant …`` parses."""
    assert argv, "empty command"
    program = Path(argv[0]).name
    if program.startswith("python"):
        assert argv[1] == "-m" and module_exists(argv[2]), argv
        if argv[2] == "rasa_plugins.launcher":
            check_rasa_arguments(argv[3:])
    elif program == "assistant":
        build_parser().parse_args(argv[1:])  # SystemExit (a failure) on an unknown command
    else:
        pytest.fail(f"unknown program in {argv}")


def check_rasa_arguments(arguments: list[str]) -> None:
    assert arguments[:2] == ["run", "--enable-api"] and "--auth-token" not in arguments
    options = dict(zip(arguments[2::2], arguments[3::2], strict=False))
    assert Path(options["--model"]).name == f"{MODEL_NAME}.tar.gz"
    for name in ("--endpoints", "--credentials"):
        assert (PROJECT_ROOT / options[name]).is_file(), options[name]


# --- Docker Compose ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_has_every_service_with_an_image(compose: dict) -> None:
    services = compose["services"]
    assert {"rasa", "actions", "bot", "postgres", "redis", "nginx", "console"} <= set(services)
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        if "build" in service:
            context = (COMPOSE.parent / service["build"]["context"]).resolve()
            assert context == PROJECT_ROOT
            assert (context / service["build"]["dockerfile"]).is_file()


def test_compose_commands_and_mounts_are_real(compose: dict) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).is_file(), f"{name}: {source}"
            else:
                assert source in compose["volumes"], f"{name}: {source}"
        if name in ("postgres", "redis", "nginx"):
            continue
        check_command(service["command"])


def test_compose_sets_only_known_settings(compose: dict) -> None:
    for name, service in compose["services"].items():
        if name in ("postgres", "redis", "nginx"):
            continue
        unknown = [key for key in service.get("environment", {}) if key not in ENVIRONMENT]
        assert unknown == [], f"{name}: {unknown}"


def test_dockerfiles_start_real_modules() -> None:
    for dockerfile in (DEPLOY / "compose").glob("Dockerfile.*"):
        if dockerfile.suffix == ".dockerignore":
            continue
        text = dockerfile.read_text(encoding="utf-8").replace("\\\n", " ")
        [cmd] = re.findall(r"^CMD (\[.*\])$", text, re.MULTILINE)
        check_command(yaml.safe_load(cmd))
        for source in re.findall(r"^COPY (\S+) ", text, re.MULTILINE):
            assert (PROJECT_ROOT / source).exists(), f"{dockerfile.name}: COPY {source}"


# --- systemd -------------------------------------------------------------------------------------


def unit_file(path: Path) -> dict[str, dict[str, list[str]]]:
    """systemd's format: sections of keys that may repeat (Environment=)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        assert current is not None and _ == "=", f"{path.name}: {line}"
        current.setdefault(key, []).append(value)
    return sections


def units(suffix: str) -> list[Path]:
    return sorted(SYSTEMD.glob(f"*.{suffix}"))


def exec_argv(line: str) -> list[str]:
    argv = shlex.split(line.replace("%i", "5005"))
    if argv[0] == "/usr/bin/env":
        argv = argv[1:]
        while "=" in argv[0]:
            argv = argv[1:]
    return argv


def test_every_unit_runs_a_real_command_hardened() -> None:
    services = units("service")
    assert {p.name for p in services} >= {f"{n}.service" for n in LONG_RUNNING}
    for path in services:
        unit = unit_file(path)["Service"]
        [exec_start] = unit["ExecStart"]
        argv = exec_argv(exec_start)
        assert argv[0].startswith(INSTALL_ROOT + "/.venv"), argv[0]
        check_command(argv)
        assert unit["EnvironmentFile"] == ["/etc/assistant/assistant.env"]
        assert unit["UMask"] == ["0077"] and unit["ProtectSystem"] == ["strict"] and unit["PrivateTmp"] == ["yes"]
        assert unit["NoNewPrivileges"] == ["yes"] and unit["User"] == ["assistant"]
        if path.name.startswith(LONG_RUNNING):
            assert unit["Restart"] == ["on-failure"], path.name
        else:
            assert unit["Type"] == ["oneshot"], path.name


def test_purge_and_backup_run_daily() -> None:
    timers = {p.stem: unit_file(p) for p in units("timer")}
    assert set(timers) == {"assistant-purge", "assistant-backup"}
    for name, timer in timers.items():
        assert (SYSTEMD / f"{name}.service").is_file()
        assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d", timer["Timer"]["OnCalendar"][0])
        assert timer["Timer"]["Persistent"] == ["true"]
    purge = exec_argv(unit_file(SYSTEMD / "assistant-purge.service")["Service"]["ExecStart"][0])
    backup = exec_argv(unit_file(SYSTEMD / "assistant-backup.service")["Service"]["ExecStart"][0])
    assert purge[1:] == ["claims", "purge"] and backup[1:] == ["backup"]


def test_the_environment_file_sets_only_known_settings() -> None:
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (SYSTEMD / "assistant.env.example").read_text(), re.MULTILINE)
    assert names and [n for n in names if n not in ENVIRONMENT] == []


def test_systemd_analyze_accepts_the_units(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    # Pointed at this clone so the executables it checks exist; templates as one instance each.
    for path in [*units("service"), *units("timer"), *units("target")]:
        text = path.read_text(encoding="utf-8").replace(INSTALL_ROOT, str(PROJECT_ROOT))
        for port in ("5005", "5055") if path.name.endswith("@.service") else ("",):
            (tmp_path / path.name.replace("@.service", f"@{port}.service")).write_text(text, encoding="utf-8")
    names = sorted(p.name for p in tmp_path.iterdir())
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "", result.stderr
