"""A channel as seen through the gateway: its contracts, events and ledger info."""

from __future__ import annotations

from dataclasses import dataclass

from fabric_protos.common import ledger_pb2
from google.protobuf.message import DecodeError

from ._client import Session
from .contract import Contract
from .errors import GatewayError
from .events import ChaincodeEvents, Checkpoint, build_events_request

QSCC = "qscc"


@dataclass(frozen=True)
class ChainInfo:
    """Ledger height and the hashes of the newest two blocks."""

    height: int
    current_block_hash: bytes
    previous_block_hash: bytes


class Network:
    """One channel; hands out contracts and event streams bound to it."""

    def __init__(self, session: Session, name: str) -> None:
        self._session = session
        self.name = name

    def get_contract(self, chaincode_name: str, contract_name: str | None = None) -> Contract:
        """A contract; with ``contract_name`` functions are called as ``Name:function``."""
        return Contract(self._session, self.name, chaincode_name, contract_name)

    def chaincode_events(
        self,
        chaincode_name: str,
        start_block: int | None = None,
        *,
        checkpoint: Checkpoint | None = None,
    ) -> ChaincodeEvents:
        """Events from ``start_block`` (default: the next commit), or after ``checkpoint``."""
        after_tx_id = ""
        if checkpoint is not None:
            start_block, after_tx_id = checkpoint.block_number, checkpoint.tx_id
        request = build_events_request(
            creator=self._session.creator,
            channel_name=self.name,
            chaincode_name=chaincode_name,
            start_block=start_block,
            after_tx_id=after_tx_id,
        )
        return ChaincodeEvents(self._session, request)

    async def query_chain_info(self) -> ChainInfo:
        """Height and current block hash, from the ``qscc`` system chaincode."""
        raw = await self.get_contract(QSCC).evaluate_raw(
            "GetChainInfo", [self.name.encode("utf-8")]
        )
        try:
            info = ledger_pb2.BlockchainInfo.FromString(raw)
        except DecodeError as exc:
            raise GatewayError(f"qscc returned malformed chain info: {exc}") from exc
        return ChainInfo(
            height=info.height,
            current_block_hash=info.currentBlockHash,
            previous_block_hash=info.previousBlockHash,
        )
