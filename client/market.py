"""The seller's and buyer's side of the allowance market: private prices and who endorses them.

Prices travel only in the transient map and are written to private data
collections (see :mod:`chaincode.contracts.market` for the whole design).
The Fabric Gateway will not pick endorsers for a proposal that carries
transient data and writes a collection whose members cannot satisfy the
endorsement policy on their own, so the client names them: the members of the
collection the price goes to (the parties' organizations and the
coordinator), topped up with further organizations only as far as the
channel majority needs.

* :meth:`MarketClient.list_offer` sends a fresh random salt with the ask.
* :meth:`MarketClient.buy` first reads the offer and its ask on the buyer's
  own peer (``Market:Offer``, ``Market:Price``), then submits ``Market:Buy``
  with that price and salt; the chaincode checks them against the offer's
  public hash.

Every write goes through :func:`client.retry.submit_with_retry`, so a buyer
that loses a race for the same offer is simulated again and, when the offer
no longer has enough, refused with the chaincode's message.

Who the members are comes from the organization's connection profile
(:attr:`client.profile.ConnectionProfile.membership`); any object with a
``name`` and ``organizations`` carrying ``msp_id`` and ``kind`` will do.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence

from client.gateway import SubmitResult, SyncContract
from client.retry import RetryCallback, RetryPolicy, submit_with_retry

COORDINATOR_KIND = "coordinator"
SALT_BYTES = 16  # 32 hex characters; the chaincode accepts 16 to 256


class MarketError(Exception):
    """A market request the client refuses before sending anything."""


class MemberOrganization(Protocol):
    @property
    def msp_id(self) -> str: ...

    @property
    def kind(self) -> str: ...


class Members(Protocol):
    """The consortium's member organizations in consortium order, e.g. a profile's ``membership``."""

    @property
    def name(self) -> str: ...

    @property
    def organizations(self) -> Sequence[MemberOrganization]: ...


def new_salt() -> str:
    """A random salt for a price hash: without it a small price could be found from its hash by trying."""
    return secrets.token_hex(SALT_BYTES)


def price_transient(price: int, salt: str) -> dict[str, bytes]:
    """The transient fields ``price`` (whole fen per kg, ASCII digits) and ``salt``."""
    if isinstance(price, bool) or not isinstance(price, int) or price < 0:
        raise MarketError(f"a price must be a whole number of fen per kg, got {price!r}")
    return {"price": str(price).encode("ascii"), "salt": salt.encode("utf-8")}


def price_endorsers(consortium: Members, parties: Sequence[str]) -> list[str]:
    """Organizations to endorse a transaction whose transient price goes to the parties' collection.

    The parties' MSP ids and the coordinators (members of every price
    collection) come first; other organizations follow in consortium order
    only until a majority of the all-members channel is reached.
    """
    members = [org.msp_id for org in consortium.organizations]
    unknown = [msp for msp in parties if msp not in members]
    if unknown:
        raise MarketError(f"organization(s) {', '.join(unknown)} are not members of consortium {consortium.name}")
    chosen: list[str] = []
    coordinators = [org.msp_id for org in consortium.organizations if org.kind == COORDINATOR_KIND]
    for msp in [*parties, *coordinators]:
        if msp not in chosen:
            chosen.append(msp)
    majority = len(members) // 2 + 1
    for msp in members:
        if len(chosen) >= majority:
            break
        if msp not in chosen:
            chosen.append(msp)
    return chosen


@dataclass
class MarketClient:
    """Market calls as one identity of organization ``msp_id`` through ``contract``."""

    contract: SyncContract
    consortium: Members
    msp_id: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    on_retry: RetryCallback | None = None

    def submit(self, function: str, args: Mapping[str, Any], *, transient: Mapping[str, bytes] | None = None,
               endorsing_organizations: Sequence[str] = ()) -> SubmitResult:
        """Any market or permit write, retried after a lost race."""
        return submit_with_retry(self.contract, function, args, transient=transient,
                                 endorsing_organizations=endorsing_organizations, policy=self.policy,
                                 on_retry=self.on_retry)

    def list_offer(self, pollutant: str, vintage: int, quantity: int, price: int,
                   salt: str | None = None) -> SubmitResult:
        """Offer ``quantity`` kg at ``price`` fen per kg; the ask goes to every collection of the seller."""
        return self.submit("Market:ListOffer", {"pollutant": pollutant, "vintage": vintage, "quantity": quantity},
                           transient=price_transient(price, salt or new_salt()),
                           endorsing_organizations=price_endorsers(self.consortium, [self.msp_id]))

    def ask(self, offer_id: str) -> dict[str, Any]:
        """The offer's asking price record as this identity's own peer holds it."""
        return self.contract.evaluate("Market:Price", {"id": offer_id})

    def buy(self, offer_id: str, quantity: int | None = None) -> SubmitResult:
        """Buy ``quantity`` kg (default: all that remains) of an offer at its asking price."""
        offer = self.contract.evaluate("Market:Offer", {"offer_id": offer_id})
        if quantity is None:
            quantity = offer["remaining"]
            if quantity == 0:
                raise MarketError(f"offer {offer_id} is {offer['status']} with nothing left to buy "
                                  f"({offer['pending']} kg await approval, {offer['sold']} kg sold)")
        ask = self.ask(offer_id)
        return self.submit("Market:Buy", {"offer_id": offer_id, "quantity": quantity},
                           transient=price_transient(ask["price"], ask["salt"]),
                           endorsing_organizations=price_endorsers(self.consortium,
                                                                   [offer["seller_msp"], self.msp_id]))
