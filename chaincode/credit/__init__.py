"""Green credit (绿色信用): levels derived from ledger facts, explanation, repair and the regional board.

Importing the contract registers the scorer with :mod:`chaincode.facts.credit`, so every transaction that
records, resolves or repairs a violation refreshes the enterprise's standing.
"""
