"""A chaincode (optionally one named contract in it) on a channel.

``evaluate`` and ``submit`` are conveniences over the step-by-step flow:
``new_proposal`` → ``Proposal.endorse`` → ``Transaction.submit`` →
``Commit.status``. Arguments travel as one canonical JSON document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ._client import Session
from .errors import CommitError, GatewayError
from .proposal import Proposal, build_proposed_transaction


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON (sorted keys, compact), so every endorser sees the same bytes."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def encode_args(args: Mapping[str, Any] | None) -> list[bytes]:
    """The chaincode arguments: one JSON document, or none at all."""
    return [] if args is None else [canonical_json(args)]


def encode_transient(transient: Mapping[str, Any] | None) -> dict[str, bytes]:
    """Transient values: bytes as given, anything else as canonical JSON."""
    return {
        key: value if isinstance(value, bytes) else canonical_json(value)
        for key, value in (transient or {}).items()
    }


def decode_result(payload: bytes, *, function: str, tx_id: str | None = None) -> Any:
    """A chaincode result parsed from JSON; an empty payload is ``None``."""
    if not payload:
        return None
    try:
        return json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GatewayError(f"result of {function} is not JSON: {exc}", tx_id=tx_id) from exc


@dataclass(frozen=True)
class SubmitResult:
    """A committed transaction: the chaincode's result, its id and block."""

    result: Any
    tx_id: str
    block_number: int


class Contract:
    """Invokes transaction functions of one chaincode on one channel."""

    def __init__(
        self,
        session: Session,
        channel_name: str,
        chaincode_name: str,
        contract_name: str | None = None,
    ) -> None:
        self._session = session
        self.channel_name = channel_name
        self.chaincode_name = chaincode_name
        self.contract_name = contract_name

    def qualified_name(self, function: str) -> str:
        """``Contract:function`` when this contract is named, else ``function``."""
        return f"{self.contract_name}:{function}" if self.contract_name else function

    def new_proposal(
        self,
        function: str,
        args: Mapping[str, Any] | None = None,
        *,
        raw_args: Sequence[bytes] | None = None,
        transient: Mapping[str, Any] | None = None,
        endorsing_organizations: Sequence[str] = (),
    ) -> Proposal:
        """An unsigned proposal; pass JSON ``args`` or ``raw_args``, not both."""
        if args is not None and raw_args is not None:
            raise ValueError("pass either args or raw_args, not both")
        proposed = build_proposed_transaction(
            creator=self._session.creator,
            channel_name=self.channel_name,
            chaincode_name=self.chaincode_name,
            function=self.qualified_name(function),
            args=list(raw_args) if raw_args is not None else encode_args(args),
            transient=encode_transient(transient),
            endorsing_organizations=endorsing_organizations,
        )
        return Proposal(self._session, self.channel_name, proposed)

    async def evaluate_raw(
        self,
        function: str,
        raw_args: Sequence[bytes] = (),
        *,
        transient: Mapping[str, Any] | None = None,
        endorsing_organizations: Sequence[str] = (),
    ) -> bytes:
        """Query with byte arguments (system chaincodes); returns the raw result."""
        proposal = self.new_proposal(
            function,
            raw_args=raw_args,
            transient=transient,
            endorsing_organizations=endorsing_organizations,
        )
        return await proposal.evaluate()

    async def evaluate(
        self,
        function: str,
        args: Mapping[str, Any] | None = None,
        *,
        transient: Mapping[str, Any] | None = None,
        endorsing_organizations: Sequence[str] = (),
    ) -> Any:
        """Query without touching the ledger; ``new_proposal`` → ``evaluate``, JSON-decoded."""
        proposal = self.new_proposal(
            function,
            args,
            transient=transient,
            endorsing_organizations=endorsing_organizations,
        )
        payload = await proposal.evaluate()
        return decode_result(payload, function=function, tx_id=proposal.tx_id)

    async def submit(
        self,
        function: str,
        args: Mapping[str, Any] | None = None,
        *,
        transient: Mapping[str, Any] | None = None,
        endorsing_organizations: Sequence[str] = (),
    ) -> SubmitResult:
        """Update the ledger and wait for the commit.

        ``new_proposal`` → ``endorse`` → ``submit`` → ``status``; raises
        ``CommitError`` when the transaction is validated as invalid. The
        result is decoded before ordering, so a malformed result never
        reaches the ledger.
        """
        proposal = self.new_proposal(
            function,
            args,
            transient=transient,
            endorsing_organizations=endorsing_organizations,
        )
        transaction = await proposal.endorse()
        result = decode_result(transaction.result, function=function, tx_id=transaction.tx_id)
        commit = await transaction.submit()
        status = await commit.status()
        if not status.successful:
            raise CommitError(status.tx_id, status.code, status.block_number)
        return SubmitResult(result=result, tx_id=status.tx_id, block_number=status.block_number)
