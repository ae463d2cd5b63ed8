"""Domain ``registry``: the consortium's member organizations and its rule parameters.

Other domains import :mod:`chaincode.registry.api` only.
"""
