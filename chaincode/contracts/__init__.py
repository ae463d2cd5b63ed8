"""The contracts this chaincode serves; add a new contract's instance to :func:`all_contracts`."""

from __future__ import annotations

from chaincode.contracts.enterprise import EnterpriseContract
from chaincode.contracts.market import MarketContract
from chaincode.contracts.permit import PermitContract
from chaincode.contracts.registry import RegistryContract
from chaincode.runtime.router import Contract


def all_contracts() -> list[Contract]:
    return [
        RegistryContract(),
        EnterpriseContract(),
        PermitContract(),
        MarketContract(),
    ]
