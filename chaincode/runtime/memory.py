"""An in-memory ledger that runs contracts exactly as the peer would, for unit tests.

:class:`MemoryLedger` keeps committed state, key history and private data;
:meth:`MemoryLedger.submit` simulates a transaction against it and commits the
writes only when the contract succeeded, mirroring endorsement + validation.
Identities are real X.509 certificates carrying Fabric CA style attributes, so
the same certificate parsing runs in tests and on the network.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization as pem
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from common import canonical as serialization
from common import events as envelope
from chaincode.runtime import endorsement
from chaincode.runtime.identity import ATTRIBUTE_EXTENSION_OID
from chaincode.runtime.router import STATUS_OK, Response, Router
from chaincode.runtime.stub import KeyModification


@dataclass(frozen=True)
class TestIdentity:
    msp_id: str
    cert_pem: bytes
    key_pem: bytes = b""


def make_identity(msp_id: str, name: str, ou: str = "client", **attrs: str) -> TestIdentity:
    """A self-signed certificate with CA attributes, e.g. ``make_identity("BJMSP", "reg", role="regulator")``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ])
    payload = json.dumps({"attrs": {"hf.EnrollmentID": name, **attrs}}).encode()
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.UnrecognizedExtension(ATTRIBUTE_EXTENSION_OID, payload), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(pem.Encoding.PEM, pem.PrivateFormat.PKCS8, pem.NoEncryption())
    return TestIdentity(msp_id, cert.public_bytes(pem.Encoding.PEM), key_pem)


@dataclass
class _MemoryStub:
    ledger: "MemoryLedger"
    tx_id: str
    channel_id: str
    timestamp: float
    creator_msp: str
    creator_cert: bytes
    transient: dict[str, bytes] = field(default_factory=dict)
    writes: dict[str, bytes | None] = field(default_factory=dict)
    private_writes: dict[tuple[str, str], bytes] = field(default_factory=dict)
    metadata_writes: dict[str, bytes] = field(default_factory=dict)
    event: tuple[str, bytes] | None = None

    def get_state(self, key: str) -> bytes | None:
        return self.ledger.state.get(key)

    def get_multiple_states(self, keys: list[str]) -> list[bytes | None]:
        return [self.ledger.state.get(key) for key in keys]

    def put_state(self, key: str, value: bytes) -> None:
        self.writes[key] = value

    def delete_state(self, key: str) -> None:
        self.writes[key] = None

    def get_state_by_range(self, start: str, end: str) -> Iterator[tuple[str, bytes]]:
        for key in sorted(self.ledger.state):
            if start <= key < end:
                yield key, self.ledger.state[key]

    def get_history_for_key(self, key: str) -> Iterator[KeyModification]:
        yield from self.ledger.history.get(key, [])

    def get_private_data(self, collection: str, key: str) -> bytes | None:
        return self.ledger.private.get((collection, key))

    def get_private_data_hash(self, collection: str, key: str) -> bytes | None:
        value = self.ledger.private.get((collection, key))
        return None if value is None else hashlib.sha256(value).digest()

    def put_private_data(self, collection: str, key: str, value: bytes) -> None:
        self.private_writes[(collection, key)] = value

    def set_event(self, name: str, payload: bytes) -> None:
        self.event = (name, payload)

    def set_state_validation_parameter(self, key: str, policy: bytes, collection: str = "") -> None:
        self.metadata_writes[key] = policy

    def get_state_validation_parameter(self, key: str, collection: str = "") -> bytes | None:
        return self.ledger.metadata.get(key)


@dataclass
class MemoryLedger:
    router: Router
    channel_id: str = "ecoledger"
    state: dict[str, bytes] = field(default_factory=dict)
    history: dict[str, list[KeyModification]] = field(default_factory=dict)
    private: dict[tuple[str, str], bytes] = field(default_factory=dict)
    metadata: dict[str, bytes] = field(default_factory=dict)  # key → key-level endorsement policy
    events: list[tuple[str, Any]] = field(default_factory=list)
    last_validation: str = "VALID"  # the validation code of the last submit that the contract accepted
    clock: float = 1_767_225_600.0  # 2026-01-01T00:00:00Z; advances one second per transaction
    _counter: Iterator[int] = field(default_factory=itertools.count)

    def submit(self, who: TestIdentity, function: str, transient: dict[str, bytes] | None = None,
               endorsing: Iterable[str] | None = None, **args: Any) -> Response:
        """Endorse and, when the contract succeeds, commit. Returns the contract's response.

        ``endorsing`` names the organizations whose peers endorsed (default: all). A write to a key whose
        key-level policy needs an organization not among them is invalidated at commit, as the peer's
        validator does: nothing is committed and :attr:`last_validation` is ``ENDORSEMENT_POLICY_FAILURE``.
        """
        self.clock += 1
        tx_id = f"tx{next(self._counter):06d}"
        stub = _MemoryStub(self, tx_id, self.channel_id, self.clock, who.msp_id, who.cert_pem,
                           dict(transient or {}))
        encoded = [serialization.dumps(args)] if args else []
        response = self.router.invoke(stub, function, encoded)
        if response.status == STATUS_OK:
            self.last_validation = self._validate(stub, endorsing)
        if response.status == STATUS_OK and self.last_validation == "VALID":
            for key, value in stub.writes.items():
                if value is None:
                    self.state.pop(key, None)
                    self.metadata.pop(key, None)
                else:
                    self.state[key] = value
                self.history.setdefault(key, []).append(
                    KeyModification(tx_id, self.clock, value or b"", value is None))
            self.private.update(stub.private_writes)
            self.metadata.update(stub.metadata_writes)
            if stub.event is not None:
                self.events.extend(envelope.unpack(*stub.event))
        return response

    def _validate(self, stub: _MemoryStub, endorsing: Iterable[str] | None) -> str:
        if endorsing is None:
            return "VALID"
        endorsers = set(endorsing)
        for key in sorted(set(stub.writes) | set(stub.metadata_writes)):
            policy = self.metadata.get(key)
            if policy is not None and not set(endorsement.required_organizations(policy)) <= endorsers:
                return "ENDORSEMENT_POLICY_FAILURE"
        return "VALID"

    def evaluate(self, who: TestIdentity, function: str, **args: Any) -> Response:
        """Run without committing anything."""
        stub = _MemoryStub(self, "query", self.channel_id, self.clock, who.msp_id, who.cert_pem)
        encoded = [serialization.dumps(args)] if args else []
        return self.router.invoke(stub, function, encoded)

    def result(self, response: Response) -> Any:
        """The decoded payload of a successful response; raises with the refusal otherwise."""
        if response.status != STATUS_OK:
            raise AssertionError(f"transaction refused: {response.message}")
        return serialization.loads(response.payload)
