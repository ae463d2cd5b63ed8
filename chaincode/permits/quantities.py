"""Quantities and years: whole kilograms on the ledger, never fractions.

The chaincode only accepts integer kilograms. :func:`parse_quantity` turns what
people type ("1000t", "2.5 t", "750kg", "1,200") into kilograms for the client,
with exact decimal arithmetic, so the conversion never rounds.
"""

from __future__ import annotations

import re

from chaincode.errors import InvalidInput

KG_PER_UNIT = {"kg": 1, "t": 1000}
MAX_QUANTITY = 10**15  # kilograms; far above any real allowance, far below JSON integer trouble
MIN_YEAR, MAX_YEAR = 1990, 2200

_QUANTITY = re.compile(r"(?P<whole>\d[\d,_]*)(?:\.(?P<fraction>\d+))?\s*(?P<unit>[a-z]*)")


def parse_quantity(text: str | int) -> int:
    """Kilograms from ``"1000t"``, ``"2.5 t"``, ``"750kg"`` or ``"750"`` (no unit means kg).

    Raises :class:`~chaincode.errors.InvalidInput` for anything that is not a
    positive whole number of kilograms.
    """
    if isinstance(text, bool):
        raise InvalidInput(f"quantity {text!r} is not a number")
    if isinstance(text, int):
        return require_quantity("quantity", text)
    match = _QUANTITY.fullmatch(str(text).strip().lower())
    if match is None:
        raise InvalidInput(f"quantity {text!r} is not a number with an optional unit (kg or t), like 1000t")
    unit = match["unit"] or "kg"
    if unit not in KG_PER_UNIT:
        raise InvalidInput(f"quantity {text!r} has unknown unit {unit!r}; use kg or t")
    factor = KG_PER_UNIT[unit]
    whole = int(match["whole"].replace(",", "").replace("_", ""))
    fraction = (match["fraction"] or "").rstrip("0")
    scale = 10 ** len(fraction)
    if fraction and factor % scale:
        raise InvalidInput(f"quantity {text!r} is not a whole number of kilograms")
    kilograms = whole * factor + (int(fraction) * (factor // scale) if fraction else 0)
    return require_quantity("quantity", kilograms)


def format_quantity(kilograms: int) -> str:
    """``1500000`` → ``"1,500 t"``; ``1500`` → ``"1.5 t"``; ``750`` → ``"750 kg"``."""
    if abs(kilograms) < 1000:
        return f"{kilograms:,} kg"
    tonnes, rest = divmod(abs(kilograms), 1000)
    sign = "-" if kilograms < 0 else ""
    if rest == 0:
        return f"{sign}{tonnes:,} t"
    return f"{sign}{tonnes:,}.{rest:03d}".rstrip("0") + " t"


def require_quantity(field: str, value: object) -> int:
    """A positive integer number of kilograms (booleans and fractions refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be a whole number of kilograms, got {value!r}")
    if value <= 0:
        raise InvalidInput(f"{field} must be positive, got {value}")
    if value > MAX_QUANTITY:
        raise InvalidInput(f"{field} {value} exceeds the limit of {MAX_QUANTITY} kg")
    return value


def require_year(field: str, value: object) -> int:
    """A calendar year such as a vintage or an emission year."""
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        raise InvalidInput(f"{field} must be a year between {MIN_YEAR} and {MAX_YEAR}, got {value!r}")
    return value
