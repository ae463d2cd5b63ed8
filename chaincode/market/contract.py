"""Contract ``Market``: offers, purchases, cross-region approvals and private prices.

An offer escrows what it sells: listing moves the quantity out of the seller's
held lots into ``escrowed`` lots that belong to the offer. A purchase inside
one region settles at once; across regions the bought part becomes
``pending`` until the regulators of both regions approve (then it settles) or
one rejects (then it returns to the offer, or to the seller when the offer was
cancelled meanwhile).

Every purchase reads and writes the offer record, so concurrent buyers of the
same offer conflict on that key (MVCC) and one of them is invalidated: the
offer cannot be oversold.

Price privacy on the network. Prices never appear in public state, events or
arguments: the client sends ``price`` (whole fen per kg) and ``salt`` in the
transient map, the public record keeps ``sha256(salt + price)``, and the
cleartext goes to private data collections (``price_<MSP>`` holds one region
plus the coordinator, ``price_<MSPa>_<MSPb>`` a pair of regions plus the
coordinator). Nothing here ever reads private data while writing, so each
write is a blind write and the client chooses the endorsing organizations:

* ``ListOffer`` writes the asking price into every collection that contains
  the seller's organization (its own and one per other region), so a buyer of
  any region reads the ask on a peer of its own organization. The ask is shown
  to every consortium reader while the offer is open, so any organization may
  complete the endorsement majority.
* ``Buy`` carries the ask the buyer read (price and salt) in the transient map;
  the contract checks it against the offer's public hash, so a trade always
  settles at the listed price, and writes the trade's price only into
  ``price_collection(seller_msp, buyer_msp)``. The client asks exactly the
  members of that collection to endorse (seller's and buyer's organizations
  and the coordinator, which is the channel majority for a cross-region
  trade); a same-region trade adds one more organization to reach the
  majority, which learns nothing it could not read as the open offer's ask.
* ``Price`` returns a trade's price to its two parties, the regulators of
  their regions and the coordinator only; other organizations' peers do not
  even hold it (a peer outside the collection keeps just the hash). Once an
  offer is closed or cancelled its ask is readable by the seller's side and
  the coordinator only.

An offer is a fixed-price listing, so a market participant that read an open
offer's ask knows the unit price its trades settle at; what stays with the two
parties' organizations and the coordinator is each trade's price record
(price, quantity, amount) once the listing is gone.

Keys and indexes: :mod:`chaincode.market.store`. An offer record is
``{id, seller, seller_region, seller_msp, seller_credit, pollutant, vintage, quantity, remaining, pending, sold,
status, lots, trades, price_hash, price_collection, price_collections, listed, closed}``; a trade
``{id, offer, seller, seller_region, seller_msp, buyer, buyer_region, buyer_msp, pollutant,
vintage, quantity, cross_region, status, approvals_required, approvals, rejection, lots,
price_hash, price_collection, created, settled}``. The private ``price`` of an offer is written
into every collection of ``price_collections`` (the seller's own first), that of a trade into
the trade's ``price_collection``.

Offer ids are ``O-`` + 16 hex digits, trade ids ``T-`` + 16, from the transaction id.
"""

from __future__ import annotations

from typing import Any

from chaincode.credit import api as credit_rules
from chaincode.enterprise import api as enterprises
from chaincode.facts import credit
from chaincode.market import prices, rules
from chaincode.market.rules import OFFER_STATUSES, TRADE_STATUSES
from chaincode.market.store import OFFERS, PRICES, TRADES
from chaincode.market import store
from chaincode.permit import api as permits
from chaincode.permit.api import load_lot, move_lots, rules_of, save_lot
from chaincode.registry import api as registry
from chaincode.runtime import pagination
from chaincode.runtime.access import Viewer, outside
from chaincode.runtime.checks import require_id, require_quantity, require_text, require_year
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, ContractError, InvalidInput, NotFound
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, Stamp, new_id, stamp_for
from common.names import COORDINATOR, REGULATOR, price_collection

EVENT_LISTED = "OfferListed"
EVENT_CANCELLED = "OfferCancelled"
EVENT_CLOSED = "OfferClosed"
EVENT_PENDING = "TradePending"
EVENT_APPROVED = "TradeApproved"
EVENT_REJECTED = "TradeRejected"
EVENT_SETTLED = "TradeSettled"


class MarketContract(Contract):
    name = "Market"

    # -- offers ------------------------------------------------------------------------------
    @transaction
    def list_offer(self, ctx: TxContext, pollutant: Any, vintage: Any, quantity: Any) -> dict[str, Any]:
        """An enterprise offers ``quantity`` kg of its held allowances; transient ``price`` and ``salt``."""
        seller = enterprises.acting_enterprise(ctx, "Market:ListOffer")
        permit_rules = rules_of(ctx)
        permits.scope.require_pollutant(pollutant, permit_rules)
        require_year("vintage", vintage)
        require_quantity("quantity", quantity)
        price, salt = prices.price_from_transient(ctx.transient, "Market:ListOffer")
        entity = seller["entity"]
        candidates = permits.held_lots(ctx, entity, pollutant, vintage)
        enterprises.check_not_frozen(seller, "list offers")
        standing = credit.standing(ctx, entity)
        credit.check_market_access(entity, standing, permit_rules.credit_market_barred, "list offers")
        permits.check_enough(entity, f"{pollutant} of vintage {vintage}", quantity, candidates)

        stamp = stamp_for(ctx)
        ids = IdSequence(ctx.tx_id)
        offer_id = new_id(ctx, ids, "O", OFFERS)
        plan = permits.take([lot for lot in candidates if permits.usable(lot)], quantity)
        escrow = [lot["id"] for lot in move_lots(ctx, plan, ids, stamp, "escrowed",
                                                 {"status": permits.ESCROWED, "offer": offer_id}, offer=offer_id)]
        collections = ask_collections(ctx, seller["msp_id"])
        private = prices.price_record("offer", offer_id, price, salt, quantity)
        offer = {
            "id": offer_id,
            "seller": entity,
            "seller_region": seller["region"],
            "seller_msp": seller["msp_id"],
            "seller_credit": standing["level"] if standing else None,
            "pollutant": pollutant,
            "vintage": vintage,
            "quantity": quantity,
            "remaining": quantity,
            "pending": 0,
            "sold": 0,
            "status": rules.OFFER_OPEN,
            "lots": escrow,
            "trades": [],
            "price_hash": private["hash"],
            "price_collection": collections[0],
            "price_collections": collections,
            "listed": stamp.record(),
            "closed": None,
        }
        ctx.save(OFFERS, offer)
        for collection in collections:
            ctx.put_private_json(collection, PRICES.key(offer_id), private)
        ctx.emit(EVENT_LISTED, {"offer": offer_id, "seller": entity, "region": seller["region"],
                                "pollutant": pollutant, "vintage": vintage, "quantity": quantity,
                                "price_hash": private["hash"], "tx_id": ctx.tx_id})
        return offer

    @transaction
    def cancel_offer(self, ctx: TxContext, offer_id: Any) -> dict[str, Any]:
        """The seller withdraws an open offer; what is still escrowed goes back to its holdings."""
        seller = enterprises.acting_enterprise(ctx, "Market:CancelOffer")
        require_id("offer_id", offer_id, "O")
        offer = load_offer(ctx, offer_id)
        if offer["seller"] != seller["entity"]:
            raise AccessDenied(f"offer {offer_id} belongs to enterprise {offer['seller']}; only its seller may "
                               f"cancel it")
        rules.check_offer_open(offer)
        stamp = stamp_for(ctx)
        for lot_id in offer["lots"]:
            _release(ctx, load_lot(ctx, lot_id), stamp, "released", offer=offer_id)
        released = offer["remaining"]
        offer = {**offer, "status": rules.OFFER_CANCELLED, "remaining": 0, "lots": [],
                 "closed": stamp.record(reason="cancelled by the seller", released=released)}
        ctx.save(OFFERS, offer)
        ctx.emit(EVENT_CANCELLED, {"offer": offer_id, "seller": offer["seller"], "region": offer["seller_region"],
                                   "released": released, "tx_id": ctx.tx_id})
        return offer

    # -- trades ------------------------------------------------------------------------------
    @transaction
    def buy(self, ctx: TxContext, offer_id: Any, quantity: Any) -> dict[str, Any]:
        """An enterprise buys ``quantity`` kg of an offer at its asking price; transient ``price`` and ``salt``
        are the ask as ``Price`` returned it, checked against the offer's public hash.

        Same region: settled in this transaction. Across regions: pending until both regulators approve.
        """
        buyer = enterprises.acting_enterprise(ctx, "Market:Buy")
        require_id("offer_id", offer_id, "O")
        require_quantity("quantity", quantity)
        price, salt = prices.price_from_transient(ctx.transient, "Market:Buy")
        offer = load_offer(ctx, offer_id)
        seller = enterprises.enterprise(ctx, offer["seller"])
        permit_rules = rules_of(ctx)
        entity = buyer["entity"]
        enterprises.check_not_frozen(buyer, "buy allowances")
        credit.check_market_access(entity, credit.standing(ctx, entity), permit_rules.credit_market_barred,
                                   "buy allowances")
        rules.check_buy(offer, entity, quantity)
        enterprises.check_not_frozen(seller, "sell allowances")
        permits.scope.check_trade_scope(offer["pollutant"], seller["region"], buyer["region"], permit_rules)
        if prices.price_hash(salt, price) != offer["price_hash"]:
            raise InvalidInput(f"the price in the transient map does not match the asking price of offer {offer_id}; "
                               f"read the ask with Market:Price and send its price and salt")

        stamp = stamp_for(ctx)
        ids = IdSequence(ctx.tx_id)
        trade_id = new_id(ctx, ids, "T", TRADES)
        regions = permits.scope.approving_regions(seller["region"], buyer["region"])
        cross = bool(regions)
        extra = _extra_approval(ctx, [entity, offer["seller"]]) if cross else None
        if extra is not None:
            regions = [*regions, extra[0]]
        if cross:
            changes = {"status": permits.PENDING, "trade": trade_id}
            action = "reserved"
        else:
            changes = _delivered(entity, buyer["region"])
            action = "transferred"
        plan = permits.take([load_lot(ctx, lot_id) for lot_id in offer["lots"]], quantity)
        moved_ids = [lot["id"] for lot in move_lots(ctx, plan, ids, stamp, action, changes, offer=offer_id,
                                                    trade=trade_id, seller=offer["seller"], buyer=entity)]
        emptied = {lot["id"] for lot, part in plan if part == lot["quantity"]}

        collection = price_collection(seller["msp_id"], buyer["msp_id"])
        private = prices.price_record("trade", trade_id, price, salt, quantity)
        trade = {
            "id": trade_id,
            "offer": offer_id,
            "seller": offer["seller"],
            "seller_region": seller["region"],
            "seller_msp": seller["msp_id"],
            "buyer": entity,
            "buyer_region": buyer["region"],
            "buyer_msp": buyer["msp_id"],
            "pollutant": offer["pollutant"],
            "vintage": offer["vintage"],
            "quantity": quantity,
            "cross_region": cross,
            "status": rules.TRADE_PENDING if cross else rules.TRADE_SETTLED,
            "approvals_required": list(regions),
            "extra_approval": extra[1] if extra is not None else None,
            "approvals": {},
            "rejection": None,
            "lots": moved_ids,
            "price_hash": private["hash"],
            "price_collection": collection,
            "created": stamp.record(),
            "settled": None if cross else stamp.record(),
        }
        offer = {
            **offer,
            "remaining": offer["remaining"] - quantity,
            "pending": offer["pending"] + (quantity if cross else 0),
            "sold": offer["sold"] + (0 if cross else quantity),
            "lots": [lot_id for lot_id in offer["lots"] if lot_id not in emptied],
            "trades": [*offer["trades"], trade_id],
        }
        ctx.emit(EVENT_PENDING if cross else EVENT_SETTLED, _trade_event(trade, ctx.tx_id))
        _save_offer(ctx, offer, stamp)
        ctx.save(TRADES, trade)
        ctx.put_private_json(collection, PRICES.key(trade_id), private)
        return trade

    @transaction
    def approve(self, ctx: TxContext, trade_id: Any) -> dict[str, Any]:
        """A regulator of the seller's or the buyer's region approves a pending cross-region trade;
        the last required approval settles it."""
        require_id("trade_id", trade_id, "T")
        trade = load_trade(ctx, trade_id)
        region = _acting_approver(ctx, trade, "Market:Approve")
        _check_regulates(trade, region, "approve")
        rules.check_trade_pending(trade)
        if region in trade["approvals"]:
            raise Conflict(f"trade {trade_id} is already approved by region {region}")
        enterprises.check_not_frozen(enterprises.enterprise(ctx, trade["seller"]), "sell allowances")
        enterprises.check_not_frozen(enterprises.enterprise(ctx, trade["buyer"]), "buy allowances")

        stamp = stamp_for(ctx)
        approvals = {**trade["approvals"], region: stamp.record()}
        settles = all(required in approvals for required in trade["approvals_required"])
        for lot_id in trade["lots"]:
            lot = permits.with_entry(load_lot(ctx, lot_id), stamp, "approved", trade=trade_id, region=region)
            if settles:
                lot = permits.with_entry({**lot, **_delivered(trade["buyer"], trade["buyer_region"])}, stamp,
                                            "transferred", offer=trade["offer"], trade=trade_id,
                                            seller=trade["seller"], buyer=trade["buyer"])
            save_lot(ctx, lot)
        trade = {**trade, "approvals": approvals}
        if settles:
            trade = {**trade, "status": rules.TRADE_SETTLED, "settled": stamp.record()}
        ctx.emit(EVENT_SETTLED if settles else EVENT_APPROVED,
                 {**_trade_event(trade, ctx.tx_id), "approved_by": region})
        if settles:
            offer = load_offer(ctx, trade["offer"])
            _save_offer(ctx, {**offer, "pending": offer["pending"] - trade["quantity"],
                              "sold": offer["sold"] + trade["quantity"]}, stamp)
        ctx.save(TRADES, trade)
        return trade

    @transaction
    def reject(self, ctx: TxContext, trade_id: Any, reason: Any) -> dict[str, Any]:
        """A regulator of either region rejects a pending trade; the quantity returns to the offer
        (or to the seller, when the offer has been cancelled)."""
        require_id("trade_id", trade_id, "T")
        require_text("reason", reason)
        trade = load_trade(ctx, trade_id)
        region = _acting_approver(ctx, trade, "Market:Reject")
        _check_regulates(trade, region, "reject")
        rules.check_trade_pending(trade)

        stamp = stamp_for(ctx)
        offer = load_offer(ctx, trade["offer"])
        back_to_offer = offer["status"] == rules.OFFER_OPEN
        for lot_id in trade["lots"]:
            lot = permits.with_entry(load_lot(ctx, lot_id), stamp, "rejected", trade=trade_id, region=region,
                                        reason=reason)
            if back_to_offer:
                save_lot(ctx, permits.with_entry({**lot, "status": permits.ESCROWED, "trade": None},
                                                    stamp, "returned", offer=offer["id"]))
            else:
                _release(ctx, lot, stamp, "released", offer=offer["id"])
        offer = {**offer, "pending": offer["pending"] - trade["quantity"]}
        if back_to_offer:
            offer = {**offer, "remaining": offer["remaining"] + trade["quantity"],
                     "lots": [*offer["lots"], *trade["lots"]]}
        _save_offer(ctx, offer, stamp)
        trade = {**trade, "status": rules.TRADE_REJECTED,
                 "rejection": stamp.record(region=region, reason=reason)}
        ctx.save(TRADES, trade)
        ctx.emit(EVENT_REJECTED, {**_trade_event(trade, ctx.tx_id), "rejected_by": region, "reason": reason,
                                  "returned_to": "offer" if back_to_offer else "seller"})
        return trade

    # -- queries -----------------------------------------------------------------------------
    @transaction
    def offers(self, ctx: TxContext, pollutant: Any = None, vintage: Any = None, seller: Any = None,
               region: Any = None, status: Any = None, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of offers; offers are public to every consortium reader (their prices are not).

        Read through the seller index when a seller is named, the status index when a status is (the
        buyer's view: open offers of a pollutant and vintage), else every offer in id order."""
        enterprises.viewer(ctx, "Market:Offers")
        if status is not None and status not in OFFER_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(OFFER_STATUSES)}, got {status!r}")
        if vintage is not None:
            require_year("vintage", vintage)
        pagination.require_limit(limit)
        wanted = {"pollutant": pollutant, "vintage": vintage, "seller": seller, "seller_region": region,
                  "status": status}

        def keep(offer: dict[str, Any]) -> dict[str, Any] | None:
            return offer if all(v is None or offer[k] == v for k, v in wanted.items()) else None

        if seller is not None:
            return ctx.indexed(OFFERS, store.BY_SELLER.span(seller), limit, bookmark, keep).as_dict()
        if status is not None:
            narrowing = [pollutant] if pollutant is not None else []
            if pollutant is not None and vintage is not None:
                narrowing.append(vintage)
            return ctx.indexed(OFFERS, store.BY_STATUS.span(status, *narrowing), limit, bookmark, keep).as_dict()
        return ctx.page(OFFERS.namespace.span(), limit, bookmark, lambda key, offer: keep(offer)).as_dict()

    @transaction
    def offer(self, ctx: TxContext, offer_id: Any) -> dict[str, Any]:
        enterprises.viewer(ctx, "Market:Offer")
        require_id("offer_id", offer_id, "O")
        return load_offer(ctx, offer_id)

    @transaction
    def trades(self, ctx: TxContext, status: Any = None, entity: Any = None, region: Any = None,
               limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of the trades the caller may see: its own (enterprise, through the party index), touching its
        region (regulator, through the region index), all (coordinator)."""
        reader = enterprises.viewer(ctx, "Market:Trades")
        if status is not None and status not in TRADE_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(TRADE_STATUSES)}, got {status!r}")
        pagination.require_limit(limit)

        def keep(trade: dict[str, Any]) -> dict[str, Any] | None:
            ok = (_sees_trade(reader, trade) and status in (None, trade["status"])
                  and entity in (None, trade["seller"], trade["buyer"])
                  and region in (None, trade["seller_region"], trade["buyer_region"]))
            return trade if ok else None

        if reader.is_enterprise:
            span = store.BY_PARTY.span(reader.entity)
        elif entity is not None:
            require_text("entity", entity, 32)
            span = store.BY_PARTY.span(entity)
        elif reader.is_regulator:
            span = store.BY_REGION.span(reader.region)
        elif region is not None:
            require_text("region", region, 16)
            span = store.BY_REGION.span(region)
        else:
            return ctx.page(TRADES.namespace.span(), limit, bookmark, lambda key, trade: keep(trade)).as_dict()
        return ctx.indexed(TRADES, span, limit, bookmark, keep).as_dict()

    @transaction
    def trade(self, ctx: TxContext, trade_id: Any) -> dict[str, Any]:
        reader = enterprises.viewer(ctx, "Market:Trade")
        require_id("trade_id", trade_id, "T")
        trade = load_trade(ctx, trade_id)
        if not _sees_trade(reader, trade):
            raise outside(f"trade {trade_id}", ctx.caller)
        return trade

    @transaction
    def price(self, ctx: TxContext, id: Any) -> dict[str, Any]:
        """The private unit price of an offer (its ask) or of a trade, read from a collection this peer holds.

        A trade's price: its parties, their regions' regulators and the coordinator. An open offer's ask:
        every consortium reader (buyers need it); a closed or cancelled one: the seller's side and the
        coordinator.
        """
        reader = enterprises.viewer(ctx, "Market:Price")
        if not isinstance(id, str) or not id.startswith(("O-", "T-")) or len(id) > 64:
            raise InvalidInput(f"id must be an offer id (O-...) or a trade id (T-...), got {id!r}")
        if id.startswith("O-"):
            record = load_offer(ctx, id)
            allowed = record["status"] == rules.OFFER_OPEN or reader.sees(regions=(record["seller_region"],), parties=(record["seller"],))
            parties = (f"offer {id} is {record['status']}; its asking price is readable by the seller "
                       f"{record['seller']}, the regulator of region {record['seller_region']}")
            collection = _ask_collection(record, ctx.caller.msp_id)
        else:
            record = load_trade(ctx, id)
            allowed = _sees_trade(reader, record)
            parties = (f"the price of {id} is readable by the seller {record['seller']}, the buyer "
                       f"{record['buyer']}, the regulators of regions "
                       f"{' and '.join(sorted({record['seller_region'], record['buyer_region']}))}")
            collection = record["price_collection"]
        if not allowed:
            raise AccessDenied(f"{parties} and the coordinator only")
        private = _read_price(ctx, collection, id, record["seller_msp"])
        return {**private, "collection": collection, "matches_public_hash": private["hash"] == record["price_hash"]}


# -- helpers ---------------------------------------------------------------------------------


def ask_collections(ctx: TxContext, seller_msp: str) -> list[str]:
    """Every price collection that contains the seller's organization: its own first, then one per other region."""
    others = [msp for msp in registry.region_msps(ctx) if msp != seller_msp]
    return [price_collection(seller_msp, seller_msp), *(price_collection(seller_msp, msp) for msp in others)]


def _ask_collection(offer: dict[str, Any], msp_id: str) -> str:
    """The collection of the offer's ask that the caller's own organization holds."""
    pair = price_collection(offer["seller_msp"], msp_id)
    return pair if pair in offer.get("price_collections", ()) else offer["price_collection"]


def _read_price(ctx: TxContext, collection: str, object_id: str, seller_msp: str) -> dict[str, Any]:
    """The private price record; a peer outside the collection holds only its hash and refuses the read."""
    key = PRICES.key(object_id)
    try:
        private = ctx.get_private_json(collection, key)
    except ContractError:
        raise
    except Exception as err:  # the peer's refusal, e.g. "private data matching public hash ... not available"
        raise NotFound(f"the price of {object_id} is not held by this peer: collection {collection} is stored "
                       f"only on peers of its member organizations ({err})") from None
    if private is None:
        raise NotFound(f"the price of {object_id} is not stored on this peer (collection {collection}); "
                       f"ask a peer of {seller_msp}")
    return private


def load_offer(ctx: TxContext, offer_id: str) -> dict[str, Any]:
    return ctx.load(OFFERS, offer_id)


def load_trade(ctx: TxContext, trade_id: str) -> dict[str, Any]:
    return ctx.load(TRADES, trade_id)


def _save_offer(ctx: TxContext, offer: dict[str, Any], stamp: Stamp) -> None:
    status = rules.offer_status_after(offer)
    if status != offer["status"]:
        offer = {**offer, "status": status, "closed": stamp.record(reason="sold out")}
        ctx.emit(EVENT_CLOSED, {"offer": offer["id"], "seller": offer["seller"], "region": offer["seller_region"],
                                "sold": offer["sold"], "reason": "sold out", "tx_id": ctx.tx_id})
    ctx.save(OFFERS, offer)


def _delivered(owner: str, region: str) -> dict[str, Any]:
    """Lot fields once it is held, free of any offer or trade, by ``owner`` of ``region``."""
    return {"status": permits.HELD, "offer": None, "trade": None, "owner": owner, "owner_region": region}


def _release(ctx: TxContext, lot: dict[str, Any], stamp: Stamp, action: str, **details: Any) -> None:
    """Give a lot back to its owner's holdings."""
    save_lot(ctx, permits.with_entry({**lot, **_delivered(lot["owner"], lot["owner_region"])}, stamp, action,
                                        **details))


def _sees_trade(reader: Viewer, trade: dict[str, Any]) -> bool:
    return reader.sees(regions=(trade["seller_region"], trade["buyer_region"]), parties=(trade["seller"], trade["buyer"]))


def _extra_approval(ctx: TxContext, parties: list[str]) -> tuple[str, str] | None:
    """Joint punishment of yellow: a cross-region trade with a yellow-rated party also needs the coordinator's
    approval (parameter ``credit_yellow_extra_approval``); ``(coordinator code, why)`` or ``None``."""
    for party in parties:
        if credit_rules.needs_extra_approval(ctx, party, "cross_region_trade"):
            coordinators = [m["code"] for m in registry.members(ctx) if registry.is_coordinator(m)]
            if not coordinators:
                return None
            return coordinators[0], (f"enterprise {party} is {credit_rules.describe('yellow')}: its cross-region "
                                     f"trades need the approval of the coordinator {coordinators[0]} too "
                                     f"(parameter credit_yellow_extra_approval)")
    return None


def _acting_approver(ctx: TxContext, trade: dict[str, Any], function: str) -> str:
    """The region of an approving regulator, or the coordinator's code when the trade needs its extra approval
    (an identity of the coordinator organization with role regulator or coordinator)."""
    member = registry.caller_member(ctx)
    if registry.is_coordinator(member) and member["code"] in trade["approvals_required"] \
            and ctx.caller.role in (REGULATOR, COORDINATOR):
        return member["code"]
    return registry.acting_regulator(ctx, function)


def _check_regulates(trade: dict[str, Any], region: str, verb: str) -> None:
    required = trade["approvals_required"]
    if region not in required:
        if not required:
            raise AccessDenied(f"trade {trade['id']} stays within region {trade['seller_region']} and needs no "
                               f"regulator to {verb} it")
        raise AccessDenied(f"trade {trade['id']} does not touch region {region}; only the regulators of regions "
                           f"{' and '.join(required)} may {verb} it")


def _trade_event(trade: dict[str, Any], tx_id: str) -> dict[str, Any]:
    return {
        "trade": trade["id"],
        "offer": trade["offer"],
        "seller": trade["seller"],
        "buyer": trade["buyer"],
        "seller_region": trade["seller_region"],
        "buyer_region": trade["buyer_region"],
        "pollutant": trade["pollutant"],
        "vintage": trade["vintage"],
        "quantity": trade["quantity"],
        "status": trade["status"],
        "price_hash": trade["price_hash"],
        "tx_id": tx_id,
    }
