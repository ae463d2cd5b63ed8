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

When organizations cannot endorse (their peers are down or unknown to the
gateway), :meth:`EndorseError.explain` says which ones and why, in a line
instead of gRPC dial messages, and, given the :class:`EndorsementPolicy` the
caller knows from its consortium, what the policy needs.

``translate_rpc_error`` is the only place that turns ``grpc.RpcError`` into
these types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import grpc
from fabric_protos.peer import transaction_pb2

from ._status import details_from_metadata

_CHAINCODE_RESPONSE = re.compile(r"chaincode response (\d{3}), (.*)", re.DOTALL)
_READ_CONFLICTS = frozenset({"MVCC_READ_CONFLICT", "PHANTOM_READ_CONFLICT"})

# What the Fabric gateway says when it cannot gather endorsements from enough organizations.
_ORGS_WITHOUT_PEERS = re.compile(r"failed to find any endorsing peers for org\(s\): ([^\n]+)")
_PEERS_UNAVAILABLE = re.compile(r"due to unavailability of peers: \[([^\]]*)\]")
_NO_LAYOUT = "no combination of peers can be derived which satisfy the endorsement policy"
_PAYLOAD_MISMATCH = "ProposalResponsePayloads do not match"
_GRPC_PREFIX = re.compile(r"^rpc error: code = \w+ desc = ")
# Substrings of a peer's failure (lower case) and the short reason shown for them, first match wins.
_REASONS = (
    ("connection refused", "connection refused"),
    ("no route to host", "no route to host"),
    ("connection reset", "connection reset"),
    ("deadline exceeded", "timed out"),
    ("i/o timeout", "timed out"),
    ("chaincode stream terminated", "its chaincode stopped"),
    ("authentication handshake failed", "TLS handshake failed"),
)
_MAX_REASON = 120


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


@dataclass(frozen=True)
class EndorsementPolicy:
    """A chaincode endorsement policy as the client knows it: a majority of the channel's organizations."""

    organizations: int

    @property
    def required(self) -> int:
        return self.organizations // 2 + 1

    def __str__(self) -> str:
        return f"a majority of the channel's {self.organizations} organizations ({self.required})"


def peer_failure_reason(message: str) -> str:
    """``connection refused`` for a peer's long gRPC dial error; otherwise its message without gRPC decoration."""
    lowered = message.lower()
    for needle, reason in _REASONS:
        if needle in lowered:
            return reason
    text = _GRPC_PREFIX.sub("", message.strip()).splitlines()[0] if message.strip() else "no reason given"
    return text if len(text) <= _MAX_REASON else text[:_MAX_REASON - 1] + "…"


class EndorseError(GatewayError):
    """The proposal was not endorsed; nothing was sent to the orderers."""

    stage = "endorse"

    def unavailable_organizations(self, peer_orgs: Mapping[str, str] | None = None) -> dict[str, list[str]]:
        """MSP id -> ``address: reason`` of each organization whose peers could not endorse.

        Refusals by the chaincode and disagreeing results are not unavailability
        and are left out. ``peer_orgs`` (peer address -> MSP id) names the
        organizations of peers the gateway lists only by address.
        """
        found: dict[str, list[str]] = {}
        for detail in self.details:
            if _CHAINCODE_RESPONSE.search(detail.message) or _PAYLOAD_MISMATCH in detail.message:
                continue
            found.setdefault(detail.msp_id or "unknown organization", []).append(
                f"{detail.address}: {peer_failure_reason(detail.message)}")
        named = _ORGS_WITHOUT_PEERS.search(self.message)
        if named:
            for msp_id in (part.strip() for part in named.group(1).split(",")):
                if msp_id:
                    found.setdefault(msp_id, []).append("no reachable peer known to the gateway")
        listed = _PEERS_UNAVAILABLE.search(self.message)
        if listed and peer_orgs:
            for address in listed.group(1).split():
                if address in peer_orgs:
                    found.setdefault(peer_orgs[address], []).append(f"{address}: unavailable")
        return found

    def explain(self, policy: EndorsementPolicy | None = None,
                peer_orgs: Mapping[str, str] | None = None,
                also_down: Mapping[str, list[str]] | None = None) -> str | None:
        """One line when organizations could not endorse, or ``None`` when the failure is something else.

        ``endorsement failed: organizations TJMSP, HBMSP could not endorse
        (127.0.0.1:17030: connection refused; ...); the chaincode's endorsement
        policy needs a majority of the channel's 4 organizations (3)``.

        The Gateway reports the peers it tried; ``also_down`` adds organizations
        found unreachable by asking each one directly (see
        :func:`client.session.unreachable_organizations`).
        """
        if self.chaincode_message is not None:
            return None
        organizations = self.unavailable_organizations(peer_orgs)
        if also_down:
            for msp_id, reasons in also_down.items():
                organizations.setdefault(msp_id, list(reasons))
        listed = _PEERS_UNAVAILABLE.search(self.message)
        if organizations:
            noun = "organization" if len(organizations) == 1 else "organizations"
            reasons = "; ".join(reason for found in organizations.values() for reason in found)
            text = f"{noun} {', '.join(organizations)} could not endorse ({reasons})"
        elif listed:
            peers = ", ".join(listed.group(1).split()) or "none named"
            text = f"no set of reachable peers satisfies the endorsement policy (unavailable: {peers})"
        elif _NO_LAYOUT in self.message:
            text = "no set of the peers the gateway knows satisfies the endorsement policy"
        else:
            return None
        if policy is not None:
            text += f"; the chaincode's endorsement policy needs {policy}"
        return f"endorsement failed: {text}"

    def __str__(self) -> str:
        return self.explain() or super().__str__()


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
