"""Ledger units: whole kilograms, calendar years and prices in whole fen per kilogram.

The ledger never holds fractions. :func:`parse_quantity` turns what people
type ("1000t", "2.5 t", "750kg", "1,200") into kilograms with exact decimal
arithmetic, so a conversion never rounds; the chaincode and the client share
the limits defined here.
"""

from __future__ import annotations

import re

KG_PER_UNIT = {"kg": 1, "t": 1000}
MAX_QUANTITY = 10**15  # kilograms; far above any real allowance, far below JSON integer trouble
MIN_YEAR, MAX_YEAR = 1990, 2200
MAX_PRICE = 10**12  # fen per kilogram

_QUANTITY = re.compile(r"(?P<whole>\d[\d,_]*)(?:\.(?P<fraction>\d+))?\s*(?P<unit>[a-z]*)")


class UnitError(ValueError):
    """A quantity, year or price that cannot be expressed exactly in ledger units."""


def parse_quantity(text: str | int) -> int:
    """Kilograms from ``"1000t"``, ``"2.5 t"``, ``"750kg"`` or ``"750"`` (no unit means kg)."""
    if isinstance(text, bool):
        raise UnitError(f"quantity {text!r} is not a number")
    if isinstance(text, int):
        return _checked_quantity(text)
    match = _QUANTITY.fullmatch(str(text).strip().lower())
    if match is None:
        raise UnitError(f"quantity {text!r} is not a number with an optional unit (kg or t), like 1000t")
    unit = match["unit"] or "kg"
    if unit not in KG_PER_UNIT:
        raise UnitError(f"quantity {text!r} has unknown unit {unit!r}; use kg or t")
    factor = KG_PER_UNIT[unit]
    whole = int(match["whole"].replace(",", "").replace("_", ""))
    fraction = (match["fraction"] or "").rstrip("0")
    scale = 10 ** len(fraction)
    if fraction and factor % scale:
        raise UnitError(f"quantity {text!r} is not a whole number of kilograms")
    kilograms = whole * factor + (int(fraction) * (factor // scale) if fraction else 0)
    return _checked_quantity(kilograms)


def quantity_problem(value: object) -> str | None:
    """Why ``value`` is not a positive whole number of kilograms within the limit, or ``None``."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of kilograms, got {value!r}"
    if value <= 0:
        return f"must be positive, got {value}"
    if value > MAX_QUANTITY:
        return f"{value} exceeds the limit of {MAX_QUANTITY} kg"
    return None


def is_year(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and MIN_YEAR <= value <= MAX_YEAR


def _checked_quantity(kilograms: int) -> int:
    problem = quantity_problem(kilograms)
    if problem is not None:
        raise UnitError(f"quantity {problem}")
    return kilograms


def format_quantity(kilograms: int) -> str:
    """``1500000`` → ``"1,500 t"``; ``1500`` → ``"1.5 t"``; ``750`` → ``"750 kg"``."""
    if abs(kilograms) < 1000:
        return f"{kilograms:,} kg"
    tonnes, rest = divmod(abs(kilograms), 1000)
    sign = "-" if kilograms < 0 else ""
    if rest == 0:
        return f"{sign}{tonnes:,} t"
    return f"{sign}{tonnes:,}.{rest:03d}".rstrip("0") + " t"
