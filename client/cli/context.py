"""Shared state of one CLI invocation, and the one place where the network and the client meet.

The CLI composes the two sides: ``network`` (for the ``network ...`` commands
and the CA work of ``identity register``) and a client
:class:`~client.session.Session` that, like any client, reads only the
connection profiles and the wallet under the network's home. Both are opened
lazily, and their modules are imported only then, so a command that needs
neither loads neither (``ecoledger --help`` stays quick).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable


if TYPE_CHECKING:
    from client.gateway import SyncContract
    from client.session import Session
    from network.bootstrap import DiscoveryProbe, Network, UpReport


@dataclass
class AppContext:
    consortium_file: str | None
    identity: str | None
    as_json: bool
    debug: bool
    _sessions: list[Session] = field(default_factory=list, init=False, repr=False)

    @cached_property
    def network(self) -> Network:
        from network.bootstrap import Network, resolve

        return Network(resolve(self.consortium_file))

    @cached_property
    def session(self) -> Session:
        """The client: the connection profiles and the wallet under the network's home, nothing else."""
        return self._session_for(self.network)

    def _session_for(self, network: Network) -> Session:
        from client.gateway import Wallet
        from client.session import Session

        session = Session(network.layout.profiles_dir, Wallet(network.layout.wallet_dir))
        self._sessions.append(session)
        return session

    def contract(self, channel: str | None = None) -> SyncContract:
        """The chaincode on ``channel`` (default: the all-members channel) as the --as identity."""
        return self.session.contract(self.identity, channel)

    def discovery_probe(self, network: Network | None = None) -> DiscoveryProbe:
        """What ``Network.up`` waits on: each admin's Gateway endorsing, asked through a client session."""
        from client.session import endorsement_probe

        return endorsement_probe(self._session_for(network or self.network))

    def up(self, network: Network | None = None, progress: Callable[[str], None] | None = None) -> UpReport:
        """Bring ``network`` (default: this context's) up, waiting for service discovery through the client."""
        import click

        net = network or self.network
        self.__dict__["network"] = net
        return net.up(progress=progress or (lambda m: click.echo(m, err=True)),
                      discovery_probe=self.discovery_probe(net))

    def close(self) -> None:
        for session in self._sessions:
            session.close()
        self._sessions.clear()
