"""Pure helpers shared by the chaincode, the client and the network tooling.

This package is the only code that both sides of the ledger import, so it
stays small, pure (no I/O, no ledger, no gRPC) and dependency-free:

* :mod:`common.canonical` — deterministic JSON (sorted keys, compact, UTF-8)
* :mod:`common.units` — whole kilograms, years and prices in fen
* :mod:`common.credit_code` — unified social credit codes (GB 32100-2015)
* :mod:`common.names` — roles, member kinds, private collection names, ``name@msp``
"""
