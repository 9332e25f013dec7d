"""Every command the deployment runs exists in the code and takes the arguments given to it: the
compose services' commands, the image's default command, and the `outreach` commands the
README's "Deploying" section tells an administrator to run."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
from typing import Any

import pytest
import typer

from cli import app
from tests.deploy.conftest import Installed
from tests.deploy.deployment import ROOT, dockerfile_stages, load_compose


def parse_outreach(words: list[str]) -> object:
    """`outreach WORDS` parsed as the console script would parse it, without running it (the
    click context; typer carries its own click, hence no isinstance)."""
    command: Any = typer.main.get_command(app)
    rest = list(words)
    path = ["outreach"]
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        assert name in command.commands, f"outreach {' '.join(path[1:])} has no {name!r}"
        command = command.commands[name]
        path.append(name)
    assert not hasattr(command, "commands"), f"{' '.join(path)} needs a subcommand"
    return command.make_context(" ".join(path), rest)


def check(command: list[str], installed: Installed) -> None:
    if command[0] == "outreach":
        parse_outreach(command[1:])
    elif command[:2] == ["python", "-m"]:
        module = command[2]
        assert (installed.site / module / "__main__.py").is_file(), command
        assert importlib.util.find_spec(f"{module}.__main__") is not None, command
    elif command[0] == "python":
        script = installed.app / command[1]  # the image's working directory
        assert script.is_file(), command
        assert 'if __name__ == "__main__":' in script.read_text("utf-8"), command
    else:
        raise AssertionError(f"unknown command {command}")


def test_every_compose_command_exists(installed: Installed) -> None:
    services = load_compose()["services"]
    commands = {name: s["command"] for name, s in services.items() if "build" in s}
    assert set(commands) == {"migrate", "web", "bot", "worker", "relay"}
    for command in commands.values():
        check(command, installed)


def test_the_images_default_command_exists(installed: Installed) -> None:
    [cmd] = dockerfile_stages()[-1].all("CMD")
    check(json.loads(cmd), installed)


def test_a_wrong_command_is_caught(installed: Installed) -> None:
    with pytest.raises(AssertionError, match="no 'upgrde'"):
        check(["outreach", "db", "upgrde"], installed)
    with pytest.raises(Exception, match="No such option: --no-wroker"):
        check(["outreach", "serve", "--no-wroker"], installed)
    with pytest.raises(AssertionError, match="needs a subcommand"):
        check(["outreach", "queue"], installed)
    with pytest.raises(AssertionError):
        check(["python", "-m", "nothing_here"], installed)
    with pytest.raises(AssertionError):
        check(["python", "workers.py"], installed)


def deploying_commands() -> list[list[str]]:
    """`outreach …` as the README's Deploying sections run it in a container."""
    readme = (ROOT / "README.md").read_text("utf-8")
    sections = re.findall(r"^#+ (?:Deploying|部署到服务器).*?(?=^## )", readme, re.S | re.M)
    assert len(sections) == 2, "the README's English and Chinese deployment sections"
    found = []
    for section in sections:
        for line in section.splitlines():
            for match in re.finditer(r"exec (?:-T )?web (outreach [^#`&|>]*)", line):
                found.append(shlex.split(match[1]))
    return found


def test_the_readmes_deploying_commands_exist() -> None:
    commands = deploying_commands()
    assert ["outreach", "doctor"] in commands
    assert ["outreach", "queue", "stats"] in commands
    for command in commands:
        parse_outreach(command[1:])
