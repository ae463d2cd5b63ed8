"""Domain ``enterprise``: the register of emitting enterprises, and who acts or reads for them.

Other domains import :mod:`chaincode.enterprise.api` only.
"""
