"""ecoledger chaincode: contracts for cross-regional environmental governance.

The contract code never talks to gRPC directly. It sees a :class:`~chaincode.stub.Stub`
(the peer's view of one transaction) wrapped in a :class:`~chaincode.context.TxContext`,
so the same code runs on the real peer (``chaincode.shim``) and on the in-memory
ledger used by unit tests (``chaincode.memory``).
"""
