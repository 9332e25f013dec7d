""".env.example documents every setting the code reads, and nothing the code does not read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.deploy.deployment import (
    env_example,
    environment_of,
    load_compose,
    load_compose_raw,
    settings_classes,
    settings_classes_in_source,
    settings_fields,
    variables_used,
)

PLACEHOLDER = re.compile(r"^<.+>$")


def test_every_settings_class_is_found() -> None:
    """Importing the project finds every `class …(BaseSettings)` written in it, and some."""
    found = {cls.__name__ for cls in settings_classes()}
    assert settings_classes_in_source() <= found
    assert {"Settings", "GatewaySettings", "WorkerSettings", "OpsSettings"} <= found


def test_every_setting_is_documented() -> None:
    documented = env_example().names
    missing = sorted(
        f"{field.env} ({field.owner.__module__}.{field.owner.__name__}.{field.name})"
        for field in settings_fields()
        if field.env not in documented
    )
    assert missing == [], "add these to .env.example"


def test_every_documented_variable_is_read_by_something() -> None:
    fields = {field.env for field in settings_fields()}
    compose_variables = variables_used(load_compose_raw())
    strays = sorted(env_example().names - fields - compose_variables)
    assert strays == [], "neither a settings field nor a variable of docker-compose.yml"
    # ... and every variable the compose file interpolates is in .env.example.
    assert sorted(compose_variables - env_example().names) == []


def test_every_entry_has_a_comment() -> None:
    env = env_example()
    bare = sorted(name for name in env.names if not env.comments.get(name))
    assert bare == []


def test_secrets_are_placeholders() -> None:
    env = env_example()
    secrets = [
        name
        for name in env.names
        if re.search(r"SECRET|PASSWORD|TOKEN|KEY_ID|SECRET_ID|ACCOUNT_SID", name)
    ]
    assert "POSTGRES_PASSWORD" in secrets
    assert "TELEGRAM_BOT_TOKEN" in secrets
    for name in secrets:
        value = env.active.get(name, env.commented.get(name, ""))
        assert PLACEHOLDER.match(value) or "change-me" in value, f"{name}={value}"


def test_the_compose_environment_sets_only_real_settings() -> None:
    fields = {field.env for field in settings_fields()}
    for name, service in load_compose()["services"].items():
        if "env_file" in service:
            assert set(environment_of(service)) <= fields, name


def _apply(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, values: dict[str, str]) -> None:
    """The process environment of a container: only these values, no .env on disk."""
    monkeypatch.chdir(tmp_path)
    for field in settings_fields():
        monkeypatch.delenv(field.env, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("service", ["web", "bot", "worker"])
def test_the_settings_load_as_a_container_gets_them(
    service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """.env.example as written, plus the service's compose environment: every class loads."""
    env = env_example()
    container = {**env.active, **environment_of(load_compose()["services"][service])}
    _apply(monkeypatch, tmp_path, container)
    for cls in settings_classes():
        try:
            loaded = cls()
        except ValidationError as error:
            raise AssertionError(f"{cls.__name__}: {error}") from None
        for field in (f for f in settings_fields() if f.owner is cls and f.env in container):
            assert getattr(loaded, field.name) is not None, field.env


def test_the_examples_of_unset_settings_are_valid_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Uncommenting every "# NAME=" line (placeholders filled) still gives valid settings."""
    env = env_example()
    filled = {
        name: ("placeholder_value-1" if PLACEHOLDER.match(value) else value)
        for name, value in env.commented.items()
    }
    _apply(monkeypatch, tmp_path, {**env.active, **filled})
    for cls in settings_classes():
        try:
            cls()
        except ValidationError as error:
            raise AssertionError(f"{cls.__name__}: {error}") from None
