"""Domain ``governance``: proposals voted one organization one vote, concerns, consultations, projects.

Other domains import :mod:`chaincode.governance.api` only.
"""
