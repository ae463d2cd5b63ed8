"""Entry point: a gateway connection for one identity over a caller-owned channel.

Flow: ``connect(...)`` → ``Gateway(channel, identity, signer)`` →
``get_network(channel_name)`` → ``get_contract(chaincode)`` →
``submit`` / ``evaluate``. One ``grpc.aio`` channel carries any number of
concurrent transactions; the gateway never closes it.
"""

from __future__ import annotations

from typing import Any, Sequence

import grpc
from fabric_protos.gateway import gateway_pb2

from ._client import GatewayClient, Session, Timeouts
from .blocks import BlockEvents
from .commit import Commit
from .identity import Identity, Signer
from .network import Network
from .proposal import Proposal, channel_of_proposal
from .transaction import Transaction


def connect(
    endpoint: str,
    tls_root_cert_pem: bytes,
    server_name_override: str | None = None,
    *,
    client_cert_pem: bytes | None = None,
    client_key_pem: bytes | None = None,
    options: Sequence[tuple[str, Any]] = (),
) -> grpc.aio.Channel:
    """A TLS ``grpc.aio`` channel to a peer's gateway; the caller closes it.

    Create it inside the event loop that will use it. ``server_name_override``
    sets the TLS host name checked against the peer's certificate, for when the
    address (e.g. 127.0.0.1) is not in it. The client certificate and key are
    only needed when the peer requires mutual TLS.
    """
    credentials = grpc.ssl_channel_credentials(
        root_certificates=tls_root_cert_pem,
        private_key=client_key_pem,
        certificate_chain=client_cert_pem,
    )
    channel_options = list(options)
    if server_name_override:
        channel_options += [
            ("grpc.ssl_target_name_override", server_name_override),
            ("grpc.default_authority", server_name_override),
        ]
    return grpc.aio.secure_channel(endpoint, credentials, options=channel_options)


class Gateway:
    """Signs and sends requests as ``identity`` through a channel it does not own.

    With ``signer=None`` nothing is signed here: set each message's signature
    over its ``digest()`` (an HSM, a key kept elsewhere), or rebuild a signed
    message from bytes with the ``new_signed_*`` methods.
    """

    def __init__(
        self,
        channel: grpc.aio.Channel,
        identity: Identity,
        signer: Signer | None,
        *,
        timeouts: Timeouts = Timeouts(),
    ) -> None:
        self.identity = identity
        self._channel = channel
        self._session = Session(
            client=GatewayClient(channel, timeouts),
            creator=identity.serialized(),
            signer=signer,
        )

    def get_network(self, channel_name: str) -> Network:
        return Network(self._session, channel_name)

    def block_events(self, channel_name: str, start_block: int = 0,
                     stop_block: int | None = None) -> BlockEvents:
        """Whole blocks of ``channel_name`` from the peer's Deliver service (see ``blocks``)."""
        return BlockEvents(self._session, self._channel, channel_name, start_block, stop_block)

    def new_signed_proposal(self, proposal_bytes: bytes, signature: bytes) -> Proposal:
        """A proposal from ``Proposal.to_bytes()`` with an offline signature."""
        proposed = gateway_pb2.ProposedTransaction.FromString(proposal_bytes)
        channel_name = channel_of_proposal(proposed.proposal.proposal_bytes)
        proposal = Proposal(self._session, channel_name, proposed)
        proposal.set_signature(signature)
        return proposal

    def new_signed_transaction(self, transaction_bytes: bytes, signature: bytes) -> Transaction:
        """A transaction from ``Transaction.to_bytes()`` with an offline signature."""
        prepared = gateway_pb2.PreparedTransaction.FromString(transaction_bytes)
        transaction = Transaction(self._session, prepared)
        transaction.set_signature(signature)
        return transaction

    def new_signed_commit(self, commit_bytes: bytes, signature: bytes) -> Commit:
        """A commit-status request from ``Commit.to_bytes()`` with an offline signature."""
        signed = gateway_pb2.SignedCommitStatusRequest.FromString(commit_bytes)
        request = gateway_pb2.CommitStatusRequest.FromString(signed.request)
        commit = Commit(self._session, request.transaction_id, signed)
        commit.set_signature(signature)
        return commit
