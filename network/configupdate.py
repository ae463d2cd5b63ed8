"""Channel configuration updates signed by several organizations' admins.

One admin proposes an update: fetch the channel's current configuration,
change it, let ``configtxlator compute_update`` find the difference, and wrap
it in a CONFIG_UPDATE envelope. The result is an *update file* (JSON: the
channel, a description, the current configuration's hash and the envelope) that
travels from host to host; each admin adds its signature with ``sign`` (the
``peer`` CLI, under the admin's own key on its own host); anyone submits it once
the signatures satisfy the policies the change needs. Before submitting, the
policies are evaluated here, so too few signatures give a clear error naming who
has and who has not signed instead of the orderer's bare refusal.

What an update needs (``common/configtx/update.go``): every changed element
(version bumped in the write set) is authorised by its ``mod_policy``, resolved
relative to the group holding it (for a group, the group itself); a new element
is covered by its parent's version bump. Policies are Signature policies
(``OR('BJMSP.admin')``) or ImplicitMeta (``MAJORITY Admins`` of the subgroups).
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from network import binaries
from network.commands import run, run_with_retry
from network.errors import NetworkError

UPDATE_VERSION = 1
ROLE_RANK = {"MEMBER": 0, "CLIENT": 1, "PEER": 1, "ORDERER": 1, "ADMIN": 2}


# -- what changes ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One element the update modifies: its path, kind and the policy that must authorise it."""

    path: str  # e.g. /Channel/Orderer/BatchTimeout
    kind: str  # group | value | policy
    policy: str  # absolute policy path, e.g. /Channel/Orderer/Admins


def _lookup_group(config_group: dict[str, Any], parts: list[str]) -> dict[str, Any] | None:
    group: dict[str, Any] | None = config_group
    for part in parts:
        group = (group or {}).get("groups", {}).get(part)
        if group is None:
            return None
    return group


def changes(config: dict[str, Any], update: dict[str, Any]) -> list[Change]:
    """Elements ``update`` (a decoded ConfigUpdate) modifies in ``config`` (a decoded Config)."""
    root = config["channel_group"]
    found: list[Change] = []

    def walk(write: dict[str, Any], read: dict[str, Any] | None, path: list[str]) -> None:
        current = _lookup_group(root, path[1:])
        here = "/" + "/".join(path)
        if current is not None and (read is None or int(write.get("version", 0)) != int(read.get("version", 0))):
            policy = current.get("mod_policy") or "Admins"
            found.append(Change(here, "group", _absolute(path, policy)))
        for kind, key in (("value", "values"), ("policy", "policies")):
            for name, item in (write.get(key) or {}).items():
                before = (read or {}).get(key, {}).get(name)
                existing = (current or {}).get(key, {}).get(name)
                if existing is None:
                    continue  # a new element: authorised through its group's version bump
                if before is None or int(item.get("version", 0)) != int(before.get("version", 0)):
                    found.append(Change(f"{here}/{name}", kind,
                                        _absolute(path, existing.get("mod_policy") or "Admins")))
        for name, child in (write.get("groups") or {}).items():
            walk(child, (read or {}).get("groups", {}).get(name), [*path, name])

    walk(update.get("write_set") or {}, update.get("read_set"), ["Channel"])
    return found


def _absolute(group_path: list[str], policy: str) -> str:
    return policy if policy.startswith("/") else "/" + "/".join([*group_path, policy])


def added_organizations(update: dict[str, Any]) -> list[str]:
    """Organizations (MSP groups) the update adds to the Application or Orderer group: a membership change."""
    added = []
    for section in ("Application", "Orderer"):
        written = (update.get("write_set") or {}).get("groups", {}).get(section) or {}
        read = (update.get("read_set") or {}).get("groups", {}).get(section) or {}
        added += [name for name in (written.get("groups") or {}) if name not in (read.get("groups") or {})]
    return sorted(added)


# -- who must sign ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    policy: str
    satisfied: bool
    explanation: str


def _policy_at(root: dict[str, Any], path: str) -> tuple[dict[str, Any], list[str]]:
    parts = path.strip("/").split("/")
    group = _lookup_group(root, parts[1:-1])
    policy = (group or {}).get("policies", {}).get(parts[-1])
    if group is None or policy is None:
        raise NetworkError(f"policy {path} does not exist in the channel configuration")
    return policy["policy"], parts[:-1]


def evaluate(config: dict[str, Any], path: str, signers: set[tuple[str, str]]) -> Verdict:
    """Whether signatures by ``signers`` ({(msp id, role)}) satisfy the policy at ``path``."""
    root = config["channel_group"]
    policy, group_path = _policy_at(root, path)
    if policy.get("type") == 3:  # IMPLICIT_META
        rule = policy["value"]["rule"]
        sub = policy["value"]["sub_policy"]
        group = _lookup_group(root, group_path[1:]) or {}
        results = [evaluate(config, "/" + "/".join([*group_path, name, sub]), signers)
                   for name in sorted(group.get("groups", {}))]
        total = len(results)
        needed = {"ANY": 1, "ALL": total, "MAJORITY": total // 2 + 1}[rule]
        met = [r for r in results if r.satisfied]
        unmet = [r for r in results if not r.satisfied]
        text = (f"{path} needs {rule} {sub} ({needed} of {total}): "
                f"met by {', '.join(_owner(r.policy) for r in met) or 'none'}; "
                f"not met by {', '.join(_owner(r.policy) for r in unmet) or 'none'}")
        return Verdict(path, len(met) >= needed, text)
    if policy.get("type") == 1:  # SIGNATURE
        value = policy["value"]
        principals = [(p["principal"]["msp_identifier"], p["principal"].get("role", "MEMBER"))
                      for p in value.get("identities", [])]
        ok = _signed_by(value["rule"], principals, signers)
        who = " or ".join(f"{m}.{r.lower()}" for m, r in principals)
        return Verdict(path, ok, f"{path} needs {who}")
    raise NetworkError(f"policy {path} has type {policy.get('type')}, which this tool does not evaluate")


def _owner(policy_path: str) -> str:
    parts = policy_path.strip("/").split("/")
    return parts[-2] if len(parts) >= 2 else policy_path


def _signed_by(rule: dict[str, Any], principals: list[tuple[str, str]], signers: set[tuple[str, str]]) -> bool:
    if "signed_by" in rule:
        msp, role = principals[int(rule.get("signed_by", 0))]
        return any(m == msp and ROLE_RANK.get(r, 0) >= ROLE_RANK.get(role, 0) and
                   (role in ("MEMBER", "ADMIN") or r == role) for m, r in signers)
    n_out_of = rule["n_out_of"]
    satisfied = sum(_signed_by(r, principals, signers) for r in n_out_of.get("rules", []))
    return satisfied >= int(n_out_of.get("n", 0))


def check(config: dict[str, Any], update: dict[str, Any], signers: set[tuple[str, str]]) -> list[Verdict]:
    """One verdict per distinct policy the update needs (each changed element's mod_policy)."""
    policies = sorted({c.policy for c in changes(config, update)})
    if not policies:
        raise NetworkError("the update changes nothing")
    return [evaluate(config, p, signers) for p in policies]


def unsatisfied_message(channel: str, verdicts: list[Verdict], signed: list[str]) -> str | None:
    """The error for too few signatures (None when every policy is met)."""
    unmet = [v for v in verdicts if not v.satisfied]
    if not unmet:
        return None
    return (f"update of channel {channel} is not signed enough: signed by {', '.join(signed) or 'nobody'}; "
            + "; ".join(v.explanation for v in unmet))


# -- configtxlator and peer CLI --------------------------------------------------------------------
def _configtxlator(args: list[str], what: str) -> str:
    return run([binaries.binary("configtxlator"), *args], what=what)


def decode(kind: str, data: bytes) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pb"
        source.write_bytes(data)
        out = _configtxlator(["proto_decode", "--type", kind, "--input", str(source)], f"decoding a {kind}")
    return json.loads(out[out.index("{"):])


def encode(kind: str, document: dict[str, Any]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.json", Path(tmp) / "out.pb"
        source.write_text(json.dumps(document))
        _configtxlator(["proto_encode", "--type", kind, "--input", str(source), "--output", str(target)],
                       f"encoding a {kind}")
        return target.read_bytes()


def compute_update(channel: str, original: dict[str, Any], modified: dict[str, Any]) -> bytes:
    """The ConfigUpdate (protobuf) that turns ``original`` into ``modified`` (decoded Configs)."""
    with tempfile.TemporaryDirectory() as tmp:
        a, b, out = Path(tmp) / "a.pb", Path(tmp) / "b.pb", Path(tmp) / "u.pb"
        a.write_bytes(encode("common.Config", original))
        b.write_bytes(encode("common.Config", modified))
        try:
            _configtxlator(["compute_update", "--channel_id", channel, "--original", str(a), "--updated", str(b),
                            "--output", str(out)], f"computing the update of {channel}")
        except Exception as err:
            if "no differences detected" in str(err):
                raise NetworkError(f"the update of channel {channel} changes nothing") from None
            raise
        return out.read_bytes()


def envelope(channel: str, config_update: bytes) -> bytes:
    """A CONFIG_UPDATE envelope holding ``config_update``, not signed by anyone yet."""
    update = decode("common.ConfigUpdate", config_update)
    return encode("common.Envelope", {"payload": {
        "header": {"channel_header": {"channel_id": channel, "type": 2}},
        "data": {"config_update": update}}})


def config_hash(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


# -- the update file -------------------------------------------------------------------------------
@dataclass
class UpdateFile:
    channel: str
    description: str
    base_config_hash: str
    envelope: bytes

    @classmethod
    def load(cls, path: Path) -> "UpdateFile":
        from network.documents import load_versioned

        return load_versioned(path, UPDATE_VERSION, "channel update", "ecoledger channel propose", lambda data: cls(
            data["channel"], data["description"], data["base_config_hash"], base64.b64decode(data["envelope"])))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"version": UPDATE_VERSION, "channel": self.channel,
                                    "description": self.description, "base_config_hash": self.base_config_hash,
                                    "envelope": base64.b64encode(self.envelope).decode()}, indent=2) + "\n")

    @property
    def digest(self) -> str:
        """Hash of the ConfigUpdate itself, unchanged by signatures: of its decoded form as canonical JSON
        (re-encoding protobuf maps is not byte-stable, so the bytes themselves are no reliable key)."""
        canonical = json.dumps(self.update_document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def update_document(self) -> dict[str, Any]:
        return decode("common.Envelope", self.envelope)["payload"]["data"]["config_update"]

    def signatures(self) -> list[tuple[str, str]]:
        """(MSP id, role) of every signer; role from the certificate's NodeOU."""
        document = decode("common.Envelope", self.envelope)
        result = []
        for signature in document["payload"]["data"].get("signatures") or []:
            creator = signature["signature_header"]["creator"]
            result.append((creator["mspid"], _role_of(creator.get("id_bytes", ""))))
        return result


def _role_of(id_bytes: str) -> str:
    """The NodeOU role in a PEM certificate (``OU=admin`` -> ADMIN)."""
    from cryptography import x509

    try:
        pem = base64.b64decode(id_bytes) if "BEGIN" not in id_bytes else id_bytes.encode()
        cert = x509.load_pem_x509_certificate(pem)
    except Exception:
        return "MEMBER"
    ous = [a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATIONAL_UNIT_NAME)]
    for role in ("admin", "peer", "orderer", "client"):
        if role in ous:
            return role.upper()
    return "MEMBER"


def sign(update: UpdateFile, env: dict[str, str]) -> None:
    """Add the signature of the identity ``env`` names (``peer channel signconfigtx``) to the envelope."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "update.pb"
        path.write_bytes(update.envelope)
        run([binaries.binary("peer"), "channel", "signconfigtx", "-f", str(path)], env=env,
            what=f"signing the update of {update.channel} as {env.get('CORE_PEER_LOCALMSPID')}")
        update.envelope = path.read_bytes()


def submit(update: UpdateFile, env: dict[str, str], orderer: str, orderer_ca: Path) -> None:
    """Send the signed update to an ordering node (``peer channel update``; the submitter signs too)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "update.pb"
        path.write_bytes(update.envelope)
        run_with_retry([binaries.binary("peer"), "channel", "update", "-f", str(path), "-c", update.channel,
                        "-o", orderer, "--tls", "--cafile", str(orderer_ca)], env=env, attempts=3, delay=2.0,
                       what=f"submitting the update of {update.channel}")


def fetch_config_block(env: dict[str, str], channel: str, orderer: str, orderer_ca: Path, target: Path,
                       attempts: int = 5) -> Path:
    """Write the channel's latest config block to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    run_with_retry([binaries.binary("peer"), "channel", "fetch", "config", str(target), "-c", channel,
                    "-o", orderer, "--tls", "--cafile", str(orderer_ca)], env=env, attempts=attempts, delay=2.0,
                   what=f"fetching the configuration of {channel}")
    return target


def block_config(block: bytes) -> dict[str, Any]:
    """The decoded Config a config (or genesis) block carries."""
    return decode("common.Block", block)["data"]["data"][0]["payload"]["data"]["config"]


def consenter_msps(config: dict[str, Any]) -> list[str]:
    """MSP ids of the channel's BFT consenters (empty for Raft, whose consenters carry no MSP id)."""
    orderer = config["channel_group"]["groups"]["Orderer"]
    mapping = orderer["values"].get("Orderers", {}).get("value", {}).get("consenter_mapping") or []
    return [c["msp_id"] for c in mapping]


def fetch_config(env: dict[str, str], channel: str, orderer: str, orderer_ca: Path) -> dict[str, Any]:
    """The channel's current configuration (decoded), from its latest config block."""
    with tempfile.TemporaryDirectory() as tmp:
        block = fetch_config_block(env, channel, orderer, orderer_ca, Path(tmp) / "config.block")
        return block_config(block.read_bytes())


Edit = Callable[[dict[str, Any]], str]
"""Changes a decoded Config in place; returns a one-line description of the change."""


def set_batch_timeout(timeout: str) -> Edit:
    def edit(config: dict[str, Any]) -> str:
        value = config["channel_group"]["groups"]["Orderer"]["values"]["BatchTimeout"]["value"]
        value["timeout"] = timeout
        return f"set the ordering batch timeout to {timeout}"
    return edit


def bft_quorum(consenters: int) -> int:
    """Signatures a block needs from ``consenters`` BFT nodes: ceil((n + f + 1) / 2), f = (n - 1) // 3."""
    faults = (consenters - 1) // 3
    return (consenters + faults + 2) // 2


def block_validation_policy(mapping: list[dict[str, Any]]) -> dict[str, Any]:
    """The one BlockValidation policy a SmartBFT orderer accepts: a quorum of the consenters' identities, in
    mapping order (``orderer/consensus/smartbft/configverifier.go`` compares it exactly)."""
    return {"type": 1, "value": {
        "identities": [{"principal": {"id_bytes": c["identity"], "mspid": c["msp_id"]},
                        "principal_classification": "IDENTITY"} for c in mapping],
        "rule": {"n_out_of": {"n": bft_quorum(len(mapping)),
                              "rules": [{"signed_by": i} for i in range(len(mapping))]}},
        "version": 0}}


def admit_organization(definition: dict[str, Any], consenter: bool = False) -> Edit:
    """Add an organization (its exported definition) as an application member of the channel; with
    ``consenter``, also its ordering node: its MSP and endpoint in the Orderer group and one more entry in the
    BFT consenter mapping, with the block validation quorum recomputed (one consenter change, as Fabric asks)."""
    from network.members import application_group

    def edit(config: dict[str, Any]) -> str:
        groups = config["channel_group"]["groups"]["Application"]["groups"]
        if definition["msp_id"] in groups:
            raise NetworkError(f"{definition['msp_id']} is already a member of this channel")
        groups[definition["msp_id"]] = application_group(definition)
        described = f"admit {definition['code']} ({definition['msp_id']}) as an application member"
        if consenter:
            described += add_consenter(definition)(config)
        return described
    return edit


def add_consenter(definition: dict[str, Any]) -> Edit:
    from network.members import consenter_entry, orderer_group

    def edit(config: dict[str, Any]) -> str:
        orderer = config["channel_group"]["groups"]["Orderer"]
        kind = orderer["values"]["ConsensusType"]["value"]["type"]
        if kind != "BFT":
            raise NetworkError(f"the channel's ordering service is {kind}; adding a consenter is done for BFT only")
        msp_id = definition["orderer_msp_id"]
        if msp_id in orderer["groups"]:
            raise NetworkError(f"{msp_id} is already in the channel's ordering service")
        mapping = orderer["values"]["Orderers"]["value"]["consenter_mapping"]
        orderer["groups"][msp_id] = orderer_group(definition)
        mapping.append(consenter_entry(definition, max((int(c["id"]) for c in mapping), default=0) + 1))
        orderer["policies"]["BlockValidation"]["policy"] = block_validation_policy(mapping)
        return (f" and its ordering node {definition['orderer']['address']} as BFT consenter "
                f"{len(mapping)} (blocks need {bft_quorum(len(mapping))} of {len(mapping)} signatures)")
    return edit


def propose(channel: str, config: dict[str, Any], edit: Edit) -> UpdateFile:
    """An unsigned update file for ``edit`` applied to ``config``."""
    import copy

    modified = copy.deepcopy(config)
    description = edit(modified)
    return UpdateFile(channel, description, config_hash(config), envelope(channel, compute_update(
        channel, config, modified)))
