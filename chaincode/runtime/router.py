"""Routes ``Contract:Function`` names to contract methods.

Every transaction takes zero or one argument: a JSON object whose keys are the
method's keyword parameters. The router checks the keys against the method's
signature, so a typo in a client is refused with a message instead of a
``TypeError`` deep in contract code.
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


class Router:
    def __init__(self, contracts: list[Contract]) -> None:
        self._routes: dict[str, Callable[..., Any]] = {}
        for contract in contracts:
            for attr in dir(contract):
                method = getattr(contract, attr)
                if callable(method) and getattr(method, _TX_MARK, False):
                    self._routes[f"{contract.name}:{_camel(attr)}"] = method

    @property
    def functions(self) -> list[str]:
        return sorted(self._routes)

    def invoke(self, stub: Stub, function: str, args: list[bytes]) -> Response:
        """Run one transaction; never raises."""
        try:
            method = self._routes.get(function)
            if method is None:
                raise InvalidInput(f"unknown function {function!r}; known: {', '.join(self.functions)}")
            kwargs = _parse_arguments(function, method, args)
            ctx = TxContext(stub)
            result = method(ctx, **kwargs)
            ctx.flush()
            return Response(STATUS_OK, payload=serialization.dumps(result))
        except ContractError as err:
            return Response(STATUS_REFUSED, message=err.message)
        except Exception as err:  # a bug: keep the traceback in the chaincode log
            log.exception("transaction %s failed", function)
            return Response(STATUS_FAILED, message=f"internal error in {function}: {err}")


def _parse_arguments(function: str, method: Callable[..., Any], args: list[bytes]) -> dict[str, Any]:
    if len(args) > 1:
        raise InvalidInput(f"{function} takes one JSON object argument, got {len(args)} arguments")
    try:
        kwargs = serialization.loads(args[0]) if args and args[0] else {}
    except ValueError as err:
        raise InvalidInput(f"{function}: argument is not valid JSON ({err})") from None
    if not isinstance(kwargs, dict):
        raise InvalidInput(f"{function}: argument must be a JSON object")
    params = inspect.signature(method).parameters
    names = [n for n in params if n != "ctx"]
    unknown = sorted(set(kwargs) - set(names))
    if unknown:
        raise InvalidInput(f"{function}: unknown field(s) {', '.join(unknown)}; accepted: {', '.join(names)}")
    missing = [n for n in names if n not in kwargs and params[n].default is inspect.Parameter.empty]
    if missing:
        raise InvalidInput(f"{function}: missing field(s) {', '.join(missing)}")
    return kwargs


