"""A synthetic population of Mile City residents, drawn one ledger row at a time."""

from __future__ import annotations

import random
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from ledger import generator_data as data
from ledger import names
from ledger.codes import (
    Employment,
    Group,
    MedicalScheme,
    PensionScheme,
    SpecialCategory,
    Status,
    UninsuredReason,
)
from ledger.columns import Field
from ledger.identity import check_character

T = TypeVar("T")

#: Position of each field in a row: the order of `Field`, as the header is written.
AT: dict[Field, int] = {f: i for i, f in enumerate(Field)}
(
    _NAME, _ID, _PHONE, _HOUSEHOLD, _CURRENT, _TOWNSHIP, _VILLAGE, _GROUP, _EMPLOYMENT, _EMPLOYER,
    _SPECIAL, _P_SCHEME, _P_STATUS, _P_PAID, _P_REGION, _M_SCHEME, _M_STATUS, _M_PAID, _REASON,
    _VERIFICATION, _VERIFIED_ON, _VERIFIED_BY, _NOTE,
) = (AT[f] for f in (
    Field.NAME, Field.ID_NUMBER, Field.PHONE, Field.HOUSEHOLD_ADDRESS, Field.CURRENT_ADDRESS,
    Field.TOWNSHIP, Field.VILLAGE, Field.GROUP, Field.EMPLOYMENT, Field.EMPLOYER,
    Field.SPECIAL_CATEGORY, Field.PENSION_SCHEME, Field.PENSION_STATUS, Field.PENSION_LAST_PAID,
    Field.PENSION_REGION, Field.MEDICAL_SCHEME, Field.MEDICAL_STATUS, Field.MEDICAL_LAST_PAID,
    Field.UNINSURED_REASON, Field.VERIFICATION, Field.VERIFIED_ON, Field.VERIFIED_BY, Field.NOTE,
))  # fmt: skip

# Each (division, birth date, sex) has 499 sequence numbers: 1–997 odd for men, 2–998 even for
# women. A counter per key hands them out, so ID numbers are unique without remembering them.
_SEQUENCES = 499
# Age bands (from, to exclusive) and their shares: most people in scope are of working age.
_AGE_BANDS = {(16, 25): 0.10, (25, 45): 0.42, (45, 60): 0.40, (60, 76): 0.08}
# A Mile native born before the year still more often carries the county's pre-2013 code.
_OLD_CODE_SHARES = ((1980, 0.7), (1995, 0.35), (10_000, 0.1))
_STATUSES = (Status.PAYING, Status.LAPSED, Status.NEVER, Status.TERMINATED)
_EMPLOYEE_SCHEME_SHARES = {Employment.EMPLOYED: 0.85, Employment.FLEXIBLE: 0.4}
_EMPLOYEE_MEDICAL_SHARE = 0.85
_WORKING = (Employment.EMPLOYED, Employment.FLEXIBLE)
_PENSION_EMPLOYEE, _PENSION_RESIDENT = PensionScheme.EMPLOYEE.label, PensionScheme.RESIDENT.label
_MEDICAL_EMPLOYEE, _MEDICAL_RESIDENT = MedicalScheme.EMPLOYEE.label, MedicalScheme.RESIDENT.label
_RECENT = (0, 1, 2)
# Labels looked up once: `.label` is a property, and a row needs several of them.
_EMPLOYMENT_LABELS = {e: e.label for e in Employment}
_SPECIAL_LABELS = {c: c.label for c in SpecialCategory}
_REASON_LABELS = {r: r.label for r in UninsuredReason}
# How staff write dates and months, and how often (all forms the import accepts).
_DAY_FORMATS = {
    "{0:%Y-%m-%d}": 75,
    "{0.year}/{0.month}/{0.day}": 12,
    "{0:%Y%m%d}": 5,
    "{0.year}年{0.month}月{0.day}日": 8,
}
_MONTH_FORMATS = {
    "{0:%Y-%m}": 70,
    "{0.year}/{0.month}": 10,
    "{0:%Y%m}": 10,
    "{0.year}年{0.month}月": 10,
}
_PHONE_FORMATS = {"{}{}{}": 80, "+86 {}{}{}": 5, "+86{}{}{}": 3, "{} {} {}": 8, "{}-{}-{}": 4}


def table(shares: Mapping[T, float], size: int = 1000) -> tuple[T, ...]:
    """Items repeated in proportion to their shares, so that one random index draws from them."""
    total = sum(shares.values())
    return tuple(
        item for item, share in shares.items() for _ in range(max(1, round(share / total * size)))
    )


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True, slots=True)
class _Profile:
    """What goes with an identity group: who is in it, how they work, how they are insured."""

    group: Group
    label: str
    aliases: tuple[str, ...]
    male_share: float
    employments: tuple[Employment, ...]
    employer_share: float
    employers: tuple[str, ...]
    pension: tuple[Status, ...]


class Population:
    """Draws residents from precomputed tables, so that a row costs microseconds, not more."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
        self._rnd = self.rng.random
        self._this_month = today.year * 12 + today.month - 1
        self._divisions = (data.MILE_CODE, data.MILE_COUNTY_CODE, *(c for c, _ in data.NEIGHBOURS))
        first = (years_before(today, 76) + timedelta(days=1)).toordinal()
        self._span = years_before(today, 16).toordinal() - first + 1
        days = [date.fromordinal(first + n) for n in range(self._span)]
        self._births = [f"{d:%Y%m%d}" for d in days]
        self._birth_months = [d.year * 12 + d.month - 1 for d in days]
        # A band of ages is a run of birth-date indexes: (first index, how many).
        ends = {y: years_before(today, y).toordinal() - first for band in _AGE_BANDS for y in band}
        self._bands = table(
            {(ends[hi] + 1, ends[lo] - ends[hi]): s for (lo, hi), s in _AGE_BANDS.items()}
        )
        self._used = array("H", bytes(2 * len(self._divisions) * self._span * 2))
        self._profiles = table({_profile(g): share for g, share in data.GROUP_SHARES.items()})
        self._surnames = table(names.SURNAMES, 10_000)
        self._places = table(
            {
                (t, v, f"{data.MILE_ADDRESS}{t}{v}", t == data.CITY and v.endswith("社区")): share
                / len(villages)
                for t, (share, villages) in data.TOWNSHIPS.items()
                for v in villages
            }
        )
        none = 1 - sum(data.SPECIAL_SHARES.values())
        self._specials = table({**data.SPECIAL_SHARES, SpecialCategory.NONE: none})
        self._pension_old = _statuses(data.PENSION_SHARES_60_PLUS)
        self._pension_special = _statuses(data.PENSION_SHARES_SPECIAL)
        self._medical = _statuses(data.MEDICAL_SHARES)
        self._reasons = table(data.UNINSURED_SHARES)
        self._days = _formatted([today - timedelta(days=n) for n in range(366)], _DAY_FORMATS)
        self._months = [_formatted([self._month(n)], _MONTH_FORMATS) for n in range(241)]
        # Resident medical insurance is paid once a year, between September and February.
        self._window = tuple(n for n in range(12) if self._month(n).month in (9, 10, 11, 12, 1, 2))
        self._phone_formats = table(_PHONE_FORMATS, 100)
        self._verifiers = {
            t: tuple(
                self._name(self._rnd() < 0.5, 1980) for _ in range(data.VERIFIERS_PER_TOWNSHIP)
            )
            for t in data.TOWNSHIPS
        }

    def pick(self, items: Sequence[T]) -> T:
        """One item, uniformly: from a `table`, in proportion to the shares."""
        return items[int(self._rnd() * len(items))]

    def phone(self) -> str:
        """A mainland mobile number: its 11 digits."""
        return f"{self.pick(data.PHONE_PREFIXES)}{int(self._rnd() * 100_000_000):08d}"

    def resident(self) -> list[str]:
        """The cells of one resident's row, every one of them valid."""
        rnd, pick = self._rnd, self.pick
        row = [""] * len(AT)
        profile = pick(self._profiles)
        male = rnd() < profile.male_share
        start, count = pick(self._bands)
        day = start + int(rnd() * count)
        neighbour = rnd() < data.NEIGHBOUR_SHARE
        if neighbour:
            division = 2 + int(rnd() * len(data.NEIGHBOURS))
        else:
            division = int(rnd() < _old_code_share(self._birth_months[day] // 12))
        row[_ID], day = self._id_number(division, day, male)
        born = self._birth_months[day] // 12
        adult_months = self._this_month - self._birth_months[day] - 16 * 12
        age = 16 + adult_months // 12
        row[_NAME] = self._name(male, born)

        township, village, home, in_city = pick(self._places)
        number = 1 + int(rnd() * 150)
        if in_city:
            home += f"{pick(data.STREETS)}{number}号"
        elif village.endswith("村"):
            home += f"{1 + int(rnd() * 12)}组{number}号"
        else:
            home += f"{number}号"
        row[_TOWNSHIP], row[_VILLAGE] = township, village
        if neighbour:
            row[_HOUSEHOLD], row[_CURRENT] = f"{data.NEIGHBOURS[division - 2][1]}{number}号", home
        elif profile.group is Group.MIGRANT_WORKER and rnd() < data.MIGRANT_AWAY_SHARE:
            row[_HOUSEHOLD], row[_CURRENT] = home, pick(data.ELSEWHERE)
        elif township != data.CITY and rnd() < data.MOVED_TO_CITY_SHARE:
            city = f"{data.MILE_ADDRESS}{data.CITY}{pick(data.STREETS)}{number}号"
            row[_HOUSEHOLD], row[_CURRENT] = home, city
        else:
            row[_HOUSEHOLD] = row[_CURRENT] = home

        row[_GROUP] = pick(profile.aliases) if rnd() < data.ALIAS_SHARE else profile.label
        employment = pick(profile.employments)
        if profile.group is Group.OTHER and age < 23 and rnd() < data.STUDENT_SHARE:
            employment = Employment.STUDENT
        row[_EMPLOYMENT] = _EMPLOYMENT_LABELS[employment]
        if employment in _WORKING and rnd() < profile.employer_share:
            row[_EMPLOYER] = pick(profile.employers)
        special = pick(self._specials)
        if special is not SpecialCategory.NONE or rnd() < data.SPECIAL_NONE_WRITTEN_SHARE:
            row[_SPECIAL] = _SPECIAL_LABELS[special]

        if employment is Employment.STUDENT:
            pension = Status.NEVER
        elif special is not SpecialCategory.NONE:
            pension = pick(self._pension_special)
        elif age >= 60:
            pension = pick(self._pension_old)
        else:
            pension = pick(profile.pension)
        reason = None
        if pension is Status.NEVER:
            if employment is Employment.STUDENT:
                reason = UninsuredReason.STUDENT
            elif rnd() < data.UNINSURED_REASON_SHARE:
                reason = pick(self._reasons)
            if reason is not None:
                row[_REASON] = _REASON_LABELS[reason]
            if reason is UninsuredReason.INSURED_ELSEWHERE:
                row[_P_REGION] = pick(data.ELSEWHERE)
        else:
            employee = rnd() < _EMPLOYEE_SCHEME_SHARES.get(employment, 0.1)
            row[_P_SCHEME] = _PENSION_EMPLOYEE if employee else _PENSION_RESIDENT
            row[_P_PAID] = self._paid(pension, adult_months, _RECENT)
            row[_P_REGION] = data.MILE_REGION
        row[_P_STATUS] = pick(data.STATUS_TEXTS[pension])

        deceased = reason is UninsuredReason.DECEASED
        if deceased:
            medical = Status.TERMINATED
        elif special is not SpecialCategory.NONE:
            medical = Status.PAYING  # the government pays for them too
        else:
            medical = pick(self._medical)
        if medical is not Status.NEVER:
            employee = employment is Employment.EMPLOYED and rnd() < _EMPLOYEE_MEDICAL_SHARE
            row[_M_SCHEME] = _MEDICAL_EMPLOYEE if employee else _MEDICAL_RESIDENT
            row[_M_PAID] = self._paid(medical, adult_months, _RECENT if employee else self._window)
        row[_M_STATUS] = pick(data.STATUS_TEXTS[medical])

        if rnd() < data.VERIFICATION_SHARE:
            verifications = data.VERIFICATIONS[pension]
            row[_VERIFICATION] = data.DECEASED_VERIFICATION if deceased else pick(verifications)
            row[_VERIFIED_ON] = pick(self._days)
            row[_VERIFIED_BY] = pick(self._verifiers[township])
        if rnd() < data.NOTE_SHARE:
            row[_NOTE] = pick(data.NOTES)
        if not deceased and rnd() < data.PHONE_SHARE:
            digits = self.phone()
            row[_PHONE] = pick(self._phone_formats).format(digits[:3], digits[3:7], digits[7:])
        return row

    def _id_number(self, division: int, day: int, male: bool) -> tuple[str, int]:
        sex = int(male)
        used = self._used
        while True:
            key = (division * self._span + day) * 2 + sex
            n = used[key]
            if n < _SEQUENCES:
                break
            day = day - 1 if day else self._span - 1  # that birth date is full: one day older
        used[key] = n + 1
        # Start each key at its own offset, so sequence numbers do not all begin at 001.
        sequence = (key + n) % _SEQUENCES * 2 + 2 - sex
        first17 = f"{self._divisions[division]}{self._births[day]}{sequence:03d}"
        return first17 + check_character(first17), day

    def _name(self, male: bool, born: int) -> str:
        rnd = self._rnd
        if male:
            pool = names.MALE_OLDER if born < names.NEW_NAMES_FROM else names.MALE_YOUNGER
        else:
            pool = names.FEMALE_OLDER if born < names.NEW_NAMES_FROM else names.FEMALE_YOUNGER
        given = pool[int(rnd() * len(pool))]
        if rnd() >= names.SINGLE_CHARACTER_SHARE:
            given += pool[int(rnd() * len(pool))]
        return self.pick(self._surnames) + given

    def _paid(self, status: Status, limit: int, recent: Sequence[int]) -> str:
        # Months ago, never before the resident turned 16 (`limit` months ago).
        if status is Status.PAYING:
            months = self.pick(recent)
        elif status is Status.LAPSED:
            months = 1 + int(120 * self._rnd() ** 2)  # most lapses are recent
        else:
            months = 12 + int(169 * self._rnd())
        return self.pick(self._months[min(months, limit)])

    def _month(self, months_ago: int) -> date:
        year, month = divmod(self._this_month - months_ago, 12)
        return date(year, month + 1, 1)


def _profile(group: Group) -> _Profile:
    return _Profile(
        group=group,
        label=group.label,
        aliases=data.GROUP_ALIASES[group],
        male_share=data.MALE_SHARE.get(group, 0.5),
        employments=table(data.EMPLOYMENT_SHARES[group]),
        employer_share=data.EMPLOYER_SHARE[group],
        employers=data.EMPLOYERS[group],
        pension=_statuses(data.PENSION_SHARES[group]),
    )


def _old_code_share(born: int) -> float:
    return next(share for before, share in _OLD_CODE_SHARES if born < before)


def _statuses(shares: Sequence[float]) -> tuple[Status, ...]:
    return table(dict(zip(_STATUSES, shares, strict=True)))


def _formatted(days: Sequence[date], formats: Mapping[str, float]) -> tuple[str, ...]:
    # Every day in every format, repeated by how often staff write it: one index draws both.
    weighted = table(formats, 100)
    texts: list[str] = []
    for day in days:
        written = {f: f.format(day) for f in formats}
        texts.extend(written[f] for f in weighted)
    return tuple(texts)
