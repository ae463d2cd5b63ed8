"""Quantities and prices as people type them, converted exactly to the ledger's integer units.

The ledger counts allowances in whole kilograms and prices in whole fen
(0.01 yuan) per kilogram. People write ``1000t``, ``2.5 t`` or ``750`` (kg)
and ``1200/t`` or ``1.2/kg`` (yuan). Conversion uses :class:`~decimal.Decimal`
so nothing is rounded: an input that does not land on a whole unit is refused
with :class:`UnitError` naming the input and the nearest valid form. Years
(vintages, emission years) must lie in the range the chaincode accepts.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from common import units as ledger_units
from common.units import KG_PER_UNIT, MAX_PRICE, UnitError

FEN_PER_YUAN = 100

_PRICE = re.compile(
    r"(?P<amount>\d[\d,_]*(?:\.\d+)?)\s*(?:yuan|cny|元)?\s*/\s*(?P<unit>kg|t)",
    re.IGNORECASE,
)


def parse_quantity(text: str) -> int:
    """Kilograms from ``"1000t"``, ``"2.5 t"``, ``"750kg"`` or ``"750"`` (a bare number is kg)."""
    return ledger_units.parse_quantity(text)


def format_quantity(kilograms: int) -> str:
    """``1500000`` → ``"1,500 t"``, ``750`` → ``"750 kg"``."""
    return ledger_units.format_quantity(kilograms)


def parse_year(text: str) -> int:
    """A vintage or emission year such as ``"2026"``, within the range the chaincode accepts."""
    value = str(text).strip()
    if not value.isdigit() or not ledger_units.MIN_YEAR <= int(value) <= ledger_units.MAX_YEAR:
        raise UnitError(f"{text!r} is not a year between {ledger_units.MIN_YEAR} and {ledger_units.MAX_YEAR}")
    return int(value)


def parse_price(text: str) -> int:
    """Whole fen per kilogram from ``"1200/t"``, ``"1,200 yuan/t"`` or ``"1.2/kg"`` (amounts in yuan)."""
    match = _PRICE.fullmatch(str(text).strip())
    if match is None:
        raise UnitError(f"price {text!r} is not an amount in yuan per unit, like 1200/t or 1.2/kg")
    try:
        yuan = Decimal(match["amount"].replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise UnitError(f"price {text!r} is not a number") from None
    unit = match["unit"].lower()
    fen_per_kg = yuan * FEN_PER_YUAN / KG_PER_UNIT[unit]
    if fen_per_kg != fen_per_kg.to_integral_value():
        raise UnitError(f"price {text!r} is {fen_per_kg.normalize():f} fen per kg; the ledger records whole fen "
                        f"per kg, so use a multiple of 10 yuan/t or of 0.01 yuan/kg")
    if fen_per_kg > MAX_PRICE:
        raise UnitError(f"price {text!r} exceeds the limit of {MAX_PRICE} fen per kg")
    return int(fen_per_kg)


def format_price(fen_per_kg: int) -> str:
    """``120`` → ``"1,200 yuan/t"`` (a whole number of fen per kg is always whole yuan per tonne)."""
    return f"{fen_per_kg * KG_PER_UNIT['t'] // FEN_PER_YUAN:,} yuan/t"


def format_amount(fen: int) -> str:
    """``123456`` → ``"1,234.56 yuan"``."""
    yuan, cents = divmod(fen, FEN_PER_YUAN)
    return f"{yuan:,}.{cents:02d} yuan"
