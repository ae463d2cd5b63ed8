"""The parameter catalogue: every rule number and list the consortium may change, declared by its domain.

Each domain declares its parameters (name, type, default, validator,
description) in its own ``parameters`` module at import. The values live on
the ledger under the ``param`` namespace; a parameter the consortium never set
reads as its default. Setting an unknown name, or a value of the wrong type,
is refused with a message naming the parameter and the expected type, so
nothing silently becomes empty.

A domain may also declare a *constraint* over several of its parameters
(:func:`constrain`, e.g. a minimum no larger than its maximum), checked on the
values the ledger would hold after a change.

Values reach the ledger only through :func:`apply`, and only two callers use
it: ``Registry:Bootstrap`` (the consortium file's initial values, once) and
the governance domain when it closes an adopted proposal. There is no
transaction that writes a parameter otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from chaincode.runtime import keys
from common import canonical
from chaincode.runtime.errors import InvalidInput

PARAMS = keys.namespace("param", "name", owner="runtime.parameters", description="parameter name → JSON value")

Validator = Callable[[Any], "str | None"]  # the problem with a value, or None


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # what people read: "list of pollutant codes"
    default: Any
    validate: Validator
    description: str
    domain: str

    def problem(self, value: Any) -> str | None:
        return self.validate(value)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "default": self.default, "description": self.description,
                "domain": self.domain}


_CATALOGUE: dict[str, Parameter] = {}


def declare(name: str, *, type: str, default: Any, validate: Validator, description: str,
            domain: str) -> Parameter:
    if name in _CATALOGUE:
        raise ValueError(f"parameter {name} is declared twice ({_CATALOGUE[name].domain} and {domain})")
    parameter = Parameter(name, type, default, validate, description, domain)
    problem = parameter.problem(default)
    if problem is not None:
        raise ValueError(f"the default of parameter {name} is invalid: {problem}")
    _CATALOGUE[name] = parameter
    return parameter


def catalogue() -> list[Parameter]:
    return [_CATALOGUE[name] for name in sorted(_CATALOGUE)]


def lookup(name: Any) -> Parameter:
    parameter = _CATALOGUE.get(name) if isinstance(name, str) else None
    if parameter is None:
        raise InvalidInput(f"unknown parameter {name!r}; known parameters: {', '.join(sorted(_CATALOGUE))}")
    return parameter


def check(name: Any, value: Any) -> Parameter:
    """The parameter, when ``value`` suits it; :class:`InvalidInput` naming it and its type otherwise."""
    parameter = lookup(name)
    problem = parameter.problem(value)
    if problem is not None:
        raise InvalidInput(f"parameter {name} expects {parameter.type}: {problem}")
    return parameter


def read(get_json: Callable[[str], Any], name: str) -> Any:
    """The ledger value of a declared parameter, or its default."""
    parameter = lookup(name)
    value = get_json(PARAMS.key(name))
    return parameter.default if value is None else value


Constraint = Callable[[Callable[[str], Any]], "str | None"]  # the problem with the values, or None


@dataclass(frozen=True)
class Rule:
    """A constraint over several parameters of one domain."""

    names: tuple[str, ...]
    check: Constraint
    description: str
    domain: str


_CONSTRAINTS: list[Rule] = []


def constrain(names: tuple[str, ...], check: Constraint, *, description: str, domain: str) -> Rule:
    """Declare a constraint over declared parameters ``names``: ``check(value_of)`` names a problem or ``None``."""
    for name in names:
        if name not in _CATALOGUE:
            raise ValueError(f"constraint of {domain} names undeclared parameter {name}")
    rule = Rule(tuple(names), check, description, domain)
    problem = check(lambda name: _CATALOGUE[name].default)
    if problem is not None:
        raise ValueError(f"the defaults break the constraint of {domain} ({description}): {problem}")
    _CONSTRAINTS.append(rule)
    return rule


def problems(get_json: Callable[[str], Any], changes: dict[str, Any]) -> list[str]:
    """Why ``changes`` (name → value) could not be applied to the ledger ``get_json`` reads; empty when they can.

    Each value is checked by its parameter's validator, then every constraint touching a changed
    parameter is checked on the current values with the changes laid over them."""
    found: list[str] = []
    for name in sorted(changes):
        try:
            check(name, changes[name])
        except InvalidInput as err:
            found.append(err.message)
    if found:
        return found

    def value_of(name: str) -> Any:
        return changes[name] if name in changes else read(get_json, name)

    for rule in _CONSTRAINTS:
        if set(rule.names) & set(changes):
            problem = rule.check(value_of)
            if problem is not None:
                found.append(f"{', '.join(rule.names)}: {problem} ({rule.description})")
    return found


def apply(get_json: Callable[[str], Any], put_json: Callable[[str, Any], None],
          changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Write ``changes`` after checking them all; returns name → ``{old, new}`` of the values that changed.

    Refuses (:class:`InvalidInput`, nothing written) when any value or constraint fails."""
    found = problems(get_json, changes)
    if found:
        raise InvalidInput("; ".join(found))
    changed: dict[str, dict[str, Any]] = {}
    for name in sorted(changes):
        old = get_json(PARAMS.key(name))
        if old is not None and canonical.dumps(old) == canonical.dumps(changes[name]):
            continue
        put_json(PARAMS.key(name), changes[name])
        changed[name] = {"old": old, "new": changes[name]}
    return changed


# -- validators ------------------------------------------------------------------------------


def string_list(item_pattern: Callable[[str], bool] = lambda item: bool(item.strip()),
                item_kind: str = "non-empty string", unique: bool = True) -> Validator:
    def validate(value: Any) -> str | None:
        if not isinstance(value, list):
            return f"got {_kind(value)}"
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item_pattern(item):
                return f"item {index} must be a {item_kind}, got {item!r}"
        if unique and len(set(value)) != len(value):
            return "items must not repeat"
        return None
    return validate


def string_map(key_kind: str = "region code", value_kind: str = "name") -> Validator:
    def validate(value: Any) -> str | None:
        if not isinstance(value, dict):
            return f"got {_kind(value)}"
        for key, item in value.items():
            if not isinstance(item, str) or not item.strip():
                return f"the {value_kind} of {key_kind} {key!r} must be a non-empty string, got {item!r}"
        return None
    return validate


def integer(minimum: int, maximum: int) -> Validator:
    def validate(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"got {_kind(value)}"
        if not minimum <= value <= maximum:
            return f"must lie between {minimum} and {maximum}, got {value}"
        return None
    return validate


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a fraction", str: "a string", list: "a list",
             dict: "an object", type(None): "null"}
    return f"{names.get(type(value), type(value).__name__)} ({value!r})"[:120]
