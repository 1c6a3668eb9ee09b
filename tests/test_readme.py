"""The README a newcomer reads matches the code: every setting is documented."""

from assistant.settings import ENVIRONMENT, PROJECT_ROOT


def test_every_environment_variable_is_in_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert [name for name in ENVIRONMENT if f"`{name}`" not in readme] == []
