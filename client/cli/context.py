"""Shared state of one CLI invocation: global options and lazily opened network and gateway."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import click

from network.bootstrap import Network, resolve


@dataclass
class AppContext:
    consortium_file: str | None
    identity: str | None
    as_json: bool
    debug: bool
    _gateways: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def network(self) -> Network:
        return Network(resolve(self.consortium_file))

    def close(self) -> None:
        for gateway in self._gateways.values():
            gateway.close()
        self._gateways.clear()


pass_app = click.make_pass_decorator(AppContext)
