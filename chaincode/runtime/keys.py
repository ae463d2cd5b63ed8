"""One scheme for every key on the ledger: Fabric composite keys, one registry of namespaces.

A key is ``\\x00`` + namespace + ``\\x00`` + each attribute + ``\\x00`` — the
layout of Fabric's ``CreateCompositeKey`` — so a range over a partial key
(:meth:`Namespace.span`) returns exactly the records whose leading attributes
match, in attribute order. Namespaces are declared once, at import, in the
domain's ``store`` module next to the record they hold; declaring a name twice
fails at start-up, so two domains can never write into each other's keys.

Records and their indexes are declared together (:class:`RecordKind`): saving
a record writes its index entries and removes the entries its previous
version had, so an index can never drift from the records it indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

SEPARATOR = "\x00"
MAX_RUNE = "\U0010ffff"  # above every valid key character: the end of a partial-key range

_NAMESPACES: dict[str, "Namespace"] = {}


class KeyError_(ValueError):
    """An attribute that cannot be part of a key (empty namespace, separator inside, ...)."""


@dataclass(frozen=True)
class Namespace:
    """A kind of key: ``name`` and the attributes that follow it, in order."""

    name: str
    fields: tuple[str, ...]
    owner: str
    description: str = ""

    def key(self, *values: Any) -> str:
        if len(values) != len(self.fields):
            raise KeyError_(f"namespace {self.name} takes {len(self.fields)} attributes "
                            f"({', '.join(self.fields)}), got {len(values)}")
        return self.prefix(*values)

    def prefix(self, *values: Any) -> str:
        """The partial key of the first ``len(values)`` attributes."""
        if len(values) > len(self.fields):
            raise KeyError_(f"namespace {self.name} has only {len(self.fields)} attributes")
        parts = [self.name, *(_attribute(value) for value in values)]
        return SEPARATOR + "".join(part + SEPARATOR for part in parts)

    def span(self, *values: Any) -> tuple[str, str]:
        """``(start, end)`` of the range holding every key that begins with these attributes."""
        start = self.prefix(*values)
        return start, start + MAX_RUNE

    def split(self, key: str) -> tuple[str, ...]:
        """The attributes of a key of this namespace."""
        parts = key.split(SEPARATOR)
        if len(parts) < 3 or parts[0] != "" or parts[1] != self.name or parts[-1] != "":
            raise KeyError_(f"{key!r} is not a key of namespace {self.name}")
        return tuple(parts[2:-1])


def _attribute(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise KeyError_(f"key attributes are strings or integers, got {value!r}")
    text = f"{value:010d}" if isinstance(value, int) else value
    if not text or SEPARATOR in text or MAX_RUNE in text:
        raise KeyError_(f"key attribute {value!r} is empty or contains a reserved character")
    return text


def namespace(name: str, *fields: str, owner: str, description: str = "") -> Namespace:
    """Declare a namespace; a second declaration of the same name (by anyone) is refused."""
    if not name or SEPARATOR in name or not fields:
        raise KeyError_(f"namespace {name!r} needs a name and at least one attribute")
    if name in _NAMESPACES:
        raise KeyError_(f"namespace {name!r} is declared by {_NAMESPACES[name].owner}; "
                        f"{owner} must choose another name")
    declared = Namespace(name, tuple(fields), owner, description)
    _NAMESPACES[name] = declared
    return declared


def namespaces() -> list[Namespace]:
    """Every declared namespace, by name."""
    return [_NAMESPACES[name] for name in sorted(_NAMESPACES)]


Attributes = tuple[Any, ...]


@dataclass(frozen=True)
class Index:
    """Index entries of a record: ``entries(record)`` gives the attribute tuples (before the record id)."""

    namespace: Namespace
    entries: Callable[[dict[str, Any]], Iterable[Attributes]]

    def keys(self, record: dict[str, Any], record_id: str) -> set[str]:
        return {self.namespace.key(*attributes, record_id) for attributes in self.entries(record)}


@dataclass(frozen=True)
class RecordKind:
    """A record type: its primary namespace (one attribute: the id) and its indexes."""

    namespace: Namespace
    what: str  # how errors name it: "lot", "offer"
    indexes: tuple[Index, ...] = field(default=())
    id_field: str = "id"

    def key(self, record_id: str) -> str:
        return self.namespace.key(record_id)

    def index_keys(self, record: dict[str, Any]) -> set[str]:
        record_id = record[self.id_field]
        return set().union(*(index.keys(record, record_id) for index in self.indexes)) if self.indexes else set()
