"""Fabric Gateway client: connect → get_network → get_contract → submit/evaluate."""

from ._client import Timeouts
from .blocks import BlockEvents, BlockEventsError
from .commit import Commit, CommitStatus
from .contract import Contract, SubmitResult
from .errors import (
    ChaincodeEventsError,
    CommitError,
    CommitStatusError,
    EndorseError,
    ErrorDetail,
    EvaluateError,
    GatewayError,
    SubmitError,
    WalletError,
)
from .events import ChaincodeEvent, ChaincodeEvents, Checkpoint
from .gateway import Gateway, connect
from .identity import Identity, Signer, Wallet, WalletEntry, sha256, signer_from_pem
from .network import ChainInfo, Network
from .proposal import Proposal
from .sync import SyncChaincodeEvents, SyncContract, SyncGateway, SyncNetwork
from .transaction import Transaction

__all__ = [
    "BlockEvents",
    "BlockEventsError",
    "ChainInfo",
    "ChaincodeEvent",
    "ChaincodeEvents",
    "ChaincodeEventsError",
    "Checkpoint",
    "Commit",
    "CommitError",
    "CommitStatus",
    "CommitStatusError",
    "Contract",
    "EndorseError",
    "ErrorDetail",
    "EvaluateError",
    "Gateway",
    "GatewayError",
    "Identity",
    "Network",
    "Proposal",
    "Signer",
    "SubmitError",
    "SubmitResult",
    "SyncChaincodeEvents",
    "SyncContract",
    "SyncGateway",
    "SyncNetwork",
    "Timeouts",
    "Transaction",
    "Wallet",
    "WalletEntry",
    "WalletError",
    "connect",
    "sha256",
    "signer_from_pem",
]
