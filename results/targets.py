"""Targets per township or village: enrollment and payment rates due by month.

Defaults are the township plan in the seed documents: enrollment 90% by June, payment 60% by
July, 70% by August, 80% by November. A YAML file overrides them for all units or one:

    default:
      enrollment: {6: 0.90}
      payment: {7: 0.60, 8: 0.70, 11: 0.80}
    units:
      勐海镇: {enrollment: {6: 0.92}}             # a township
      勐海镇/曼短村: {payment: {11: 0.85}}         # a village of it

A unit takes its village's, else its township's, else the default milestones, per kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core import BilingualError

Milestones = dict[int, float]

DEFAULT_ENROLLMENT: Milestones = {6: 0.90}
DEFAULT_PAYMENT: Milestones = {7: 0.60, 8: 0.70, 11: 0.80}


class TargetsError(BilingualError):
    """The targets file cannot be used."""


@dataclass(frozen=True, slots=True)
class Target:
    rate: float
    due_month: int  # the month of the year the rate is due by


def due(milestones: Milestones, month: int) -> Target | None:
    """The target in force in `month`: the latest one due by then, else the next one ahead."""
    if not milestones:
        return None
    passed = [m for m in milestones if m <= month]
    chosen = max(passed) if passed else min(milestones)
    return Target(milestones[chosen], chosen)


@dataclass(frozen=True, slots=True)
class Targets:
    enrollment: Milestones = field(default_factory=lambda: dict(DEFAULT_ENROLLMENT))
    payment: Milestones = field(default_factory=lambda: dict(DEFAULT_PAYMENT))
    units: Mapping[str, Mapping[str, Milestones]] = field(default_factory=dict)

    def for_unit(self, kind: str, township: str | None, village: str | None) -> Milestones:
        """The milestones of `kind` ("enrollment" or "payment") for a township or village."""
        for key in (f"{township}/{village}", f"{township}"):
            if key in self.units and kind in self.units[key]:
                return self.units[key][kind]
        return self.enrollment if kind == "enrollment" else self.payment


def _milestones(raw: Any, where: str) -> Milestones:
    if not isinstance(raw, Mapping):
        raise TargetsError(f"{where} 应为“月份: 比例”", f"{where} must map months to rates")
    out: Milestones = {}
    for month, rate in raw.items():
        try:
            m, r = int(month), float(rate)
        except (TypeError, ValueError):
            raise TargetsError(
                f"{where} 的 {month} 无效", f"{where}: {month} is not month: rate"
            ) from None
        if not (1 <= m <= 12 and 0 < r <= 1):
            raise TargetsError(
                f"{where} 的月份应为 1–12、比例在 0–1 之间",
                f"{where}: months 1–12, rates between 0 and 1",
            )
        out[m] = r
    return out


def parse_targets(raw: Any) -> Targets:
    """Targets from parsed YAML (see the module's docstring)."""
    if raw is None:
        return Targets()
    if not isinstance(raw, Mapping):
        raise TargetsError("目标文件格式不对", "the targets file must be a mapping")
    default = raw.get("default") or {}
    kinds = ("enrollment", "payment")
    units: dict[str, dict[str, Milestones]] = {}
    for unit, spec in (raw.get("units") or {}).items():
        if not isinstance(spec, Mapping):
            raise TargetsError(f"{unit} 格式不对", f"{unit} must be a mapping")
        units[str(unit)] = {k: _milestones(spec[k], f"{unit}.{k}") for k in kinds if k in spec}
    return Targets(
        enrollment=_milestones(default.get("enrollment", DEFAULT_ENROLLMENT), "enrollment"),
        payment=_milestones(default.get("payment", DEFAULT_PAYMENT), "payment"),
        units=units,
    )


def load_targets(path: Path | None) -> Targets:
    """Targets from a YAML file, or the township plan's defaults without one."""
    if path is None:
        return Targets()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise TargetsError(
            f"无法读取目标文件 {path}", f"cannot read the targets file {path}: {err}"
        ) from err
    return parse_targets(raw)
