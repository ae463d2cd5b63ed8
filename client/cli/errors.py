"""Errors raised by CLI commands themselves (bad option values the parser cannot catch), and how any
expected error reads on one line."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from network.errors import NetworkError

if TYPE_CHECKING:
    from client.cli.options import Globals


class CommandError(Exception):
    """A request that cannot be carried out as given; printed as one line."""


# Errors that mean "your request failed", not "ecoledger has a bug". The gateway's own
# (GatewayError, WalletError) are looked up only once their module is loaded: an
# error of a module that was never imported cannot have been raised.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (NetworkError, CommandError)
LAZY_EXPECTED_ERRORS = (("client.gateway.errors", ("GatewayError", "WalletError")),)


def expected_errors() -> tuple[type[Exception], ...]:
    found = list(EXPECTED_ERRORS)
    for module_name, names in LAZY_EXPECTED_ERRORS:
        module = sys.modules.get(module_name)
        if module is not None:
            found += [getattr(module, name) for name in names]
    return tuple(found)


def error_line(err: Exception, state: Globals | None) -> str:
    """The chaincode's own words for a refusal; for organizations that could not endorse, who and what
    the endorsement policy needs; otherwise the error as it reads."""
    refusal = getattr(err, "chaincode_message", None)
    if refusal:
        return refusal
    explain = getattr(err, "explain", None)
    if callable(explain):
        policy, peer_orgs = _endorsement_facts(state)
        also_down = _other_organizations_down(err, state, peer_orgs)
        explained = explain(policy, peer_orgs, also_down)
        if explained:
            return explained
    return str(err)


def _other_organizations_down(err: Exception, state: Globals | None,
                              peer_orgs: dict[str, str] | None) -> dict[str, list[str]] | None:
    """Ask the organizations the Gateway did not name, one by one, whether their peers endorse.

    Also when it named none: a gateway that already dropped unreachable peers from discovery only
    says no set of the peers it knows satisfies the policy."""
    unavailable = getattr(err, "unavailable_organizations", None)
    app = state.opened if state is not None else None
    if app is None or not callable(unavailable) or getattr(err, "chaincode_message", None) is not None:
        return None
    try:
        named = unavailable(peer_orgs)
        from client.session import unreachable_organizations

        consortium = app.network.consortium
        members = next(c for c in consortium.channels if c.name == consortium.channel).orgs
        return unreachable_organizations(app.contract(), [o.msp_id for o in members if o.msp_id not in named])
    except Exception:  # the diagnosis only completes the message; never hide the original error
        return None


def _endorsement_facts(state: Globals | None) -> tuple[Any, dict[str, str] | None]:
    """The all-members channel's endorsement policy (a majority of its organizations) and who owns which peer."""
    app = state.opened if state is not None else None
    if app is None:
        return None, None
    try:
        from client.gateway.errors import EndorsementPolicy

        consortium = app.network.consortium
        members = next(c for c in consortium.channels if c.name == consortium.channel).orgs
        peers = {peer.address: org.msp_id for org in members for peer in org.peers}
        return EndorsementPolicy(len(members)), peers
    except Exception:  # the facts only decorate the message; never hide the original error
        return None, None
