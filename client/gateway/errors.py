"""Errors raised by the gateway client, typed by the stage that failed.

::

    Exception
     ├── WalletError              identity missing, incomplete or unreadable
     └── GatewayError             any gateway failure; .code, .details, .tx_id
          ├── EvaluateError       Evaluate (a query) was refused
          ├── EndorseError        Endorse: not enough endorsements
          ├── SubmitError         Submit: the orderers did not accept it
          ├── CommitStatusError   CommitStatus: the outcome is unknown
          ├── ChaincodeEventsError  the event stream failed
          └── CommitError         committed, but validated as invalid;
                                  .validation_code, .is_mvcc_conflict

Every error that came back over gRPC carries the per-peer ``ErrorDetail``
list. The gateway reports a chaincode refusal (any error status except 500)
as ``chaincode response 400, <message>``; ``chaincode_message`` returns just
``<message>`` so a CLI can print "lot L-7 is frozen". A chaincode status 500
is treated by the gateway as a peer failure: its raw message is in the
details and ``chaincode_message`` is ``None``.

``translate_rpc_error`` is the only place that turns ``grpc.RpcError`` into
these types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import grpc
from fabric_protos.peer import transaction_pb2

from ._status import details_from_metadata

_CHAINCODE_RESPONSE = re.compile(r"chaincode response (\d{3}), (.*)", re.DOTALL)
_READ_CONFLICTS = frozenset({"MVCC_READ_CONFLICT", "PHANTOM_READ_CONFLICT"})


class WalletError(Exception):
    """An identity could not be found or loaded from the wallet."""


@dataclass(frozen=True)
class ErrorDetail:
    """What one peer or orderer said about a failed request."""

    address: str
    msp_id: str
    message: str


class GatewayError(Exception):
    """A request to the Fabric Gateway failed."""

    stage = "gateway request"

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode | None = None,
        details: Sequence[ErrorDetail] = (),
        tx_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = list(details)
        self.tx_id = tx_id

    def _chaincode_match(self) -> re.Match[str] | None:
        for text in [d.message for d in self.details] + [self.message]:
            match = _CHAINCODE_RESPONSE.search(text)
            if match:
                return match
        return None

    @property
    def chaincode_status(self) -> int | None:
        """The status the chaincode returned (e.g. 400), if it refused."""
        match = self._chaincode_match()
        return int(match.group(1)) if match else None

    @property
    def chaincode_message(self) -> str | None:
        """The chaincode's own refusal message, without peer decoration."""
        match = self._chaincode_match()
        return match.group(2).strip() if match else None

    def __str__(self) -> str:
        chaincode_message = self.chaincode_message
        if chaincode_message is not None:
            context = [f"chaincode status {self.chaincode_status}"]
            context += [f"tx {self.tx_id}"] if self.tx_id else []
            return f"{self.stage} failed: {chaincode_message} ({', '.join(context)})"
        head = f"{self.code.name}: {self.message}" if self.code else self.message
        suffix = f" (tx {self.tx_id})" if self.tx_id else ""
        lines = [f"{self.stage} failed: {head}{suffix}"]
        lines += [f"  - {d.address} ({d.msp_id}): {d.message}" for d in self.details]
        return "\n".join(lines)


class EvaluateError(GatewayError):
    """Evaluating a transaction (a read-only query) failed."""

    stage = "evaluate"


class EndorseError(GatewayError):
    """The proposal was not endorsed; nothing was sent to the orderers."""

    stage = "endorse"


class SubmitError(GatewayError):
    """The endorsed transaction was not accepted for ordering."""

    stage = "submit"


class CommitStatusError(GatewayError):
    """The commit outcome could not be obtained; the transaction may still commit."""

    stage = "commit status"


class ChaincodeEventsError(GatewayError):
    """The chaincode event stream could not be opened or broke."""

    stage = "chaincode events"


class CommitError(GatewayError):
    """The transaction reached a block but was validated as invalid."""

    stage = "commit"

    def __init__(self, tx_id: str, validation_code: int, block_number: int | None = None) -> None:
        self.validation_code = validation_code
        self.block_number = block_number
        super().__init__(
            f"transaction {tx_id} was validated as invalid: {self.validation_code_name}",
            tx_id=tx_id,
        )

    @property
    def validation_code_name(self) -> str:
        """The ``TxValidationCode`` name, e.g. ``MVCC_READ_CONFLICT``."""
        try:
            return transaction_pb2.TxValidationCode.Name(self.validation_code)
        except ValueError:
            return f"UNKNOWN({self.validation_code})"

    @property
    def is_mvcc_conflict(self) -> bool:
        """True for read conflicts: a fresh proposal of the same call may succeed."""
        return self.validation_code_name in _READ_CONFLICTS

    def __str__(self) -> str:
        return f"commit failed: {self.message}"


def translate_rpc_error(
    error: grpc.RpcError,
    error_type: type[GatewayError] = GatewayError,
    tx_id: str | None = None,
) -> GatewayError:
    """Turn a gRPC failure into ``error_type`` with the peers' details decoded."""
    code = error.code() if callable(getattr(error, "code", None)) else None
    message = error.details() if callable(getattr(error, "details", None)) else None
    trailing = (
        error.trailing_metadata()
        if callable(getattr(error, "trailing_metadata", None))
        else None
    )
    details = [
        ErrorDetail(address=d.address, msp_id=d.msp_id, message=d.message)
        for d in details_from_metadata(trailing)
    ]
    return error_type(
        message or str(error) or "no message",
        code=code,
        details=details,
        tx_id=tx_id,
    )
