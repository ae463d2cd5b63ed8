"""Private prices: the value travels in the transient map, the ledger keeps a salted hash.

A price is an integer number of fen (0.01 CNY) per kilogram. The client sends
``price`` and ``salt`` as transient fields; the public record stores
``sha256(salt + price)`` in hex, the cleartext goes to a private data collection.
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping

from common import units
from chaincode.runtime.errors import InvalidInput

PRICE_FIELD = "price"
SALT_FIELD = "salt"
MIN_SALT_LENGTH = 16
MAX_SALT_LENGTH = 256
MAX_PRICE = units.MAX_PRICE


def price_hash(salt: str, price: int) -> str:
    return hashlib.sha256(f"{salt}{price}".encode("utf-8")).hexdigest()


def price_from_transient(transient: Mapping[str, bytes], function: str) -> tuple[int, str]:
    """The (price, salt) pair a client put in the transient map."""
    missing = [name for name in (PRICE_FIELD, SALT_FIELD) if name not in transient]
    if missing:
        raise InvalidInput(f"{function} needs the transient field(s) {', '.join(missing)}: the unit price "
                           f"(fen per kg) and a random salt stay off the public ledger")
    try:
        text = transient[PRICE_FIELD].decode("ascii").strip()
        salt = transient[SALT_FIELD].decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{function}: transient price must be ASCII digits and salt UTF-8 text") from None
    if not text.isdigit() or len(text) > 13 or int(text) > MAX_PRICE:
        raise InvalidInput(f"{function}: transient price must be a whole number of fen per kg "
                           f"between 0 and {MAX_PRICE}, got {text!r}")
    if not MIN_SALT_LENGTH <= len(salt) <= MAX_SALT_LENGTH:
        raise InvalidInput(f"{function}: transient salt must be {MIN_SALT_LENGTH} to {MAX_SALT_LENGTH} "
                           f"characters long, got {len(salt)}")
    return int(text), salt


def price_record(kind: str, object_id: str, price: int, salt: str, quantity: int) -> dict[str, Any]:
    """What the private collection stores for an offer or a trade."""
    return {
        "kind": kind,
        "id": object_id,
        "price": price,
        "salt": salt,
        "hash": price_hash(salt, price),
        "quantity": quantity,
        "amount": price * quantity,
    }
