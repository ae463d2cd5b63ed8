"""Input checks every contract uses; each refuses with :class:`InvalidInput` naming the field."""

from __future__ import annotations

from common import credit_code, units
from chaincode.runtime.errors import InvalidInput

MAX_TEXT = 500


def require_text(field: str, value: object, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string")
    if len(value) > limit:
        raise InvalidInput(f"{field} must be at most {limit} characters, got {len(value)}")
    return value


def require_id(field: str, value: object, prefix: str) -> str:
    if not isinstance(value, str) or not value.startswith(prefix + "-") or len(value) > 64:
        raise InvalidInput(f"{field} must be an id like {prefix}-0123456789ABCDEF, got {value!r}")
    return value


def require_quantity(field: str, value: object) -> int:
    """A positive integer number of kilograms (booleans and fractions refused)."""
    problem = units.quantity_problem(value)
    if problem is not None:
        raise InvalidInput(f"{field} {problem}")
    return value  # type: ignore[return-value]


def require_year(field: str, value: object) -> int:
    """A calendar year such as a vintage or an emission year."""
    if not units.is_year(value):
        raise InvalidInput(f"{field} must be a year between {units.MIN_YEAR} and {units.MAX_YEAR}, got {value!r}")
    return value  # type: ignore[return-value]


def require_credit_code(code: object, what: str = "entity") -> str:
    """``code`` when valid; otherwise :class:`InvalidInput` naming ``what`` and the reason."""
    reason = credit_code.problem(code)
    if reason is not None:
        raise InvalidInput(f"{what} {code!r} is not a valid unified social credit code: {reason}")
    return code  # type: ignore[return-value]


def require_choice(field: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise InvalidInput(f"{field} must be one of {', '.join(choices)}, got {value!r}")
    return value  # type: ignore[return-value]
