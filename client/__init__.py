"""Python client for the ecoledger consortium ledger."""
