"""Domain ``market``: offers, purchases, cross-region approvals and private prices.

It uses the permit domain through :mod:`chaincode.permit.api` and the
enterprise and registry domains through their ``api`` modules.
"""
