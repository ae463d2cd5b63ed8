"""Domain ``waste``: hazardous-waste transfer manifests (危险废物转移联单) and the facilities that receive them.

Other domains import :mod:`chaincode.waste.api` only. Pure rules live in
:mod:`~chaincode.waste.codes` (waste codes, manifest numbers, hazards, methods),
:mod:`~chaincode.waste.rules` (approvals by region and credit level, discrepancies,
mass balance, alerts) and :mod:`~chaincode.waste.parameters`; keys and indexes in
:mod:`~chaincode.waste.store`; who acts and who reads in :mod:`~chaincode.waste.parties`.
Transactions: :mod:`~chaincode.waste.contract` (``Facility``, ``Manifest`` from creation to disposal),
:mod:`~chaincode.waste.after_receipt` and :mod:`~chaincode.waste.queries` (the rest of ``Manifest``).
"""
