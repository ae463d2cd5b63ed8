"""A blocking face over the async client, for the CLI and scripts.

``SyncGateway`` runs a private event loop in a daemon thread and owns the
``grpc.aio`` channel it creates there (aio channels are bound to one loop).
Its objects mirror the async ones: ``get_network`` → ``get_contract`` →
``evaluate`` / ``submit``.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import weakref
from typing import Any, Awaitable, Callable, Iterator, Mapping, Sequence, TypeVar

import grpc

from ._client import Timeouts
from .contract import Contract, SubmitResult
from .events import ChaincodeEvent, ChaincodeEvents, Checkpoint
from .gateway import Gateway, connect
from .identity import Identity, Signer
from .network import ChainInfo, Network
from .transaction import Transaction

T = TypeVar("T")


class SyncGateway:
    """Blocking gateway; close it (or use ``with``) to release the channel and thread."""

    def __init__(
        self,
        channel_factory: Callable[[], grpc.aio.Channel],
        identity: Identity,
        signer: Signer | None,
        *,
        timeouts: Timeouts = Timeouts(),
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="ecoledger-gateway", daemon=True
        )
        self._thread.start()
        self._streams: weakref.WeakSet[SyncChaincodeEvents] = weakref.WeakSet()
        self._closed = False

        async def open_channel() -> tuple[grpc.aio.Channel, Gateway]:
            channel = channel_factory()
            return channel, Gateway(channel, identity, signer, timeouts=timeouts)

        try:
            self._channel, self._gateway = self.run(open_channel())
        except BaseException:
            self._stop_loop()
            raise

    @classmethod
    def connect(
        cls,
        endpoint: str,
        tls_root_cert_pem: bytes,
        identity: Identity,
        signer: Signer | None,
        *,
        server_name_override: str | None = None,
        client_cert_pem: bytes | None = None,
        client_key_pem: bytes | None = None,
        timeouts: Timeouts = Timeouts(),
    ) -> SyncGateway:
        """Open a TLS channel to ``endpoint`` (see ``connect``) and wrap it."""
        return cls(
            lambda: connect(
                endpoint,
                tls_root_cert_pem,
                server_name_override,
                client_cert_pem=client_cert_pem,
                client_key_pem=client_key_pem,
            ),
            identity,
            signer,
            timeouts=timeouts,
        )

    @property
    def identity(self) -> Identity:
        return self._gateway.identity

    def run(self, awaitable: Awaitable[T]) -> T:
        """Run a coroutine on the private loop and wait for its result."""
        if self._closed:
            if inspect.iscoroutine(awaitable):
                awaitable.close()
            raise RuntimeError("the gateway is closed")

        async def wrap() -> T:
            return await awaitable

        future = asyncio.run_coroutine_threadsafe(wrap(), self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def get_network(self, channel_name: str) -> SyncNetwork:
        return SyncNetwork(self, self._gateway.get_network(channel_name))

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def close(self) -> None:
        """Stop open event streams, close the channel and the loop thread."""
        if self._closed:
            return
        for stream in list(self._streams):
            stream.close()
        self.run(self._channel.close())
        self.run(self._loop.shutdown_asyncgens())
        self._closed = True
        self._stop_loop()

    def __enter__(self) -> SyncGateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class SyncNetwork:
    """Blocking ``Network``."""

    def __init__(self, gateway: SyncGateway, network: Network) -> None:
        self._gateway = gateway
        self._network = network
        self.name = network.name

    def get_contract(self, chaincode_name: str, contract_name: str | None = None) -> SyncContract:
        return SyncContract(self._gateway, self._network.get_contract(chaincode_name, contract_name))

    def query_chain_info(self) -> ChainInfo:
        return self._gateway.run(self._network.query_chain_info())

    def chaincode_events(
        self,
        chaincode_name: str,
        start_block: int | None = None,
        *,
        checkpoint: Checkpoint | None = None,
    ) -> SyncChaincodeEvents:
        events = self._network.chaincode_events(
            chaincode_name, start_block, checkpoint=checkpoint
        )
        stream = SyncChaincodeEvents(self._gateway, events)
        self._gateway._streams.add(stream)
        return stream


class SyncContract:
    """Blocking ``Contract``."""

    def __init__(self, gateway: SyncGateway, contract: Contract) -> None:
        self._gateway = gateway
        self._contract = contract
        self.chaincode_name = contract.chaincode_name
        self.contract_name = contract.contract_name

    def evaluate(
        self,
        function: str,
        args: Mapping[str, Any] | None = None,
        *,
        transient: Mapping[str, Any] | None = None,
        endorsing_organizations: Sequence[str] = (),
    ) -> Any:
        return self._gateway.run(
            self._contract.evaluate(
                function,
                args,
                transient=transient,
                endorsing_organizations=endorsing_organizations,
            )
        )

    def evaluate_raw(
        self,
        function: str,
        raw_args: Sequence[bytes] = (),
        *,
        transient: Mapping[str, Any] | None = None,
        endorsing_organizations: Sequence[str] = (),
    ) -> bytes:
        return self._gateway.run(
            self._contract.evaluate_raw(
                function,
                raw_args,
                transient=transient,
                endorsing_organizations=endorsing_organizations,
            )
        )

    def endorse(
        self,
        function: str,
        args: Mapping[str, Any] | None = None,
        *,
        transient: Mapping[str, Any] | None = None,
        endorsing_organizations: Sequence[str] = (),
    ) -> Transaction:
        """Collect endorsements without submitting: proves discovery finds enough endorsers."""
        proposal = self._contract.new_proposal(
            function, args, transient=transient, endorsing_organizations=endorsing_organizations
        )
        return self._gateway.run(proposal.endorse())

    def submit(
        self,
        function: str,
        args: Mapping[str, Any] | None = None,
        *,
        transient: Mapping[str, Any] | None = None,
        endorsing_organizations: Sequence[str] = (),
    ) -> SubmitResult:
        return self._gateway.run(
            self._contract.submit(
                function,
                args,
                transient=transient,
                endorsing_organizations=endorsing_organizations,
            )
        )


class SyncChaincodeEvents:
    """Blocking iterator over chaincode events; ``close()`` cancels the stream."""

    def __init__(self, gateway: SyncGateway, events: ChaincodeEvents) -> None:
        self._gateway = gateway
        self._events = events
        self._closed = False

    @property
    def checkpoint(self) -> Checkpoint | None:
        return self._events.checkpoint

    def __iter__(self) -> Iterator[ChaincodeEvent]:
        return self

    def __next__(self) -> ChaincodeEvent:
        if self._closed:
            raise StopIteration
        event = self._gateway.run(self._next())
        if event is None:
            raise StopIteration
        return event

    async def _next(self) -> ChaincodeEvent | None:
        try:
            return await self._events.__anext__()
        except StopAsyncIteration:
            return None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._gateway.run(self._events.close())

    def __enter__(self) -> SyncChaincodeEvents:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
