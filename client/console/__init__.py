"""The regulator web console: a read-only Starlette app over the ledger index.

``app.create_app`` builds it; ``views`` holds one module per view (see
``views/__init__.py`` for how a domain adds its own); ``svg`` draws charts
and diagrams on the server; ``security`` decides whether an address may be
served without a client certificate or a token.
"""
