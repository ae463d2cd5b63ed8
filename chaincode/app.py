"""The chaincode application: every contract behind one router."""

from __future__ import annotations

from chaincode.contracts import all_contracts
from chaincode.runtime.router import Router


def build_router() -> Router:
    return Router(all_contracts())
