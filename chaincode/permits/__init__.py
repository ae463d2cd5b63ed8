"""Rules of the emission-permit domain, free of ledger access so they test without one.

The contracts in :mod:`chaincode.contracts` (``Enterprise``, ``Permit``,
``Market``) read the ledger, call these rules and write the results.

* :mod:`~common.credit_code` — unified social credit codes (GB 32100-2015)
* :mod:`~chaincode.permits.parameters` — ledger parameters and their defaults
* :mod:`~chaincode.permits.access` — roles and data permission
* :mod:`~chaincode.permits.lots` — lot states, splits, provenance, totals
* :mod:`~chaincode.permits.scope` — cross-region trade scope
* :mod:`~chaincode.permits.rules` — holding, trading and surrender checks
* :mod:`~chaincode.permits.prices` — private prices and their public hashes
* :mod:`~chaincode.permits.stamps` — transaction stamps and deterministic ids
"""

