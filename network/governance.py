"""Channel updates as one organization's admin on its own host: propose, sign, inspect, submit.

The update file (:class:`network.configupdate.UpdateFile`) is the only thing that
moves between hosts. Each host signs with its own admin's key, once as the
organization's peer MSP and once as its ordering MSP (the two MSPs of one
organization share its CA; which of them a change needs depends on the group it
touches), so an admin never has to know which policy applies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from network import configupdate as cu
from network.config import Channel, Organization
from network.errors import NetworkError
from network.nodes import peer_cli_env


def _channel(network: Any, name: str) -> Channel:
    for channel in network.consortium.channels:
        if channel.name == name:
            return channel
    raise NetworkError(f"no channel {name!r} in consortium {network.consortium.name} "
                       f"(channels: {', '.join(c.name for c in network.consortium.channels)})")


def signing_org(network: Any, code: str | None) -> Organization:
    """The organization whose admin acts here: the one given, which must run on this host."""
    local = list(network.local_orgs)
    if code is None:
        if len(local) != 1:
            raise NetworkError(f"this host runs {', '.join(o.code for o in local)}: say which with --org")
        return local[0]
    org = network.consortium.org(code)
    if not network.is_local(org):
        raise NetworkError(f"{org.code} does not run on this host (its admin's key is not here); "
                           f"this host runs {', '.join(o.code for o in local)}")
    return org


def _admin_env(network: Any, org: Organization, msp_id: str | None = None) -> dict[str, str]:
    env = peer_cli_env(network.layout, org.peers[0])
    if msp_id:
        env["CORE_PEER_LOCALMSPID"] = msp_id
    return env


def current_config(network: Any, channel: str, org: Organization) -> dict[str, Any]:
    _channel(network, channel)
    return cu.fetch_config(_admin_env(network, org), channel, org.orderer_address,
                           network.layout.orderer_dir(org) / "tls" / "ca.crt")


def propose(network: Any, channel: str, edit: cu.Edit, target: Path, code: str | None = None) -> cu.UpdateFile:
    org = signing_org(network, code)
    update = cu.propose(channel, current_config(network, channel, org), edit)
    update.save(target)
    return update


def member_roots(network: Any) -> dict[str, bytes]:
    """Root certificate of every current member (its own MSP folder here, or its imported definition)."""
    roots = {}
    for org in network.consortium.organizations:
        path = network.layout.org_dir(org) / "msp" / "cacerts" / "ca.pem"
        if not path.exists():
            raise NetworkError(f"no root certificate of {org.code} on this host; import its definition first")
        roots[org.msp_id] = path.read_bytes()
    return roots


def sign(network: Any, path: Path, code: str | None = None, decision: Path | None = None,
         adopted: Callable[[str, list[str]], None] | None = None) -> list[str]:
    """Sign the update at ``path`` as this host's admin (peer and ordering MSP); returns the MSPs signed as.

    An update that adds an organization is signed only when the consortium decided it: ``adopted``
    (the caller's check that an adopted membership proposal on the ledger holds the update's hash and
    admits those organizations; it raises when not) or an adopted decision file of the member admins."""
    from network.decisions import Decision, require_adopted

    org = signing_org(network, code)
    update = cu.UpdateFile.load(path)
    _channel(network, update.channel)
    added = cu.added_organizations(update.update_document())
    if added and decision is None and adopted is None:
        raise NetworkError(f"this update admits {', '.join(added)}: sign it only with an adopted membership "
                           f"proposal holding its hash (--proposal P-...) or the members' adopted decision "
                           f"(--decision FILE)")
    if added and adopted is not None:
        adopted(update.digest, added)
    elif decision is not None:
        require_adopted(Decision.load(decision), update.digest, member_roots(network), network.consortium.name)
    already = {m for m, _ in update.signatures()}
    signed = []
    for msp_id in (org.msp_id, org.orderer_msp_id):
        if msp_id in already:
            continue
        cu.sign(update, _admin_env(network, org, msp_id))
        signed.append(msp_id)
    update.save(path)
    return signed


def status(network: Any, path: Path, code: str | None = None) -> dict[str, Any]:
    """Who signed, what the update changes, and whether each policy it needs is met."""
    org = signing_org(network, code)
    update = cu.UpdateFile.load(path)
    config = current_config(network, update.channel, org)
    document = update.update_document()
    signatures = update.signatures()
    verdicts = cu.check(config, document, set(signatures))
    return {"channel": update.channel, "description": update.description, "digest": update.digest,
            "current": cu.config_hash(config) == update.base_config_hash,
            "config_sequence": int(config.get("sequence") or 0),
            "signed_by": [m for m, _ in signatures],
            "changes": [{"path": c.path, "kind": c.kind, "policy": c.policy} for c in cu.changes(config, document)],
            "policies": [{"policy": v.policy, "satisfied": v.satisfied, "explanation": v.explanation}
                         for v in verdicts],
            "ready": all(v.satisfied for v in verdicts), "_config": config, "_update": update,
            "_verdicts": verdicts}


def decide(network: Any, subject: str, updates: list[Path], target: Path) -> Any:
    """A new, unsigned decision authorising ``updates``."""
    from network.decisions import Decision

    decision = Decision(network.consortium.name, subject, sorted(cu.UpdateFile.load(p).digest for p in updates))
    decision.save(target)
    return decision


def sign_decision(network: Any, path: Path, code: str | None = None) -> dict[str, Any]:
    """Sign a decision as this host's admin; returns whether it is now adopted, and who signed."""
    from network.decisions import Decision

    org = signing_org(network, code)
    decision = Decision.load(path)
    if decision.consortium != network.consortium.name:
        raise NetworkError(f"the decision is for consortium {decision.consortium!r}, not {network.consortium.name!r}")
    admin = network.layout.admin_dir(org) / "msp"
    added = decision.sign(org.msp_id, (admin / "signcerts" / "cert.pem").read_bytes(),
                          (admin / "keystore" / "key.pem").read_bytes())
    decision.save(path)
    adopted, signed, missing = decision.adoption(member_roots(network))
    return {"subject": decision.subject, "signed_now": added, "adopted": adopted, "signed_by": signed,
            "not_signed_by": missing}


def submit(network: Any, path: Path, code: str | None = None) -> dict[str, Any]:
    """Submit once every policy is met; else a clear error naming who has and has not signed."""
    org = signing_org(network, code)
    state = status(network, path, code)
    update: cu.UpdateFile = state["_update"]
    if not state["current"]:
        raise NetworkError(f"the configuration of {update.channel} changed since this update was proposed; "
                           f"propose it again")
    message = cu.unsatisfied_message(update.channel, state["_verdicts"], state["signed_by"])
    if message:
        raise NetworkError(message)
    cu.submit(update, _admin_env(network, org), org.orderer_address,
              network.layout.orderer_dir(org) / "tls" / "ca.crt")
    return {k: v for k, v in state.items() if not k.startswith("_")}
