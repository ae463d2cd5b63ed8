"""Domain ``monitoring``: discharge licences, HJ 212 devices, reports with fingerprints, the violations they
reveal, reporting periods, year-end compliance and raw data shared by authorization.

Other domains import :mod:`chaincode.monitoring.api` only. Pure rules live in
:mod:`~chaincode.monitoring.licences`, :mod:`~chaincode.monitoring.reports`,
:mod:`~chaincode.monitoring.periods` and :mod:`~chaincode.monitoring.parameters`;
keys and indexes in :mod:`~chaincode.monitoring.store`; who may read in
:mod:`~chaincode.monitoring.readers`. Transactions: :mod:`~chaincode.monitoring.contract`
(``Licence``, ``Monitor``, ``Report``), :mod:`~chaincode.monitoring.enforcement`
(``Violation``, ``Period``), :mod:`~chaincode.monitoring.compliance` (``Compliance``)
and :mod:`~chaincode.monitoring.sharing` (``Sharing``).
"""
