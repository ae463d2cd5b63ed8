"""Routes ``Contract:Function`` names to contract methods.

Every transaction takes zero or one argument: a JSON object whose keys are the
method's keyword parameters. The router checks the keys against the method's
signature, so a typo in a client is refused with a message instead of a
``TypeError`` deep in contract code.

Routes and signatures are resolved once, when the router is built: a call
looks its :class:`Route` up in a dict and checks the argument's keys against
precomputed sets, with no introspection per transaction.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from typing import Any, Callable

from common import canonical as serialization
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import ContractError, InvalidInput
from chaincode.runtime.stub import Stub

log = logging.getLogger(__name__)

STATUS_OK = 200
STATUS_REFUSED = 400  # a ContractError: the user's request was refused
STATUS_FAILED = 500  # a bug or an unexpected peer error

_TX_MARK = "__ecoledger_transaction__"


def transaction(method: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a contract method as callable; its name becomes CamelCase (``issue_lot`` → ``IssueLot``)."""
    setattr(method, _TX_MARK, True)
    return method


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


class Contract:
    """Base of all contracts; ``name`` is the part before the colon."""

    name: str = ""


@dataclass(frozen=True)
class Response:
    status: int
    payload: bytes = b""
    message: str = ""


@dataclass(frozen=True)
class Route:
    """A transaction function with its keyword parameters, resolved once from its signature."""

    function: str
    method: Callable[..., Any]
    names: tuple[str, ...]  # keyword parameters after ``ctx``, in declaration order
    accepted: frozenset[str]
    required: tuple[str, ...]  # those without a default

    @classmethod
    def of(cls, function: str, method: Callable[..., Any]) -> "Route":
        params = inspect.signature(method).parameters
        names = tuple(n for n in params if n != "ctx")
        required = tuple(n for n in names if params[n].default is inspect.Parameter.empty)
        return cls(function, method, names, frozenset(names), required)

    def arguments(self, args: list[bytes]) -> dict[str, Any]:
        """The keyword arguments of one call, checked against the signature."""
        function = self.function
        if len(args) > 1:
            raise InvalidInput(f"{function} takes one JSON object argument, got {len(args)} arguments")
        try:
            kwargs = serialization.loads(args[0]) if args and args[0] else {}
        except ValueError as err:
            raise InvalidInput(f"{function}: argument is not valid JSON ({err})") from None
        if not isinstance(kwargs, dict):
            raise InvalidInput(f"{function}: argument must be a JSON object")
        if not self.accepted.issuperset(kwargs):
            unknown = sorted(set(kwargs) - self.accepted)
            raise InvalidInput(f"{function}: unknown field(s) {', '.join(unknown)}; "
                               f"accepted: {', '.join(self.names)}")
        missing = [n for n in self.required if n not in kwargs]
        if missing:
            raise InvalidInput(f"{function}: missing field(s) {', '.join(missing)}")
        return kwargs


class Router:
    def __init__(self, contracts: list[Contract]) -> None:
        self._routes: dict[str, Route] = {}
        for contract in contracts:
            for attr in dir(contract):
                method = getattr(contract, attr)
                if callable(method) and getattr(method, _TX_MARK, False):
                    function = f"{contract.name}:{_camel(attr)}"
                    self._routes[function] = Route.of(function, method)
        self._functions = sorted(self._routes)

    @property
    def functions(self) -> list[str]:
        return list(self._functions)

    def route(self, function: str) -> Route | None:
        return self._routes.get(function)

    def invoke(self, stub: Stub, function: str, args: list[bytes]) -> Response:
        """Run one transaction; never raises."""
        try:
            route = self._routes.get(function)
            if route is None:
                raise InvalidInput(f"unknown function {function!r}; known: {', '.join(self._functions)}")
            kwargs = route.arguments(args)
            ctx = TxContext(stub)
            result = route.method(ctx, **kwargs)
            ctx.flush()
            return Response(STATUS_OK, payload=serialization.dumps(result))
        except ContractError as err:
            return Response(STATUS_REFUSED, message=err.message)
        except Exception as err:  # a bug: keep the traceback in the chaincode log
            log.exception("transaction %s failed", function)
            return Response(STATUS_FAILED, message=f"internal error in {function}: {err}")
