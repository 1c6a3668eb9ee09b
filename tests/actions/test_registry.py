"""Every custom action rasa-sdk registers is unique and declared in the domain."""

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

from assistant.settings import PROJECT_ROOT


def _domain() -> dict:
    return yaml.safe_load(Path(PROJECT_ROOT / "nlu" / "domain.yml").read_text(encoding="utf-8"))


def test_registered_actions_are_declared_in_the_domain() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    ours = list(executor.actions)
    declared = set(_domain()["actions"])
    assert len(ours) == len(set(ours))
    assert set(ours) <= declared, set(ours) - declared
    assert declared <= set(ours) | set(_domain().get("forms", {})), declared - set(ours)


def test_every_response_an_action_names_exists() -> None:
    responses = set(_domain()["responses"])
    for path in (PROJECT_ROOT / "actions").glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if 'response="' in line:
                name = line.split('response="', 1)[1].split('"', 1)[0]
                assert name in responses, f"{path.name}: {name}"
