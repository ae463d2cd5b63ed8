"""Green credit on the ledger: what the ``credit`` commands send and how they read the answers."""
