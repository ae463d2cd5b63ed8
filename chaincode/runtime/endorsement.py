"""Key-level (state-based) endorsement policies: who must endorse the next change of a key.

Fabric lets a transaction attach a validation parameter to a key
(``PUT_STATE_METADATA`` with metadata key ``VALIDATION_PARAMETER``, or a write record
of that type in the transaction's ``WRITE_BATCH_STATE``). From the
block that commits it on, every later write of that key is valid only when its
endorsements satisfy that policy instead of the chaincode's; a transaction that
fails it is marked ``ENDORSEMENT_POLICY_FAILURE`` at commit and changes nothing.

The parameter is a serialized ``common.SignaturePolicyEnvelope``. Like the Go
shim's ``statebased`` package, :func:`all_of_peers` builds "every one of these
organizations' peers": one ``MSPRole`` principal per MSP id (sorted, so every
endorser computes the same bytes) and an n-out-of-n rule over them.
"""

from __future__ import annotations

from typing import Iterable

from fabric_protos.common import policies_pb2
from fabric_protos.msp import msp_principal_pb2

PEER = msp_principal_pb2.MSPRole.PEER
MEMBER = msp_principal_pb2.MSPRole.MEMBER


def all_of(msp_ids: Iterable[str], role: int = PEER) -> bytes:
    """A SignaturePolicyEnvelope requiring a signature of ``role`` from every one of ``msp_ids``."""
    orgs = sorted(set(msp_ids))
    if not orgs or any(not isinstance(msp, str) or not msp for msp in orgs):
        raise ValueError(f"a key-level policy needs at least one MSP id, got {orgs!r}")
    identities = [msp_principal_pb2.MSPPrincipal(
        principal_classification=msp_principal_pb2.MSPPrincipal.ROLE,
        principal=msp_principal_pb2.MSPRole(msp_identifier=msp, role=role).SerializeToString())
        for msp in orgs]
    rules = [policies_pb2.SignaturePolicy(signed_by=index) for index in range(len(orgs))]
    rule = policies_pb2.SignaturePolicy(n_out_of=policies_pb2.SignaturePolicy.NOutOf(n=len(orgs), rules=rules))
    envelope = policies_pb2.SignaturePolicyEnvelope(version=0, rule=rule, identities=identities)
    return envelope.SerializeToString(deterministic=True)


def all_of_peers(msp_ids: Iterable[str]) -> bytes:
    """Every one of these organizations' peers must endorse (the Go shim's ``NewStateEP`` + ``AddOrgs(PEER)``)."""
    return all_of(msp_ids, PEER)


def required_organizations(policy: bytes) -> list[str]:
    """The MSP ids an n-out-of-n policy of :func:`all_of` requires (for display and the in-memory ledger).

    Raises ``ValueError`` for a policy of another shape.
    """
    envelope = policies_pb2.SignaturePolicyEnvelope.FromString(policy)
    rule = envelope.rule
    if rule.WhichOneof("Type") != "n_out_of" or rule.n_out_of.n != len(envelope.identities):
        raise ValueError("not an all-of policy")
    orgs = []
    for principal in envelope.identities:
        if principal.principal_classification != msp_principal_pb2.MSPPrincipal.ROLE:
            raise ValueError("not a role-based policy")
        orgs.append(msp_principal_pb2.MSPRole.FromString(principal.principal).msp_identifier)
    return orgs


def describe(policy: bytes) -> str:
    """``AND('BJMSP.peer', 'HBMSP.peer')`` for a policy of :func:`all_of_peers`."""
    envelope = policies_pb2.SignaturePolicyEnvelope.FromString(policy)
    roles = {msp_principal_pb2.MSPRole.PEER: "peer", msp_principal_pb2.MSPRole.MEMBER: "member",
             msp_principal_pb2.MSPRole.ADMIN: "admin", msp_principal_pb2.MSPRole.CLIENT: "client"}
    names = [f"'{role.msp_identifier}.{roles.get(role.role, str(role.role))}'"
             for role in (msp_principal_pb2.MSPRole.FromString(p.principal) for p in envelope.identities)]
    return f"AND({', '.join(names)})" if len(required_organizations(policy)) == len(names) else repr(policy)
