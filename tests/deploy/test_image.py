"""The Dockerfile and its build context: a slim final stage without build tools, run as a user
who is not root, holding only the project's wheel and its declared dependencies."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
import zipfile
from email.parser import Parser

from packaging.requirements import Requirement

from tests.deploy.conftest import Installed
from tests.deploy.deployment import (
    MODULES,
    PACKAGES,
    ROOT,
    Stage,
    build_context,
    dockerfile_stages,
    dockerignore_patterns,
    ignored,
)

BUILD_TOOLS = re.compile(
    r"\b(apt-get|apt|apk|yum|dnf|gcc|g\+\+|cc|make|build-essential|clang|cmake|"
    r"python3?-dev|libpq-dev|git|curl|wget)\b"
)


def final() -> Stage:
    return dockerfile_stages()[-1]


def commands(stage: Stage) -> list[list[str]]:
    """Each shell command of the stage's RUN lines, split into words (mount options dropped)."""
    found = []
    for run in stage.all("RUN"):
        words = [w for w in shlex.split(run) if not w.startswith("--mount=")]
        text = " ".join(words)
        for part in re.split(r"&&|;|\|\|", text):
            if part.strip():
                found.append(shlex.split(part))
    return found


def test_the_image_is_built_in_two_stages_on_slim_python() -> None:
    stages = dockerfile_stages()
    assert len(stages) == 2
    builder, _runtime = stages
    assert builder.name == "builder"
    for stage in stages:
        assert re.fullmatch(r"python:3\.11-slim(-\w+)?", stage.base), stage.base
    # The builder makes wheels of the context with pip, nothing installed from elsewhere.
    assert ["pip", "wheel", "--wheel-dir", "/wheels", "."] in commands(builder)
    assert builder.all("COPY") == [". ."]


def test_the_final_stage_has_no_build_tools() -> None:
    runtime = final()
    for run in runtime.all("RUN"):
        assert not BUILD_TOOLS.search(run), run
    assert runtime.all("ADD") == []
    assert runtime.all("COPY") == []  # nothing of the build context: only installed wheels


def test_the_final_stage_installs_only_the_projects_wheels() -> None:
    runtime = final()
    installs = [c for c in commands(runtime) if c[:2] == ["pip", "install"]]
    assert installs == [["pip", "install", "--no-index", "--find-links=/wheels", "outreach"]]
    [mount] = [run for run in runtime.all("RUN") if "--mount=" in run]
    assert "from=builder,source=/wheels,target=/wheels" in mount


def test_the_processes_run_as_a_user_who_is_not_root() -> None:
    runtime = final()
    users = runtime.all("USER")
    assert users, "no USER in the final stage"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    created = " ".join(runtime.all("RUN"))
    assert f"useradd --system --uid 10001 --gid {user}" in created
    # USER comes after every RUN: nothing runs as root after it, the processes run as the user.
    keywords = [key for key, _ in runtime.instructions]
    assert keywords.index("USER") > max(i for i, key in enumerate(keywords) if key == "RUN")


def test_the_default_command_is_exec_form() -> None:
    [cmd] = final().all("CMD")
    assert json.loads(cmd) == [
        "outreach",
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "8080",
        "--no-worker",
        "--no-bot",
    ]
    assert final().all("ENTRYPOINT") == []


def test_the_build_context_is_the_source_and_nothing_local() -> None:
    rules = dockerignore_patterns()
    # Exceptions re-include top-level files only (build_context relies on it).
    assert all(
        "/" not in rule.pattern.replace("\\/", "/") for exception, rule in rules if exception
    )
    for local in (".venv/bin/python", "var/outreach.db", ".git/HEAD", ".env", "tests/conftest.py"):
        assert ignored(local, rules), local
    assert ignored("faq/__pycache__/x.pyc", rules)
    context = build_context()
    assert not [f for f in context if f.startswith((".venv/", "var/", ".git/", "tests/"))]
    assert ".env" not in context
    assert {"pyproject.toml", "README.md", ".env.example", "worker.py", "chat.py"} <= set(context)
    for package in PACKAGES:
        assert f"{package}/__init__.py" in context, package
    assert "templates/registry.yaml" in context


def test_the_wheel_holds_everything_the_processes_read(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for module in MODULES:
        assert f"{module}.py" in names
    # Files the code reads beside its modules: they are data, so packaging may leave them out.
    for data in ROOT.glob("templates/**/*"):
        if data.is_file() and data.name != ".gitkeep":
            assert data.relative_to(ROOT).as_posix() in names, data
    for folder in ("faq/data", "pension/data", "ledger/segments", "migrations/versions"):
        for data in (ROOT / folder).rglob("*"):
            if data.is_file() and "__pycache__" not in data.parts:
                assert data.relative_to(ROOT).as_posix() in names, data


def test_the_wheel_requires_exactly_the_projects_dependencies(installed: Installed) -> None:
    """What `pip install outreach` pulls into the image is pyproject's list: no extras."""
    with zipfile.ZipFile(installed.wheel) as archive:
        [metadata] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(metadata).decode("utf-8"))
    required = [Requirement(r) for r in message.get_all("Requires-Dist") or []]
    runtime = {str(r) for r in required if not (r.marker and "extra" in str(r.marker))}
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert runtime == {str(Requirement(r)) for r in declared["dependencies"]}
    scripts = declared["scripts"]
    assert scripts == {"outreach": "cli:main"}
