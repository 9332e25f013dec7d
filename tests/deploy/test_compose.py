"""docker-compose.yml: valid Compose, and a deployment that keeps data, waits for its schema,
scales its workers and stops gracefully."""

from __future__ import annotations

import copy
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ops import OpsSettings
from tests.deploy.deployment import (
    COMPOSE,
    ROOT,
    InterpolationError,
    compose_schema,
    dockerfile_stages,
    duration_seconds,
    env_example,
    environment_of,
    interpolate,
    load_compose,
    load_compose_raw,
)

APPLICATION = ("migrate", "web", "bot", "worker", "relay")
LONG_RUNNING = ("web", "bot", "worker", "relay")


def problems(document: dict[str, Any]) -> list[str]:
    schema = compose_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    assert problems(load_compose_raw()) == []
    # ... and as `docker compose` sees it once .env.example's values are filled in.
    assert problems(load_compose()) == []


def test_the_schema_check_catches_what_compose_would_refuse() -> None:
    """The validator is not a formality: misspelt or mistyped keys fail it."""
    changes: list[Callable[[dict[str, Any]], None]] = [
        lambda doc: doc["services"]["worker"].update(restart_policy="always"),  # unknown key
        lambda doc: doc["services"]["web"].update(ports="8080:8080"),  # not a list
        lambda doc: doc["services"]["web"]["depends_on"]["migrate"].update(condition="done"),
        lambda doc: doc.update(volumes=["postgres-data"]),  # a mapping, not a list
        lambda doc: doc.update(service={}),  # not a top-level key
    ]
    for number, change in enumerate(changes):
        broken = copy.deepcopy(load_compose_raw())
        change(broken)
        assert problems(broken), number


def test_docker_compose_config_accepts_the_file_where_the_client_has_it(tmp_path: Path) -> None:
    """This machine has no compose plugin; where one is installed, it must agree too."""
    clients = []
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False, timeout=30
        )
        if probe.returncode == 0:
            clients.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        version = subprocess.run(
            ["docker-compose", "version", "--short"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        ).stdout.strip()
        # Compose v1 (end of life since 2023) predates parts of the specification used here.
        major = version.split(".")[0]
        if major.isdigit() and int(major) >= 2:
            clients.append(["docker-compose"])
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text("utf-8"), "utf-8")
    for client in clients:
        result = subprocess.run(
            [
                *client,
                "--project-directory",
                str(tmp_path),
                "--env-file",
                str(env_file),
                "-f",
                str(COMPOSE),
                "config",
                "-q",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
    # Without a client the schema test above is the check; it always runs.
    assert problems(load_compose()) == []


def test_interpolation_as_compose_does_it() -> None:
    variables = {"SET": "x", "EMPTY": ""}
    assert interpolate("$$SET ${SET} $SET", variables) == "$SET x x"
    assert interpolate("${EMPTY:-d} ${EMPTY-d} ${UNSET-d}", variables) == "d  d"
    assert interpolate("${SET:+r} ${EMPTY:+r}|${EMPTY+r}", variables) == "r |r"
    with pytest.raises(InterpolationError, match="set it"):
        interpolate("${EMPTY:?set it}", variables)


def test_the_postgres_password_must_be_set() -> None:
    variables = dict(env_example().active)
    del variables["POSTGRES_PASSWORD"]
    with pytest.raises(InterpolationError, match="POSTGRES_PASSWORD"):
        load_compose(variables)


def test_the_stores_keep_their_data() -> None:
    compose = load_compose()
    services, volumes = compose["services"], compose["volumes"]
    postgres, redis = services["postgres"], services["redis"]

    assert postgres["image"].startswith("postgres:")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    command = postgres["command"]
    assert command[command.index("autovacuum=on") - 1] == "-c"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])

    assert redis["image"].startswith("redis:")
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert any(v.endswith(":/data") for v in redis["volumes"])
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]

    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source in volumes, f"volume {source} is not declared"


def test_the_application_waits_for_its_schema() -> None:
    services = load_compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["outreach", "db", "upgrade"]
    assert migrate["restart"] == "no"  # one-shot: done is done
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in LONG_RUNNING:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    # Every service that names migrate waits for it to finish, not merely to start.
    for name, service in services.items():
        depends = service.get("depends_on", {})
        if "migrate" in depends:
            assert depends["migrate"] == {"condition": "service_completed_successfully"}, name


def test_the_worker_scales() -> None:
    worker = load_compose()["services"]["worker"]
    assert worker["command"] == ["python", "worker.py"]
    for fixed in ("container_name", "ports", "hostname"):
        assert fixed not in worker, f"a fixed {fixed} stops `--scale worker=3`"


def test_every_service_restarts_is_checked_and_stops_gracefully() -> None:
    services = load_compose()["services"]
    grace = max(
        OpsSettings.model_fields["shutdown_grace_seconds"].default,
        float(env_example().active["SHUTDOWN_GRACE_SECONDS"]),
    )
    for name, service in services.items():
        if name != "migrate":
            assert service["restart"] == "unless-stopped", name
            assert service["healthcheck"]["test"], name
    for name in APPLICATION:
        service = services[name]
        assert service["env_file"] == ".env", name
        assert service.get("init") is True, name  # signals forwarded, zombies reaped
        assert isinstance(service["command"], list), f"{name}: exec form, so SIGTERM reaches it"
        assert duration_seconds(service["stop_grace_period"]) > grace, name
    for name in LONG_RUNNING:
        check = services[name]["healthcheck"]["test"]
        assert check[:3] == ["CMD", "python", "-c"], name  # the slim image has no curl
        assert "urllib.request" in check[3], name
        assert ("/readyz" if name == "web" else "/healthz") in check[3], name


def test_the_containers_reach_the_stores_and_serve_the_ops_endpoint() -> None:
    services = load_compose()["services"]
    active = env_example().active
    for name in APPLICATION:
        environment = environment_of(services[name])
        assert environment["DATABASE_URL"] == (
            f"postgresql+asyncpg://{active['POSTGRES_USER']}:{active['POSTGRES_PASSWORD']}"
            f"@postgres:5432/{active['POSTGRES_DB']}"
        )
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["OPS_HOST"] == "0.0.0.0"
        assert environment["OPS_PORT"] == "9100"
    bot = environment_of(services["bot"])
    assert (bot["BOT_HOST"], bot["BOT_PORT"]) == ("0.0.0.0", "8081")
    assert services["bot"]["ports"] == ["127.0.0.1:8081:8081"]
    assert services["web"]["ports"] == ["127.0.0.1:8080:8080"]
    assert services["web"]["command"][-2:] == ["--no-worker", "--no-bot"]


def test_every_application_service_runs_the_one_image_built_here() -> None:
    services = load_compose()["services"]
    [builder, runtime] = dockerfile_stages()
    declared = {arg.split("=", 1)[0] for arg in builder.all("ARG")}
    for name in APPLICATION:
        service = services[name]
        assert service["image"] == "outreach:local", name
        assert service["build"]["context"] == ".", name
        # Build arguments reach the builder stage only: a mirror's URL stays out of the image.
        assert set(service["build"]["args"]) <= declared, name
        assert runtime.all("ARG") == []
