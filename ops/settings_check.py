"""Does every settings class load from this environment? Errors in plain words, never a traceback.

The environment variable of a field is the class's `env_prefix` and the field's name, upper
case, as pydantic-settings reads it. A value is never repeated back: it may be a secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from ops.checks import CheckResult, describe_error

#: Where a bilingual message turns from Chinese to English.
_BOTH = re.compile(r"\s?/ ")


def _prefix(cls: type[BaseSettings]) -> str:
    """BOT_* for a class-wide error of BotSettings (no single variable to name)."""
    prefix = str(cls.model_config.get("env_prefix") or "")
    return f"{prefix.upper()}*" if prefix else cls.__name__


def _variable(cls: type[BaseSettings], field: str) -> str:
    prefix = str(cls.model_config.get("env_prefix") or "")
    return f"{prefix}{field}".upper()


def _problems(cls: type[BaseSettings], error: ValidationError) -> list[tuple[str, str]]:
    """(variable or "", message) of each error, without the offending value."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        location = item.get("loc") or ()
        variable = _variable(cls, str(location[0])) if location else ""
        message = str(item.get("msg") or "").removeprefix("Value error, ")
        problems.append((variable, message))
    return problems


def check_settings(classes: Mapping[str, type[BaseSettings]]) -> list[CheckResult]:
    """One result per settings class (by the name given): loads and validates, or why not."""
    results = []
    for name, cls in classes.items():
        check = f"settings:{name}"
        try:
            cls()
        except ValidationError as error:
            problems = _problems(cls, error)
            variables = ", ".join(sorted({v for v, _ in problems if v})) or _prefix(cls)
            named = len({v for v, _ in problems}) > 1
            said_zh, said_en = [], []
            for variable, message in problems:
                # Our validators say both languages; pydantic's own messages are English.
                zh, en = ([*_BOTH.split(message, maxsplit=1), ""])[:2]
                prefix = f"{variable}: " if variable and named else ""
                if en:
                    said_zh.append(prefix + zh)
                said_en.append(prefix + (en or zh))
            zh_reason = f"：{'；'.join(said_zh)}" if said_zh else ""
            results.append(
                CheckResult(
                    check,
                    False,
                    f"设置 {variables} 无效{zh_reason} / "
                    f"setting {variables} is not valid: {'; '.join(said_en)}",
                    f"在环境变量或 .env 中改正 {variables}（见 .env.example） / "
                    f"correct {variables} in the environment or .env (see .env.example)",
                )
            )
        except Exception as error:  # a malformed .env or JSON value: still words, not a trace
            results.append(
                CheckResult(
                    check,
                    False,
                    f"{name} 设置无法读取 / the {name} settings cannot be read: "
                    f"{describe_error(error)}",
                    "检查 .env 文件和环境变量的格式（见 .env.example） / "
                    "check the format of .env and the environment (see .env.example)",
                )
            )
        else:
            results.append(CheckResult(check, True, f"{name} 设置有效 / {name} settings are valid"))
    return results
