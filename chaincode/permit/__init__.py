"""Domain ``permit``: emission allowance lots — issuance, holding, freezing, surrender, provenance.

Other domains import :mod:`chaincode.permit.api` only. Pure rules live in
:mod:`~chaincode.permit.lots`, :mod:`~chaincode.permit.scope`,
:mod:`~chaincode.permit.rules` and :mod:`~chaincode.permit.parameters`; keys and
indexes in :mod:`~chaincode.permit.store`.
"""
