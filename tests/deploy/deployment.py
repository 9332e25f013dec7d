"""Reading the deployment files as Docker would: the compose file (with its interpolation), the
.env file, the Dockerfile's stages, the build context that .dockerignore leaves, and the settings
classes of the code that .env feeds."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

#: The top-level packages and modules of the project (pyproject's [tool.setuptools]).
PACKAGES = (
    "core",
    "cli",
    "ledger",
    "campaigns",
    "channels",
    "pension",
    "faq",
    "bot",
    "web",
    "results",
    "outbox",
    "ops",
)
MODULES = ("worker", "chat")


# --- the Compose Specification's JSON schema -------------------------------------------------


def compose_schema() -> dict[str, Any]:
    """The Compose Specification's schema (compose-spec/compose-spec, schema/compose-spec.json,
    Apache-2.0), as the check-jsonschema package ships it for its compose hook."""
    vendor = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    schema: dict[str, Any] = json.loads((vendor / "compose-spec.json").read_text("utf-8"))
    return schema


# --- compose ----------------------------------------------------------------------------------

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class InterpolationError(ValueError):
    """A `${VAR:?message}` whose variable is missing, as `docker compose` reports it."""


def interpolate(text: str, variables: dict[str, str]) -> str:
    """Compose's interpolation of one string: $$, $VAR, ${VAR}, ${VAR:-default},
    ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+replacement}, ${VAR+replacement}."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        op, arg = match["op"], match["arg"] or ""
        value = variables.get(name)
        present = value is not None
        filled = bool(value)
        if op in (":-", "-"):
            use_default = not filled if op == ":-" else not present
            return arg if use_default else (value or "")
        if op in (":?", "?"):
            missing = not filled if op == ":?" else not present
            if missing:
                raise InterpolationError(f"{name}: {arg}")
            return value or ""
        if op in (":+", "+"):
            replaced = filled if op == ":+" else present
            return arg if replaced else ""
        return value or ""

    return _VARIABLE.sub(replace, text)


def interpolate_all(node: Any, variables: dict[str, str]) -> Any:
    """Interpolate every string value of a loaded compose file (keys stay as written)."""
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, dict):
        return {key: interpolate_all(value, variables) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_all(item, variables) for item in node]
    return node


def variables_used(node: Any) -> set[str]:
    """Names the compose file interpolates."""
    if isinstance(node, str):
        return {m["braced"] or m["bare"] for m in _VARIABLE.finditer(node) if not m["escaped"]}
    if isinstance(node, dict):
        return set().union(*(variables_used(value) for value in node.values()), set())
    if isinstance(node, list):
        return set().union(*(variables_used(item) for item in node), set())
    return set()


def load_compose_raw() -> dict[str, Any]:
    """The compose file as YAML (anchors and merge keys resolved), before interpolation."""
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text("utf-8"))
    return loaded


def load_compose(variables: dict[str, str] | None = None) -> dict[str, Any]:
    """The compose file as `docker compose` sees it with `variables` (default: .env.example's)."""
    given = env_example().active if variables is None else variables
    loaded: dict[str, Any] = interpolate_all(load_compose_raw(), given)
    return loaded


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    """A service's `environment:` (mapping or list form) as a dict of strings."""
    raw = service.get("environment", {})
    if isinstance(raw, list):
        pairs = (item.split("=", 1) for item in raw)
        return dict(pairs)
    return {name: "" if value is None else str(value) for name, value in raw.items()}


def duration_seconds(text: str) -> float:
    """A compose duration (`1m30s`, `40s`, `1h`, `500ms`) in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a compose duration: {text!r}")
    return sum(float(number) * units[unit] for number, unit in parts)


# --- .env -------------------------------------------------------------------------------------

_ENTRY = re.compile(r"^(?P<off>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


@dataclass(frozen=True)
class EnvFile:
    active: dict[str, str]  # NAME=value lines
    commented: dict[str, str]  # "# NAME=value" lines: documented, left unset
    comments: dict[str, list[str]] = field(default_factory=dict)  # the comment above each name

    @property
    def names(self) -> set[str]:
        return set(self.active) | set(self.commented)


def env_example() -> EnvFile:
    active: dict[str, str] = {}
    commented: dict[str, str] = {}
    comments: dict[str, list[str]] = {}
    block: list[str] = []  # the comment lines above the current run of entries
    after_entry = False
    for line in ENV_EXAMPLE.read_text("utf-8").splitlines():
        entry = _ENTRY.match(line)
        if entry is None:
            if not line.startswith("#"):
                block, after_entry = [], False  # a blank line ends a group
            elif after_entry:
                block, after_entry = [line], False
            else:
                block.append(line)
            continue
        name, value = entry["name"], entry["value"]
        if name in active or name in commented:
            raise AssertionError(f".env.example names {name} twice")
        (commented if entry["off"] else active)[name] = value
        comments[name] = [text for text in block if not set(text) <= {"#", " ", "-"}]
        after_entry = True
    return EnvFile(active, commented, comments)


# --- the settings classes ---------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsField:
    owner: type[BaseSettings]
    name: str  # the attribute
    env: str  # the environment variable


def import_project() -> None:
    """Import every module of the project, so that every settings class is defined."""
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            importlib.import_module(info.name)
    for name in MODULES:
        importlib.import_module(name)


def settings_classes() -> list[type[BaseSettings]]:
    """Every BaseSettings subclass defined in the project's code."""
    import_project()
    found: list[type[BaseSettings]] = []
    pending = list(BaseSettings.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        top = cls.__module__.split(".")[0]
        if (top in PACKAGES or top in MODULES) and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


def settings_fields() -> list[SettingsField]:
    fields = []
    for cls in settings_classes():
        prefix = str(cls.model_config.get("env_prefix") or "")
        for name, info in cls.model_fields.items():
            alias = info.validation_alias or info.alias
            env = alias if isinstance(alias, str) else f"{prefix}{name}"
            fields.append(SettingsField(cls, name, env.upper()))
    return fields


def settings_classes_in_source() -> set[str]:
    """`class X(BaseSettings)` as written in the project's files, found without importing."""
    pattern = re.compile(r"^class (\w+)\((?:\w+\.)?BaseSettings\)", re.MULTILINE)
    found = set()
    files = [ROOT / f"{name}.py" for name in MODULES]
    for package in PACKAGES:
        files.extend((ROOT / package).rglob("*.py"))
    for path in files:
        found.update(pattern.findall(path.read_text("utf-8")))
    return found


# --- the Dockerfile ---------------------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (KEYWORD, arguments)

    def all(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]


def dockerfile_stages() -> list[Stage]:
    """The Dockerfile's stages, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text("utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        args = " ".join(args.split())
        if keyword == "FROM":
            words = args.split()
            words = [w for w in words if not w.startswith("--platform")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
            continue
        assert stages, f"{keyword} before the first FROM"
        stages[-1].instructions.append((keyword, args))
    return stages


# --- the build context ------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def dockerignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """(exception?, pattern) for each line of .dockerignore, in order."""
    rules = []
    for line in DOCKERIGNORE.read_text("utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        exception = text.startswith("!")
        rules.append((exception, _pattern_regex(text.lstrip("!").strip("/"))))
    return rules


def ignored(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves `path` (relative, with /) out of the build context: a pattern
    matching the path or one of its parent folders excludes it; the last matching rule wins."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for exception, rule in rules:
        if any(rule.match(candidate) for candidate in candidates):
            result = not exception
    return result


def build_context() -> list[str]:
    """The files `docker build .` sends: the working tree less what .dockerignore names."""
    rules = dockerignore_patterns()
    files: list[str] = []
    for folder, subfolders, names in os.walk(ROOT):
        base = Path(folder).relative_to(ROOT).as_posix()
        prefix = "" if base == "." else f"{base}/"
        # An ignored folder is not entered: no exception of ours re-includes anything inside one.
        subfolders[:] = [name for name in subfolders if not ignored(prefix + name, rules)]
        files.extend(prefix + name for name in names if not ignored(prefix + name, rules))
    return sorted(files)


def copy_context(target: Path) -> None:
    for relative in build_context():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, destination)
