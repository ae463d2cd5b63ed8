"""Keys, records and indexes of the ecological compensation domain.

Bilateral agreements (on the pair channel of the two regions):

* ``comp~agreement`` (id) → ``{id, channel, upstream, downstream, section, terms, status, proposed,
  signed, policy}``, indexed by ``comp~agreement~region`` (region, id) for both regions and by
  ``comp~agreement~arbiter`` (arbiter, id) when the coordinator arbitrates
* ``comp~period`` (agreement, period) → ``{agreement, period, status, measurements, official,
  differences, resolution, index, settlement}``; a range over (agreement) gives its periods in order
* ``comp~settlement`` (id) → ``{id, agreement, period, payer, payee, amount_yuan, index, due, status,
  paid, received}``, indexed by ``comp~settlement~region`` (region, period, id) for payer and payee

The agreement, its periods and its settlements carry a key-level endorsement policy requiring the peers
of both regions (``chaincode.runtime.endorsement``).

Per-region variant (all-members channel):

* ``comp~regional`` (period, pollutant, region) → one region's discharge of a period
* ``comp~regional~result`` (period, pollutant) → the period's rewards, penalties and pool
"""

from __future__ import annotations

from chaincode.runtime import keys

OWNER = "compensation"

AGREEMENTS = keys.RecordKind(
    keys.namespace("comp~agreement", "id", owner=OWNER, description="compensation agreement id → agreement"),
    what="compensation agreement",
    indexes=(
        keys.Index(keys.namespace("comp~agreement~region", "region", "id", owner=OWNER,
                                  description="agreements of a region (upstream or downstream)"),
                   lambda a: [(a["upstream"]["region"],), (a["downstream"]["region"],)]),
        keys.Index(keys.namespace("comp~agreement~arbiter", "arbiter", "id", owner=OWNER,
                                  description="agreements the coordinator arbitrates"),
                   lambda a: [(a["terms"]["arbiter"],)] if a["terms"]["arbiter"] != "none" else []),
    ),
)
AGREEMENTS_BY_REGION, AGREEMENTS_BY_ARBITER = (index.namespace for index in AGREEMENTS.indexes)

PERIODS = keys.namespace("comp~period", "agreement", "period", owner=OWNER,
                         description="one period of an agreement: both sides' means, the official values, P")

SETTLEMENTS = keys.RecordKind(
    keys.namespace("comp~settlement", "id", owner=OWNER, description="settlement id → who pays whom"),
    what="compensation settlement",
    indexes=(
        keys.Index(keys.namespace("comp~settlement~region", "region", "period", "id", owner=OWNER,
                                  description="settlements a region pays or receives, by period"),
                   lambda s: [(s["payer"], s["period"]), (s["payee"], s["period"])]),
    ),
)
SETTLEMENTS_BY_REGION = SETTLEMENTS.indexes[0].namespace

REGIONAL = keys.namespace("comp~regional", "period", "pollutant", "region", owner=OWNER,
                          description="per-region variant: a region's discharge of a period")
REGIONAL_RESULTS = keys.namespace("comp~regional~result", "period", "pollutant", owner=OWNER,
                                  description="per-region variant: rewards, penalties and the pool of a period")
