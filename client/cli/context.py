"""Shared state of one CLI invocation: global options and lazily opened network and gateway."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import click

from client.gateway import SyncContract
from client.session import Session
from network.bootstrap import Network, resolve


@dataclass
class AppContext:
    consortium_file: str | None
    identity: str | None
    as_json: bool
    debug: bool

    @cached_property
    def network(self) -> Network:
        return Network(resolve(self.consortium_file))

    @cached_property
    def session(self) -> Session:
        return Session(self.network)

    def contract(self, channel: str | None = None) -> SyncContract:
        """The chaincode on ``channel`` (default: the all-members channel) as the --as identity."""
        return self.session.contract(self.identity, channel)

    def close(self) -> None:
        if "session" in self.__dict__:
            self.session.close()


pass_app = click.make_pass_decorator(AppContext)
