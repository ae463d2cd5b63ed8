"""The ledger index: blocks of an organization's channels decoded into a SQL database.

``decode`` turns a ``common.Block`` into plain records, ``store`` writes them
(with the checkpoint, in one database transaction) through SQLAlchemy, and
``follow`` reads blocks from the peer and feeds the store.
"""
