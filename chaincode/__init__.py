"""ecoledger chaincode: contracts for cross-regional environmental governance.

The contract code never talks to gRPC directly. It sees a :class:`~chaincode.runtime.stub.Stub`
(the peer's view of one transaction) wrapped in a :class:`~chaincode.runtime.context.TxContext`,
so the same code runs on the real peer (``chaincode.runtime.shim``) and on the in-memory
ledger used by unit tests (``chaincode.runtime.memory``).
"""
