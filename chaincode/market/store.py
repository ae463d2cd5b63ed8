"""Keys and indexes of the market domain.

* ``offer`` (id) with indexes ``offer~status`` (status, pollutant, vintage, id) — the open
  offers a buyer browses — and ``offer~seller`` (seller, id)
* ``trade`` (id) with indexes ``trade~party`` (entity, id) for seller and buyer,
  ``trade~region`` (region, id) for both regions
* private ``price`` (id) in a price collection → ``{kind, id, price, salt, hash, quantity, amount}``
"""

from __future__ import annotations

from chaincode.runtime import keys

OWNER = "market"

OFFERS = keys.RecordKind(
    keys.namespace("offer", "id", owner=OWNER, description="offer id → offer record"),
    what="offer",
    indexes=(
        keys.Index(keys.namespace("offer~status", "status", "pollutant", "vintage", "id", owner=OWNER),
                   lambda offer: [(offer["status"], offer["pollutant"], offer["vintage"])]),
        keys.Index(keys.namespace("offer~seller", "seller", "id", owner=OWNER),
                   lambda offer: [(offer["seller"],)]),
    ),
)
BY_STATUS, BY_SELLER = (index.namespace for index in OFFERS.indexes)

TRADES = keys.RecordKind(
    keys.namespace("trade", "id", owner=OWNER, description="trade id → trade record"),
    what="trade",
    indexes=(
        keys.Index(keys.namespace("trade~party", "entity", "id", owner=OWNER),
                   lambda trade: {(trade["seller"],), (trade["buyer"],)}),
        keys.Index(keys.namespace("trade~region", "region", "id", owner=OWNER),
                   lambda trade: {(trade["seller_region"],), (trade["buyer_region"],)}),
    ),
)
BY_PARTY, BY_REGION = (index.namespace for index in TRADES.indexes)

PRICES = keys.namespace("price", "id", owner=OWNER, description="private: price record of an offer or trade")
