"""Reporting periods: a day (``YYYY-MM-DD``) or a month (``YYYY-MM``), and HJ 212 hours (``YYYYMMDDhh``).

Pure functions over strings and :class:`datetime.date`; nothing here reads a
clock: the contract hands in the transaction's timestamp. Days are calendar
days in China Standard Time (UTC+8), the time HJ 212 data loggers report in.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from chaincode.runtime.errors import InvalidInput
from common import units

DAY = "day"
MONTH = "month"
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_HOUR = re.compile(r"(\d{4})(\d{2})(\d{2})(\d{2})")
CHINA_TIME = datetime.timezone(datetime.timedelta(hours=8), "CST")
_FILTER = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


@dataclass(frozen=True)
class Period:
    text: str
    kind: str  # DAY or MONTH
    first: datetime.date
    last: datetime.date

    @property
    def year(self) -> int:
        return self.first.year

    @property
    def hours(self) -> int:
        return 24 * ((self.last - self.first).days + 1)

    @property
    def month(self) -> str:
        """The month that holds this period (itself, for a month)."""
        return self.text[:7]

    def days(self) -> list[str]:
        """Every day of the period, ``YYYY-MM-DD``."""
        count = (self.last - self.first).days + 1
        return [(self.first + datetime.timedelta(days=offset)).isoformat() for offset in range(count)]

    def holds_hour(self, hour: str) -> bool:
        moment = parse_hour(hour)
        return self.first <= moment.date() <= self.last

    def within(self, first: datetime.date, last: datetime.date) -> bool:
        """Whether the whole period lies between ``first`` and ``last`` (inclusive)."""
        return first <= self.first and self.last <= last


def parse_period(value: object, field: str = "period") -> Period:
    """A day ``YYYY-MM-DD`` or a month ``YYYY-MM``; anything else is :class:`InvalidInput` naming ``field``."""
    if isinstance(value, str):
        day = _DAY.fullmatch(value)
        month = _MONTH.fullmatch(value)
        try:
            if day:
                date = datetime.date(int(day[1]), int(day[2]), int(day[3]))
                if units.is_year(date.year):
                    return Period(value, DAY, date, date)
            elif month:
                year, number = int(month[1]), int(month[2])
                first = datetime.date(year, number, 1)
                last = datetime.date(year, number, calendar.monthrange(year, number)[1])
                if units.is_year(year):
                    return Period(value, MONTH, first, last)
        except ValueError:
            pass
    raise InvalidInput(f"{field} must be a day YYYY-MM-DD or a month YYYY-MM between {units.MIN_YEAR} and "
                       f"{units.MAX_YEAR}, got {value!r}")


def parse_filter(value: object, field: str = "period") -> str:
    """A list filter: a year ``YYYY``, a month ``YYYY-MM`` or a day ``YYYY-MM-DD`` (matched as a prefix)."""
    if not isinstance(value, str) or not _FILTER.fullmatch(value):
        raise InvalidInput(f"{field} must be a year YYYY, a month YYYY-MM or a day YYYY-MM-DD, got {value!r}")
    if len(value) > 4:
        parse_period(value, field)
    return value


def parse_date(value: object, field: str) -> datetime.date:
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"{field} must be a date YYYY-MM-DD, got {value!r}")


def parse_hour(value: object) -> datetime.datetime:
    """An HJ 212 hour ``YYYYMMDDhh`` (the start of the hour)."""
    match = _HOUR.fullmatch(value) if isinstance(value, str) else None
    if match:
        try:
            return datetime.datetime(int(match[1]), int(match[2]), int(match[3]), int(match[4]))
        except ValueError:
            pass
    raise InvalidInput(f"hour must be YYYYMMDDhh (the start of the hour, 00 to 23), got {value!r}")


def ledger_date(timestamp: float) -> datetime.date:
    """The calendar date (China Standard Time) of a transaction timestamp."""
    return datetime.datetime.fromtimestamp(timestamp, CHINA_TIME).date()
