"""Cross-domain facts: records several domains write or read, each with one writer and one reader API.

* :mod:`chaincode.facts.violations` — violations (exceedances, shortfalls, discrepancies, enforcement),
  written by the domain that detects them, read by credit scoring and regulators
* :mod:`chaincode.facts.credit` — an enterprise's green-credit level, written by the credit domain,
  read by the market (joint reward and punishment)

A domain may import ``chaincode.facts`` and the ``api`` module of another domain, nothing else of it.
"""
