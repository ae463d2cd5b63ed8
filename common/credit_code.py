"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

Layout of the 18 characters::

    9  1  110000  MA01ABCDE  X
    |  |  |       |          └ check character (position 18)
    |  |  |       └ organization code, 9 characters (positions 9-17)
    |  |  └ administrative division code, 6 digits (positions 3-8)
    |  └ organization category (position 2)
    └ registration authority (position 1)

Characters come from a 31-symbol alphabet (digits and capitals without I, O,
S, V, Z). The check character is ``31 - (Σ value(c_i) × 3^i mod 31) mod 31``
over the first 17 characters, with 31 written as ``0``.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, ...
LENGTH = 18

_VALUE = {char: index for index, char in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    """The check character that completes the first 17 characters of a code."""
    if len(first17) != LENGTH - 1 or any(char not in _VALUE for char in first17):
        raise ValueError(f"need 17 characters from {ALPHABET}, got {first17!r}")
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def complete(first17: str) -> str:
    """The full code for 17 given characters (handy for fixtures and tools)."""
    return first17 + check_character(first17)


def problem(code: object) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or ``None`` when it is."""
    if not isinstance(code, str):
        return "it must be a string"
    if len(code) != LENGTH:
        return f"it has {len(code)} characters instead of {LENGTH}"
    for position, char in enumerate(code, start=1):
        if char not in _VALUE:
            return f"character {position} ({char!r}) is not one of {ALPHABET}"
    if not code[2:8].isdigit():
        return f"characters 3-8 ({code[2:8]}) must be an administrative division code (6 digits)"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"the check character is {code[17]!r} but should be {expected!r}"
    return None


def is_valid(code: object) -> bool:
    return problem(code) is None
