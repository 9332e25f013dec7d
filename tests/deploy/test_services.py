"""Every compose service's command exists in the code and starts outside Docker with the
environment compose gives it.

The code is the wheel the image installs (built from the .dockerignore'd context and unpacked,
see conftest.py), run from the image's working directory; the environment is .env.example (the
`env_file`) with the service's `environment:` on top, as `docker compose` merges them. Only the
network changes: 127.0.0.1 and free ports instead of the compose services' names and fixed
ports, this run's PostgreSQL database and the test Redis. Each service is then checked by the
health check compose runs for it, and stopped with SIGTERM as `docker compose stop` does.
"""

from __future__ import annotations

import asyncio
import configparser
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core import create_engine
from ops import OpsSettings, check_migrations
from tests.conftest import PG_ADMIN_URL, REDIS_TEST_URL, _drop_pg_database
from tests.deploy.conftest import Installed
from tests.deploy.deployment import env_example, environment_of, load_compose
from tests.e2e.test_bot_processes import free_port

#: How long a process may take to come up before the test gives up on it (not a measurement).
START_LIMIT = 90.0
BOT_TOKEN = "7000000002:deploy-test-token"
LEDGER_SECRET = "deploy-test-secret"


# --- the fresh database migrate starts from ---------------------------------------------------


async def _create(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


async def _schema_state(url: str) -> tuple[bool, str]:
    engine = create_engine(url)
    try:
        result = await check_migrations(engine)
    finally:
        await engine.dispose()
    return result.ok, result.detail


@pytest.fixture(scope="module")
def empty_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (no schema at all), dropped at the end."""
    name = f"outreach_deploy_{uuid.uuid4().hex[:12]}"
    asyncio.run(_create(name))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_drop_pg_database(name))


# --- running a compose service outside Docker -------------------------------------------------


@dataclass
class Service:
    name: str
    definition: dict[str, Any]
    environment: dict[str, str]
    argv: list[str]
    ports: dict[int, int]  # the container's port -> the port it has here


def console_script(installed: Installed, name: str) -> list[str]:
    """`name` as pip's console-script wrapper runs it, from the wheel's entry points."""
    entry_points = configparser.ConfigParser()
    [found] = [
        path
        for path in installed.site.glob("*.dist-info/entry_points.txt")
        if path.parent.name.startswith("outreach-")
    ]
    entry_points.read(found, encoding="utf-8")
    module, function = entry_points["console_scripts"][name].split(":")
    return [
        sys.executable,
        "-c",
        f"import sys; from {module} import {function}; "
        f"sys.argv[0] = {name!r}; sys.exit({function}())",
    ]


def service(
    name: str, installed: Installed, database_url: str, *, extra: dict[str, str] | None = None
) -> Service:
    """The service as compose defines it, with the network adapted to this machine."""
    definition = load_compose()["services"][name]
    compose_env = {**env_example().active, **environment_of(definition)}
    ops_port = free_port()
    adapted = {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_TEST_URL,
        "OPS_HOST": "127.0.0.1",
        "OPS_PORT": str(ops_port),
    }
    ports = {int(compose_env["OPS_PORT"]): ops_port}
    if "BOT_PORT" in compose_env:
        bot_port = free_port()
        adapted |= {"BOT_HOST": "127.0.0.1", "BOT_PORT": str(bot_port)}
        ports[int(compose_env["BOT_PORT"])] = bot_port
    # Only the network differs from what compose gives the container.
    assert set(adapted) <= set(compose_env), set(adapted) - set(compose_env)
    environment = {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",  # as the python image sets it
        "PYTHONPATH": str(installed.site),
        "PYTHONUNBUFFERED": "1",
        **compose_env,
        **adapted,
        **(extra or {}),
    }
    command = list(definition["command"])
    if command[:2] == ["outreach", "serve"]:
        web_port = free_port()
        ports[int(command[command.index("--port") + 1])] = web_port
        command[command.index("--host") + 1] = "127.0.0.1"
        command[command.index("--port") + 1] = str(web_port)
    if command[0] == "outreach":
        argv = console_script(installed, "outreach") + command[1:]
    else:
        assert command[0] == "python", command
        argv = [sys.executable, *command[1:]]
    return Service(name, definition, environment, argv, ports)


@dataclass
class Running:
    service: Service
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


def start(svc: Service, installed: Installed, log: Path) -> Running:
    with log.open("ab") as out:
        process = subprocess.Popen(
            svc.argv, env=svc.environment, cwd=installed.app, stdout=out, stderr=out
        )
    return Running(svc, process, log)


def stop(running: Running) -> int:
    """SIGTERM, as `docker compose stop` sends it; the exit code (the process's own deadline,
    SHUTDOWN_GRACE_SECONDS, comes well before this wait's)."""
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGTERM)
    grace = OpsSettings.model_fields["shutdown_grace_seconds"].default
    try:
        return running.process.wait(timeout=grace + 30)
    except subprocess.TimeoutExpired:
        running.process.kill()
        running.process.wait()
        raise AssertionError(
            f"{running.service.name} ignored SIGTERM\n{running.output()}"
        ) from None


def healthcheck(running: Running) -> subprocess.CompletedProcess[str]:
    """The service's compose health check, run as Docker runs it, against the adapted port."""
    test = list(running.service.definition["healthcheck"]["test"])
    assert test[:2] == ["CMD", "python"], test
    adapted = []
    for word in test[2:]:
        for container_port, port in running.service.ports.items():
            word = word.replace(f"127.0.0.1:{container_port}/", f"127.0.0.1:{port}/")
        adapted.append(word)
    assert adapted != test[2:], "the health check names none of the service's ports"
    return subprocess.run(
        [sys.executable, *adapted],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
        env={"PATH": os.environ["PATH"]},
    )


def wait_healthy(running: Running) -> None:
    """Run the health check until it passes, as compose's start_period allows."""
    deadline = time.monotonic() + START_LIMIT
    while True:
        if running.process.poll() is not None:
            raise AssertionError(
                f"{running.service.name} exited with {running.process.returncode}\n"
                f"{running.output()}"
            )
        result = healthcheck(running)
        if result.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{running.service.name} never became healthy: {result.stderr[-2000:]}\n"
                f"{running.output()}"
            )
        time.sleep(0.5)


@contextmanager
def healthy(svc: Service, installed: Installed, log: Path) -> Iterator[Running]:
    """The service started, healthy by its compose check for the body of the `with`, then
    stopped by SIGTERM: it must exit 0."""
    running = start(svc, installed, log)
    try:
        wait_healthy(running)
        yield running
    except BaseException:
        stop(running)
        raise
    code = stop(running)
    assert code == 0, running.output()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def run_once(
    argv: list[str], svc: Service, installed: Installed
) -> subprocess.CompletedProcess[str]:
    """`argv` to its end in the service's environment and working directory."""
    return subprocess.run(
        argv,
        env=svc.environment,
        cwd=installed.app,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture(scope="module")
def migrated(installed: Installed, empty_database: str) -> subprocess.CompletedProcess[str]:
    """The migrate service run once on the empty database, as compose runs it before the rest."""
    svc = service("migrate", installed, empty_database)
    return run_once(svc.argv, svc, installed)


@pytest.fixture
def database(migrated: subprocess.CompletedProcess[str], empty_database: str) -> str:
    """The database after migrate succeeded: what compose's depends_on waits for."""
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return empty_database


# --- the tests --------------------------------------------------------------------------------


def test_the_processes_run_the_installed_wheel(installed: Installed, empty_database: str) -> None:
    """The code that runs is the wheel's (the image's), not this source tree."""
    svc = service("worker", installed, empty_database)
    probe = run_once(
        [
            sys.executable,
            "-c",
            "import json, cli, worker, campaigns.templates as t; "
            "print(json.dumps([cli.__file__, worker.__file__, str(t.TEMPLATES_ROOT)]))",
        ],
        svc,
        installed,
    )
    assert probe.returncode == 0, probe.stderr
    for path in json.loads(probe.stdout):
        assert Path(path).resolve().is_relative_to(installed.site.resolve()), path
    assert (installed.site / "templates" / "registry.yaml").is_file()


def test_migrate_brings_an_empty_database_to_the_newest_schema(
    migrated: subprocess.CompletedProcess[str], empty_database: str
) -> None:
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    ok, detail = asyncio.run(_schema_state(empty_database))
    assert ok, detail


def test_a_health_check_fails_where_nothing_answers(
    installed: Installed, empty_database: str, tmp_path: Path
) -> None:
    """The checks are real: with no process behind the port, each exits non-zero."""
    for name in ("web", "bot", "worker", "relay"):
        svc = service(name, installed, empty_database)
        idle = Running(svc, subprocess.Popen([sys.executable, "-c", "pass"]), tmp_path / "x")
        idle.process.wait()
        assert healthcheck(idle).returncode != 0, name


def test_web_answers_readyz(installed: Installed, database: str, tmp_path: Path) -> None:
    svc = service("web", installed, database)
    with healthy(svc, installed, tmp_path / "web.log"):  # compose's check: GET /readyz is 200
        port = svc.ports[8080]
        status, body = get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200, body
        status, body = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert "# TYPE" in body


def test_worker_answers_its_ops_healthz(
    installed: Installed, database: str, tmp_path: Path
) -> None:
    svc = service("worker", installed, database)
    with healthy(svc, installed, tmp_path / "worker.log"):  # compose's check: ops /healthz
        status, body = get(f"http://127.0.0.1:{svc.ports[9100]}/readyz")
        assert status == 200, body


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def test_bot_polls_the_telegram_stand_in_and_answers_its_ops_healthz(
    installed: Installed, database: str, tmp_path: Path
) -> None:
    api_port = free_port()
    api = f"http://127.0.0.1:{api_port}"
    # `outreach sandbox telegram`, the Bot API stand-in, in Telegram's place.
    helper = service("migrate", installed, database)
    helper.name, helper.argv = (
        "telegram stand-in",
        [
            *console_script(installed, "outreach"),
            *["sandbox", "telegram", "--port", str(api_port), "--token", BOT_TOKEN],
            *["--log", str(tmp_path / "telegram.jsonl")],
        ],
    )
    stand_in = start(helper, installed, tmp_path / "stand-in.log")
    try:
        _run_bot(installed, database, api, stand_in, tmp_path)
    finally:
        stand_in.process.terminate()
        stand_in.process.wait(timeout=30)


def _run_bot(
    installed: Installed, database: str, api: str, stand_in: Running, tmp_path: Path
) -> None:
    deadline = time.monotonic() + START_LIMIT
    while True:  # the stand-in listens before the bot starts, as Telegram would
        try:
            if get(f"{api}/_sandbox/sent")[0] == 200:
                break
        except OSError:
            pass
        assert stand_in.process.poll() is None, stand_in.output()
        assert time.monotonic() < deadline, stand_in.output()
        time.sleep(0.2)
    # What an administrator adds to .env for Telegram (here: the stand-in instead of Telegram).
    svc = service(
        "bot",
        installed,
        database,
        extra={"TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_API_URL": api},
    )
    assert svc.environment["BOT_MODE"] == "polling"
    with healthy(svc, installed, tmp_path / "bot.log") as running:  # compose's: ops /healthz
        # It really polls: a resident's /start gets the privacy notice back.
        chat = 100_000 + uuid.uuid4().int % 900_000  # never a chat an earlier run cached
        _post(f"{api}/_sandbox/inbound", {"from": chat, "text": "/start"})
        deadline = time.monotonic() + START_LIMIT
        texts: list[str] = []
        while not any("隐私" in t for t in texts):
            assert time.monotonic() < deadline, f"no answer from the bot\n{running.output()}"
            time.sleep(0.2)
            status, body = get(f"{api}/_sandbox/sent?chat_id={chat}")
            assert status == 200, body
            texts = [m["text"] for m in json.loads(body)["messages"]]


def test_the_relay_answers_its_ops_healthz(
    installed: Installed, database: str, tmp_path: Path
) -> None:
    """The optional relay service, with the ledger system's webhook set as .env would set it."""
    svc = service(
        "relay",
        installed,
        database,
        extra={
            "LEDGER_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/events",
            "LEDGER_WEBHOOK_SECRET": LEDGER_SECRET,
        },
    )
    with healthy(svc, installed, tmp_path / "relay.log"):  # compose's check: ops /healthz
        status, body = get(f"http://127.0.0.1:{svc.ports[9100]}/readyz")
        assert status == 200, body
