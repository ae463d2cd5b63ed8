"""Sharing a report's raw file with one organization: hybrid encryption, keys in the wallet, grants on the ledger.

**Keys.** Each organization registers one data-sharing public key on the
ledger (``Sharing:RegisterKey``, by an admin of the organization). Its private
key lives with the organization's wallet identities, in
``<wallet>/.sharing/<MSPID>.pem`` (PKCS #8 PEM, folder mode 0700, file mode
0600); a key replaced by ``--rotate`` stays beside it as
``<MSPID>-<first 16 hex digits of its fingerprint>.pem`` so files shared for it
still open. Whoever opens shared files for the organization needs read access
to that folder, as to the wallet's identities. A key's fingerprint is the
SHA-256 (hex) of its DER SubjectPublicKeyInfo, as the chaincode computes it.
RSA keys of 2048 bits or more and EC keys on P-256 or P-384 are accepted.

**Sharing.** :func:`prepare_share` checks that the raw file is exactly the
report's (its SHA-256 and size against ``Report:Show``), encrypts it with a
fresh random AES-256-GCM key and wraps that key for the recipient's registered
key:

* RSA: RSA-OAEP with SHA-256 (MGF1-SHA-256, no label) → ``RSA-OAEP-256``;
* EC: ECDH with an ephemeral key on the recipient's curve, HKDF-SHA-256 of the
  shared secret (no salt; info ``ecoledger-share/1 ECDH-ES+A256KW``, the
  recipient key's fingerprint in ASCII and the ephemeral public point) to a
  256-bit key-encryption key, then AES key wrap (RFC 3394) of the file key →
  ``ECDH-ES+A256KW``; the wrapped key is the ephemeral point (X9.62
  uncompressed: 65 bytes on P-256, 97 on P-384) followed by the 40 wrapped bytes.

The grant (``Sharing:Grant``) records the wrapped key (base64), the
ciphertext file's fingerprint and the key it was wrapped for; the ciphertext
itself travels off the ledger.

**The ciphertext file.** ::

    offset  size  content
    0       16    magic  b"ECOLEDGER-SHARE\\n"
    16      1     format version, 1
    17      4     header length N, unsigned big-endian (at most 4096)
    21      N     header: canonical JSON (sorted keys, UTF-8) {"cipher": "A256GCM", "key_alg":
                  "RSA-OAEP-256" | "ECDH-ES+A256KW", "key_fingerprint": 64 hex digits, "nonce": 24 hex
                  digits (96 bits), "recipient": MSP id, "report": report id}
    21+N    …     AES-256-GCM ciphertext of the raw file followed by its 16-byte tag; the associated data
                  is bytes 0 to 21+N, so the header cannot be changed without the tag failing

**Opening.** :func:`open_shared` refuses, with one :class:`SharingError`
saying why, a file that is not of this format, that was shared with another
organization than the opener's, whose key is not in the wallet, that no grant
on the ledger names (changed after sharing, or never shared), whose grant is
revoked or expired, whose key does not unwrap or whose ciphertext fails
authentication, or whose plaintext is not the report's raw data on the
ledger (``Report:Verify``). The plaintext is handed back only when every
check passed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from client.monitoring.reports import fingerprint
from client.monitoring.service import MonitoringError
from common import canonical

MAGIC = b"ECOLEDGER-SHARE\n"
VERSION = 1
MAX_HEADER = 4096
_PREAMBLE = struct.Struct(">BI")  # version, header length
CIPHER = "A256GCM"
RSA_OAEP = "RSA-OAEP-256"
ECDH_ES = "ECDH-ES+A256KW"
KEY_ALGORITHMS = (RSA_OAEP, ECDH_ES)
NONCE_BYTES = 12
FILE_KEY_BYTES = 32
HKDF_INFO = b"ecoledger-share/1 ECDH-ES+A256KW"
MIN_RSA_BITS = 2048
CURVES = {"secp256r1": "EC-P256", "secp384r1": "EC-P384"}
KEY_KINDS = {"rsa-2048": ("rsa", 2048), "rsa-3072": ("rsa", 3072), "rsa-4096": ("rsa", 4096),
             "ec-p256": ("ec", ec.SECP256R1()), "ec-p384": ("ec", ec.SECP384R1())}
DEFAULT_KEY_KIND = "rsa-3072"
KEY_FOLDER = ".sharing"
_MSP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_REPORT_ID = re.compile(r"^R-[0-9A-Za-z]{1,64}$")

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


class SharingError(MonitoringError):
    """A raw file that cannot be shared or opened, and why (one line)."""


# -- keys ---------------------------------------------------------------------------------------


def _spki(public_key: PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_fingerprint(key: PublicKey | PrivateKey) -> str:
    """SHA-256 (hex) of the DER SubjectPublicKeyInfo of a key (of the public half of a private key)."""
    public = key.public_key() if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)) else key
    return hashlib.sha256(_spki(public)).hexdigest()


def key_type(key: PublicKey | PrivateKey) -> str:
    """``RSA-<bits>``, ``EC-P256`` or ``EC-P384``; :class:`SharingError` for any other key."""
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        if key.key_size < MIN_RSA_BITS:
            raise SharingError(f"an RSA data-sharing key needs at least {MIN_RSA_BITS} bits, got {key.key_size}")
        return f"RSA-{key.key_size}"
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)) and key.curve.name in CURVES:
        return CURVES[key.curve.name]
    raise SharingError("a data-sharing key is RSA (at least 2048 bits) or EC on P-256 or P-384")


def public_pem(key: PublicKey | PrivateKey) -> str:
    public = key.public_key() if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)) else key
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def load_public_key(pem: str | bytes) -> PublicKey:
    """A data-sharing public key from PEM, checked as the chaincode checks it."""
    try:
        loaded = serialization.load_pem_public_key(pem.encode("ascii") if isinstance(pem, str) else pem)
    except (ValueError, TypeError, UnicodeEncodeError) as err:
        raise SharingError(f"not a PEM public key ({err})") from None
    key_type(loaded)  # type: ignore[arg-type]
    return loaded  # type: ignore[return-value]


def generate_key(kind: str = DEFAULT_KEY_KIND) -> PrivateKey:
    """A new data-sharing private key: ``rsa-2048``, ``rsa-3072`` (default), ``rsa-4096``, ``ec-p256``, ``ec-p384``."""
    if kind not in KEY_KINDS:
        raise SharingError(f"unknown key type {kind!r}; one of {', '.join(KEY_KINDS)}")
    family, size = KEY_KINDS[kind]
    if family == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=size)  # type: ignore[arg-type]
    return ec.generate_private_key(size)  # type: ignore[arg-type]


class KeyStore:
    """The data-sharing private keys of organizations, in ``<wallet>/.sharing/``."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    @classmethod
    def of_wallet(cls, wallet_dir: str | os.PathLike[str]) -> KeyStore:
        return cls(Path(wallet_dir) / KEY_FOLDER)

    def path(self, msp_id: str) -> Path:
        """Where the current private key of ``msp_id`` lives."""
        if not _MSP_ID.match(msp_id):
            raise SharingError(f"invalid MSP id {msp_id!r}")
        return self.folder / f"{msp_id}.pem"

    def archived_path(self, msp_id: str, fingerprint_hex: str) -> Path:
        return self.path(msp_id).with_name(f"{msp_id}-{fingerprint_hex[:16]}.pem")

    def _load(self, path: Path) -> PrivateKey:
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except OSError as err:
            raise SharingError(f"cannot read data-sharing key {path}: {err.strerror or err}") from None
        except (ValueError, TypeError) as err:
            raise SharingError(f"{path} is not an unencrypted PEM private key ({err})") from None
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise SharingError(f"{path} is not an RSA or EC private key")
        key_type(key)
        return key

    def current(self, msp_id: str) -> PrivateKey | None:
        """The organization's current private key, or ``None`` when this wallet has none."""
        path = self.path(msp_id)
        return self._load(path) if path.exists() else None

    def find(self, msp_id: str, fingerprint_hex: str) -> PrivateKey:
        """The private key of ``msp_id`` whose public key has this fingerprint (current or kept from before)."""
        for path in (self.path(msp_id), self.archived_path(msp_id, fingerprint_hex)):
            if path.exists():
                key = self._load(path)
                if key_fingerprint(key) == fingerprint_hex:
                    return key
        current = self.path(msp_id)
        if not current.exists():
            raise SharingError(f"this wallet has no data-sharing private key of {msp_id} ({current}); its admin "
                               f"creates it with 'ecoledger sharing register-key', and whoever opens shared files "
                               f"for {msp_id} needs that file")
        raise SharingError(f"the file key was wrapped for key {fingerprint_hex[:16]}… of {msp_id}, which is "
                           f"not in this wallet ({self.folder})")

    def save(self, msp_id: str, key: PrivateKey) -> Path:
        """Write ``key`` as the current key of ``msp_id``: owner-only, never over an existing file."""
        path = self.path(msp_id)
        data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
        try:
            if not self.folder.is_dir():
                self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.chmod(self.folder, 0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(path, 0o600)
        except FileExistsError:
            raise SharingError(f"{path} exists already") from None
        except OSError as err:
            raise SharingError(f"cannot write data-sharing key {path}: {err.strerror or err}") from None
        return path

    def archive(self, msp_id: str) -> Path | None:
        """Move the current key aside (``<MSPID>-<fingerprint>.pem``); ``None`` when there is none."""
        key = self.current(msp_id)
        if key is None:
            return None
        kept = self.archived_path(msp_id, key_fingerprint(key))
        os.replace(self.path(msp_id), kept)
        return kept

    def restore(self, msp_id: str, kept: Path) -> None:
        os.replace(kept, self.path(msp_id))


# -- wrapping the file key ------------------------------------------------------------------------

_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def _kek(shared: bytes, key_fp: str, epk: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=HKDF_INFO + key_fp.encode("ascii") + epk).derive(shared)


def _point_size(curve: ec.EllipticCurve) -> int:
    return 1 + 2 * ((curve.key_size + 7) // 8)


def wrap_key(file_key: bytes, public_key: PublicKey) -> tuple[str, bytes]:
    """``(key_alg, wrapped)``: ``file_key`` wrapped for ``public_key`` (RSA-OAEP-256 or ECDH-ES+A256KW)."""
    key_type(public_key)
    if isinstance(public_key, rsa.RSAPublicKey):
        return RSA_OAEP, public_key.encrypt(file_key, _OAEP)
    ephemeral = ec.generate_private_key(public_key.curve)
    epk = ephemeral.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)
    kek = _kek(ephemeral.exchange(ec.ECDH(), public_key), key_fingerprint(public_key), epk)
    return ECDH_ES, epk + aes_key_wrap(kek, file_key)


def unwrap_key(key_alg: str, wrapped: bytes, private_key: PrivateKey) -> bytes:
    """The file key, or :class:`SharingError` when ``private_key`` does not unwrap it."""
    refused = SharingError("the file key does not unwrap with this organization's data-sharing key: the file "
                           "was not shared with it, or the wrapped key was changed")
    if key_alg == RSA_OAEP and isinstance(private_key, rsa.RSAPrivateKey):
        try:
            file_key = private_key.decrypt(wrapped, _OAEP)
        except ValueError:
            raise refused from None
    elif key_alg == ECDH_ES and isinstance(private_key, ec.EllipticCurvePrivateKey):
        size = _point_size(private_key.curve)
        epk, rest = wrapped[:size], wrapped[size:]
        try:
            ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(private_key.curve, epk)
            kek = _kek(private_key.exchange(ec.ECDH(), ephemeral), key_fingerprint(private_key), epk)
            file_key = aes_key_unwrap(kek, rest)
        except (ValueError, InvalidUnwrap):
            raise refused from None
    else:
        raise SharingError(f"the file key is wrapped with {key_alg}, which does not fit a {key_type(private_key)} "
                           f"key")
    if len(file_key) != FILE_KEY_BYTES:
        raise refused
    return file_key


# -- the ciphertext file --------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """What a ciphertext file says about itself."""

    report: str
    recipient: str
    key_fingerprint: str
    key_alg: str
    nonce: bytes
    cipher: str = CIPHER

    def to_json(self) -> dict[str, Any]:
        return {"cipher": self.cipher, "key_alg": self.key_alg, "key_fingerprint": self.key_fingerprint,
                "nonce": self.nonce.hex(), "recipient": self.recipient, "report": self.report}


@dataclass(frozen=True)
class Sealed:
    """A parsed ciphertext file: its header, the authenticated prefix and the AES-GCM output."""

    header: Header
    prefix: bytes
    body: bytes


def encode(header: Header, encrypt: Any) -> bytes:
    """The file bytes: preamble and header, then ``encrypt(associated_data)``."""
    text = canonical.dumps(header.to_json())
    prefix = MAGIC + _PREAMBLE.pack(VERSION, len(text)) + text
    return prefix + encrypt(prefix)


def parse(data: bytes, name: str = "the file") -> Sealed:
    """The header and body of a ciphertext file, or :class:`SharingError` saying what is wrong with it."""
    if not data.startswith(MAGIC):
        raise SharingError(f"{name} is not a file shared with 'ecoledger report share' (no {MAGIC[:-1].decode()} "
                           f"header)")
    start = len(MAGIC) + _PREAMBLE.size
    if len(data) < start:
        raise SharingError(f"{name} is cut short: it ends inside its header")
    version, length = _PREAMBLE.unpack_from(data, len(MAGIC))
    if version != VERSION:
        raise SharingError(f"{name} is in shared-file format version {version}; this ecoledger reads version "
                           f"{VERSION}")
    if length > MAX_HEADER or len(data) < start + length:
        raise SharingError(f"{name} has a damaged header (length {length})")
    try:
        fields = json.loads(data[start:start + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SharingError(f"{name} has a damaged header (not JSON)") from None
    header = _header(fields, name)
    body = data[start + length:]
    if len(body) < 16:
        raise SharingError(f"{name} is cut short: no ciphertext after its header")
    return Sealed(header, data[:start + length], body)


def _header(fields: Any, name: str) -> Header:
    def bad(what: str) -> SharingError:
        return SharingError(f"{name} has a damaged header: {what}")

    expected = {"cipher", "key_alg", "key_fingerprint", "nonce", "recipient", "report"}
    if not isinstance(fields, dict) or set(fields) != expected:
        raise bad(f"it must have exactly the fields {', '.join(sorted(expected))}")
    if fields["cipher"] != CIPHER:
        raise bad(f"cipher {fields['cipher']!r} is not {CIPHER}")
    if fields["key_alg"] not in KEY_ALGORITHMS:
        raise bad(f"key_alg {fields['key_alg']!r} is not one of {', '.join(KEY_ALGORITHMS)}")
    if not isinstance(fields["key_fingerprint"], str) or not _HEX64.match(fields["key_fingerprint"]):
        raise bad("key_fingerprint is not 64 lowercase hexadecimal digits")
    if not isinstance(fields["recipient"], str) or not _MSP_ID.match(fields["recipient"]):
        raise bad("recipient is not an MSP id")
    if not isinstance(fields["report"], str) or not _REPORT_ID.match(fields["report"]):
        raise bad("report is not a report id")
    try:
        nonce = bytes.fromhex(fields["nonce"]) if isinstance(fields["nonce"], str) else b""
    except ValueError:
        nonce = b""
    if len(nonce) != NONCE_BYTES:
        raise bad(f"nonce is not {NONCE_BYTES * 2} hexadecimal digits")
    return Header(report=fields["report"], recipient=fields["recipient"], key_fingerprint=fields["key_fingerprint"],
                  key_alg=fields["key_alg"], nonce=nonce, cipher=fields["cipher"])


@dataclass(frozen=True)
class Encrypted:
    """A raw file encrypted for one organization: the file's bytes and the wrapped key (base64)."""

    data: bytes
    header: Header
    wrapped_key: str

    @property
    def fingerprint(self) -> dict[str, Any]:
        return fingerprint(self.data)


def encrypt(raw: bytes, *, report_id: str, recipient: str, public_key: PublicKey) -> Encrypted:
    """``raw`` under a fresh AES-256-GCM key, wrapped for ``public_key`` of organization ``recipient``."""
    if not _REPORT_ID.match(report_id):
        raise SharingError(f"{report_id!r} is not a report id (R-...)")
    if not _MSP_ID.match(recipient):
        raise SharingError(f"{recipient!r} is not an MSP id")
    file_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    key_alg, wrapped = wrap_key(file_key, public_key)
    header = Header(report=report_id, recipient=recipient, key_fingerprint=key_fingerprint(public_key),
                    key_alg=key_alg, nonce=nonce)
    data = encode(header, lambda associated: AESGCM(file_key).encrypt(nonce, raw, associated))
    return Encrypted(data, header, base64.b64encode(wrapped).decode("ascii"))


def decrypt(sealed: Sealed, wrapped_key: str, private_key: PrivateKey) -> bytes:
    """The raw file: unwrap the file key with ``private_key``, then decrypt and authenticate."""
    if key_fingerprint(private_key) != sealed.header.key_fingerprint:
        raise SharingError(f"the file key was wrapped for key {sealed.header.key_fingerprint[:16]}…, not for key "
                           f"{key_fingerprint(private_key)[:16]}…")
    try:
        wrapped = base64.b64decode(wrapped_key, validate=True)
    except (binascii.Error, ValueError):
        raise SharingError("the wrapped key is not base64") from None
    file_key = unwrap_key(sealed.header.key_alg, wrapped, private_key)
    try:
        return AESGCM(file_key).decrypt(sealed.header.nonce, sealed.body, sealed.prefix)
    except InvalidTag:
        raise SharingError("the ciphertext does not authenticate: the file was changed after it was "
                           "shared") from None


# -- the ledger's side ----------------------------------------------------------------------------


def recipient_msp(members: Any, org: str) -> str:
    """The MSP id of organization ``org`` (its code, e.g. ``HB``, or its MSP id) among ``members``."""
    for member in members.organizations:
        if org in (getattr(member, "code", None), member.msp_id):
            return str(member.msp_id)
    known = ", ".join(str(getattr(m, "code", m.msp_id)) for m in members.organizations)
    raise SharingError(f"{org!r} is not an organization of consortium {members.name} (known: {known})")


def _short(fp: Mapping[str, Any]) -> str:
    return f"sha256 {fp.get('sha256')}, {fp.get('size')} bytes"


@dataclass(frozen=True)
class Share:
    """A raw file ready to be granted: the ciphertext and the ``Sharing:Grant`` arguments."""

    encrypted: Encrypted
    report: dict[str, Any]
    recipient: str
    recipient_key: dict[str, Any]

    def grant_args(self, expires: str | None = None) -> dict[str, Any]:
        args = {"report_id": self.encrypted.header.report, "recipient": self.recipient,
                "ciphertext": self.encrypted.fingerprint, "wrapped_key": self.encrypted.wrapped_key,
                "key_fingerprint": self.encrypted.header.key_fingerprint}
        if expires is not None:
            args["expires"] = expires
        return args


def prepare_share(client: Any, *, report_id: str, raw: bytes, recipient: str, name: str = "the file") -> Share:
    """Check ``raw`` is report ``report_id``'s raw data and encrypt it for organization ``recipient``.

    ``client`` is a :class:`~client.monitoring.service.MonitoringClient` (``report``, ``sharing_key``)."""
    report = client.report(report_id)
    expected = report.get("fingerprint") or {}
    actual = fingerprint(raw)
    if (expected.get("sha256"), expected.get("size")) != (actual["sha256"], actual["size"]):
        raise SharingError(f"{name} is not the raw data of report {report_id}: it has {_short(actual)}, the report "
                           f"on the ledger {_short(expected)}")
    key = client.sharing_key(recipient)
    if key is None:
        raise SharingError(f"organization {recipient} has no data-sharing key on the ledger; its admin registers one "
                           f"with 'ecoledger sharing register-key'")
    public_key = load_public_key(str(key.get("public_key", "")))
    if key_fingerprint(public_key) != key.get("fingerprint"):
        raise SharingError(f"the data-sharing key of {recipient} on the ledger does not match its own fingerprint")
    encrypted = encrypt(raw, report_id=report_id, recipient=recipient, public_key=public_key)
    return Share(encrypted, report, recipient, key)


@dataclass(frozen=True)
class Opened:
    """A shared file opened and checked: the raw bytes and what vouches for them."""

    raw: bytes
    header: Header
    grant: dict[str, Any]
    fingerprint: dict[str, Any]
    ciphertext: dict[str, Any]
    matches: list[dict[str, Any]]


def _inactive(grant: Mapping[str, Any]) -> str:
    revoked = grant.get("revoked")
    if grant.get("status") == "revoked" or revoked:
        when = revoked.get("at") if isinstance(revoked, Mapping) else None
        reason = revoked.get("reason") if isinstance(revoked, Mapping) else None
        return (f"grant {grant.get('id')} was revoked" + (f" at {when}" if when else "")
                + (f" ({reason})" if reason else ""))
    return f"grant {grant.get('id')} has expired: its last day was {grant.get('expires')} (China Standard Time)"


def open_shared(client: Any, data: bytes, *, msp_id: str, keys: KeyStore, name: str = "the file") -> Opened:
    """Open a ciphertext file as an identity of organization ``msp_id``, checking everything on the ledger.

    ``client`` is a :class:`~client.monitoring.service.MonitoringClient` (``grants``, ``verify``). Nothing is
    returned unless the grant is active, the file authenticates and the plaintext is the report's."""
    sealed = parse(data, name)
    header = sealed.header
    if header.recipient != msp_id:
        raise SharingError(f"{name} was shared with {header.recipient}, not with {msp_id}: only identities of "
                           f"{header.recipient} can open it")
    private_key = keys.find(msp_id, header.key_fingerprint)
    ciphertext = fingerprint(data)
    grants = [g for g in client.grants(ciphertext=ciphertext["sha256"])
              if g.get("recipient") == msp_id and g.get("report") == header.report
              and g.get("ciphertext") == ciphertext]
    if not grants:
        raise SharingError(f"no grant on the ledger gives {msp_id} {name} (ciphertext sha256 "
                           f"{ciphertext['sha256'][:16]}…, report {header.report}): it was changed after it was "
                           f"shared, or never shared")
    active = [g for g in grants if g.get("active") is True]
    if not active:
        raise SharingError(f"{_inactive(grants[-1])}: {msp_id} may no longer open {name}")
    grant = active[-1]
    if grant.get("key_fingerprint") != header.key_fingerprint:
        raise SharingError(f"{name} names key {header.key_fingerprint[:16]}…, but grant {grant.get('id')} wrapped "
                           f"the file key for key {str(grant.get('key_fingerprint'))[:16]}…")
    raw = decrypt(sealed, str(grant.get("wrapped_key", "")), private_key)
    plain = fingerprint(raw)
    expected = grant.get("file") or {}
    if (expected.get("sha256"), expected.get("size")) != (plain["sha256"], plain["size"]):
        raise SharingError(f"the decrypted data ({_short(plain)}) is not the raw file of report {header.report} "
                           f"({_short(expected)})")
    matches = client.verify(plain)
    if header.report not in [m.get("report") for m in matches]:
        raise SharingError(f"the decrypted data ({_short(plain)}) matches no report {header.report} on the ledger")
    return Opened(raw, header, grant, plain, ciphertext, matches)


# -- registering an organization's key ----------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    """What ``register-key`` did: ``registered``, ``rotated`` or ``unchanged`` (the key was registered)."""

    action: str
    msp_id: str
    path: Path
    key: dict[str, Any]
    outcome: Any = None
    archived: Path | None = None


def register_key(client: Any, *, msp_id: str, keys: KeyStore, kind: str = DEFAULT_KEY_KIND,
                 rotate: bool = False) -> Registration:
    """Make sure organization ``msp_id`` has a data-sharing key on the ledger whose private key is in ``keys``.

    Idempotent: with the wallet's key already registered nothing is sent. Without a key in the wallet a new
    one of ``kind`` is made, stored owner-only and registered; a key on the ledger that the wallet does not
    hold is replaced only with ``rotate`` (which also makes a new key when the wallet has one, keeping the old
    one for files shared before). ``client`` is a :class:`~client.monitoring.service.MonitoringClient`."""
    path = keys.path(msp_id)
    on_ledger = client.sharing_key(msp_id)
    local = keys.current(msp_id)
    if not rotate and local is not None:
        if on_ledger is not None and on_ledger.get("fingerprint") == key_fingerprint(local):
            return Registration("unchanged", msp_id, path, on_ledger)
        if on_ledger is not None:
            registered = str(on_ledger.get("fingerprint"))[:16]
            raise SharingError(f"the data-sharing key of {msp_id} on the ledger ({registered}…) is not the one in "
                               f"this wallet ({key_fingerprint(local)[:16]}…, {path}); --rotate replaces it with a "
                               f"new key")
        return _register(client, msp_id, path, local, action="registered")
    if not rotate and on_ledger is not None:
        raise SharingError(f"{msp_id} has data-sharing key {str(on_ledger.get('fingerprint'))[:16]}… on the ledger, "
                           f"but its private key is not in this wallet ({path}): copy it here from where it was "
                           f"made, or --rotate to replace it")
    new_key = generate_key(kind)
    archived = keys.archive(msp_id) if local is not None else None
    keys.save(msp_id, new_key)
    try:
        done = _register(client, msp_id, path, new_key, action="rotated" if on_ledger is not None else "registered")
    except BaseException:
        path.unlink(missing_ok=True)
        if archived is not None:
            keys.restore(msp_id, archived)
        raise
    return Registration(done.action, msp_id, path, done.key, done.outcome, archived)


def _register(client: Any, msp_id: str, path: Path, key: PrivateKey, action: str) -> Registration:
    outcome = client.submit("Sharing:RegisterKey", {"public_key": public_pem(key)})
    record = outcome.result if isinstance(outcome.result, Mapping) else {}
    if record.get("msp_id") not in (None, msp_id):
        raise SharingError(f"the key was registered for {record.get('msp_id')}, not {msp_id}")
    return Registration(action, msp_id, path, dict(record), outcome)
