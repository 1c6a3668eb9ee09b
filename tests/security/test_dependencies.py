"""Dependencies: what the code imports is declared, the lock files pin every
package with a hash, and the webhook server is a tornado without known holes."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from assistant.settings import PROJECT_ROOT

PACKAGES = ("assistant", "actions", "bot", "claims", "console", "knowledge")
LOCKS = ("app.lock", "rasa.lock")


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def imported_top_level_modules() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - set(PACKAGES) - {"__future__", "tests"}


def test_every_third_party_import_is_a_declared_runtime_dependency() -> None:
    declared = {
        _name(r) for r in tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    distributions = packages_distributions()
    missing = []
    for module in sorted(imported_top_level_modules()):
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not names & declared:
            missing.append(f"{module} ({', '.join(sorted(names))})")
    assert missing == []


def test_lock_files_pin_every_package_with_a_hash() -> None:
    for lock in LOCKS:
        lines = [
            line
            for line in (PROJECT_ROOT / "requirements" / lock).read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        assert len(lines) > 50
        unhashed = [line for line in lines if not re.fullmatch(r"\S+==\S+ --hash=sha256:[0-9a-f]{64}", line)]
        assert unhashed == [], f"{lock}: {unhashed[:3]}"


def test_the_webhook_server_runs_a_patched_tornado() -> None:
    lock = (PROJECT_ROOT / "requirements" / "app.lock").read_text()
    version = re.search(r"^tornado==(\d+)\.(\d+)\.(\d+) ", lock, re.MULTILINE)
    assert version and tuple(int(part) for part in version.groups()) >= (6, 5, 3)
    import tornado

    assert tornado.version_info[:3] >= (6, 5, 3)
