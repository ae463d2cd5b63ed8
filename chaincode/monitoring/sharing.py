"""Contract ``Sharing``: raw monitoring data shared by authorization, with public keys on the ledger.

The raw file of a report stays with the enterprise. To share it, the client
encrypts the file with a fresh symmetric key and wraps that key for the
recipient organization's data-sharing public key; the ciphertext travels
off-chain, and the ledger records the grant:

* ``Sharing:RegisterKey {public_key}`` — an admin of a member organization registers (or rotates) the
  organization's public key (PEM; RSA of at least 2048 bits, or EC P-256 / P-384);
* ``Sharing:Key {msp_id}`` / ``Sharing:Keys`` — any consortium reader;
* ``Sharing:Grant {report_id, recipient, ciphertext, wrapped_key, key_fingerprint, expires?}`` — the
  enterprise that submitted the report grants one organization its raw file: the file fingerprint (the
  report's), the ciphertext fingerprint, the wrapped key (base64), which key of the recipient it was
  wrapped for, and an optional last day (``YYYY-MM-DD``, China Standard Time);
* ``Sharing:Revoke {grant_id, reason}`` — the same enterprise withdraws a grant;
* ``Sharing:Show {grant_id}`` / ``Sharing:List {report_id?, recipient?, ciphertext?, limit?, bookmark?}`` —
  the enterprise, any identity of the recipient organization, the region's regulator and stations, and the
  coordinator. ``active`` says whether the grant is neither revoked nor expired at the reading's time.

Only the recipient organization holds the private key that unwraps the file key, so anyone else who gets
the ciphertext cannot open it; the recipient checks the grant is active and that the decrypted file's
SHA-256 is the report's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from chaincode.enterprise import api as enterprises
from chaincode.monitoring import periods, reports, store
from chaincode.monitoring.readers import Reader, consortium_reader, reader
from chaincode.monitoring.store import GRANTS, SHARING_KEYS
from chaincode.registry import api as registry
from chaincode.runtime import pagination
from chaincode.runtime.access import outside
from chaincode.runtime.checks import require_id, require_text
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput, NotFound
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, new_id, stamp_for

EVENT_KEY_REGISTERED = "SharingKeyRegistered"
EVENT_SHARED = "ReportShared"
EVENT_REVOKED = "GrantRevoked"
ACTIVE, REVOKED = "active", "revoked"
MAX_PUBLIC_KEY = 8_000
MAX_WRAPPED_KEY = 4_096
MIN_RSA_BITS = 2048
CURVES = {"secp256r1": "EC-P256", "secp384r1": "EC-P384"}


def key_of(public_key: Any) -> dict[str, str]:
    """``{public_key, type, fingerprint}`` of a PEM public key, or :class:`InvalidInput` saying why not.

    The fingerprint is the SHA-256 (hex) of the key's DER SubjectPublicKeyInfo."""
    if not isinstance(public_key, str) or not public_key.strip() or len(public_key) > MAX_PUBLIC_KEY:
        raise InvalidInput(f"public_key must be a PEM public key (-----BEGIN PUBLIC KEY-----) of at most "
                           f"{MAX_PUBLIC_KEY} characters")
    try:
        loaded = serialization.load_pem_public_key(public_key.encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError) as err:
        raise InvalidInput(f"public_key is not a PEM public key ({err})") from None
    if isinstance(loaded, rsa.RSAPublicKey):
        if loaded.key_size < MIN_RSA_BITS:
            raise InvalidInput(f"an RSA data-sharing key needs at least {MIN_RSA_BITS} bits, got {loaded.key_size}")
        kind = f"RSA-{loaded.key_size}"
    elif isinstance(loaded, ec.EllipticCurvePublicKey) and loaded.curve.name in CURVES:
        kind = CURVES[loaded.curve.name]
    else:
        raise InvalidInput("a data-sharing key is RSA (at least 2048 bits) or EC on P-256 or P-384")
    der = loaded.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pem = loaded.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"public_key": pem.decode("ascii"), "type": kind, "fingerprint": hashlib.sha256(der).hexdigest()}


def require_wrapped_key(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_WRAPPED_KEY:
        raise InvalidInput(f"wrapped_key must be the wrapped file key in base64, 1 to {MAX_WRAPPED_KEY} characters")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("wrapped_key must be standard base64 (A-Z, a-z, 0-9, +, /, = padding)") from None
    return value


def is_active(grant: dict[str, Any], timestamp: float) -> bool:
    """Neither revoked nor past its last day at ``timestamp``."""
    if grant["status"] != ACTIVE:
        return False
    return grant["expires"] is None or periods.ledger_date(timestamp).isoformat() <= grant["expires"]


class SharingContract(Contract):
    name = "Sharing"

    @transaction
    def register_key(self, ctx: TxContext, public_key: Any) -> dict[str, Any]:
        """An admin of a member organization registers (or replaces) its data-sharing public key."""
        caller = ctx.caller
        registry.caller_member(ctx)
        if not caller.is_admin:
            raise AccessDenied(f"Sharing:RegisterKey requires an organization admin; {caller.describe()} is not an "
                               f"admin")
        checked = key_of(public_key)
        previous = ctx.find(SHARING_KEYS, caller.msp_id)
        if previous is not None and previous["fingerprint"] == checked["fingerprint"]:
            raise Conflict(f"this key (fingerprint {checked['fingerprint'][:16]}…) is already the data-sharing key "
                           f"of {caller.msp_id}")
        record = {"msp_id": caller.msp_id, **checked, "version": 1 if previous is None else previous["version"] + 1,
                  "replaces": None if previous is None else previous["fingerprint"],
                  "registered": stamp_for(ctx).record()}
        ctx.save(SHARING_KEYS, record)
        ctx.emit(EVENT_KEY_REGISTERED, {"msp_id": caller.msp_id, "type": checked["type"],
                                        "fingerprint": checked["fingerprint"], "version": record["version"],
                                        "tx_id": ctx.tx_id})
        return record

    @transaction
    def key(self, ctx: TxContext, msp_id: Any) -> dict[str, Any]:
        consortium_reader(ctx)
        require_text("msp_id", msp_id, 64)
        record = ctx.find(SHARING_KEYS, msp_id)
        if record is None:
            registry.member(ctx, msp_id)
            raise NotFound(f"organization {msp_id} has no data-sharing key; its admin registers one with "
                           f"Sharing:RegisterKey")
        return record

    @transaction
    def keys(self, ctx: TxContext) -> list[dict[str, Any]]:
        """Every member organization's data-sharing key, by MSP id."""
        consortium_reader(ctx)
        return [value for _, value in ctx.range(*SHARING_KEYS.namespace.span())]

    @transaction
    def grant(self, ctx: TxContext, report_id: Any, recipient: Any, ciphertext: Any, wrapped_key: Any,
              key_fingerprint: Any, expires: Any = None) -> dict[str, Any]:
        """The enterprise grants organization ``recipient`` the raw file of one of its reports."""
        holder = enterprises.acting_enterprise(ctx, "Sharing:Grant")
        require_id("report_id", report_id, "R")
        require_text("recipient", recipient, 64)
        cipher = reports.check_fingerprint(ciphertext) if isinstance(ciphertext, dict) else None
        if cipher is None:
            raise InvalidInput("ciphertext must be an object with exactly sha256 (64 lowercase hex digits) and size "
                               "(bytes) of the encrypted file")
        require_wrapped_key(wrapped_key)
        reports.check_sha256(key_fingerprint, "key_fingerprint")
        today = periods.ledger_date(ctx.timestamp)
        if expires is not None:
            last = periods.parse_date(expires, "expires")
            if last < today:
                raise InvalidInput(f"expires {expires} is in the past (ledger date {today.isoformat()})")
        report = ctx.load(store.REPORTS, report_id)
        if report["entity"] != holder["entity"] or report["source"] != reports.ENTERPRISE:
            raise AccessDenied(f"report {report_id} is not a report of enterprise {holder['entity']}; an enterprise "
                               f"shares the raw data of its own reports only")
        registry.member(ctx, recipient)
        key = ctx.find(SHARING_KEYS, recipient)
        if key is None:
            raise Conflict(f"organization {recipient} has no data-sharing key; its admin registers one with "
                           f"Sharing:RegisterKey before anything can be shared with it")
        if key["fingerprint"] != key_fingerprint:
            raise Conflict(f"the file key was wrapped for key {key_fingerprint[:16]}…, but the data-sharing key of "
                           f"{recipient} is now {key['fingerprint'][:16]}… (version {key['version']}); wrap it again")
        for _, grant_id in ctx.range(*store.GRANTS_BY_REPORT.span(report_id)):
            earlier = ctx.load(GRANTS, grant_id)
            same = (earlier["recipient"], earlier["ciphertext"]) == (recipient, cipher)
            if same and is_active(earlier, ctx.timestamp):
                raise Conflict(f"grant {grant_id} already gives {recipient} this ciphertext of report {report_id}")
        stamp = stamp_for(ctx)
        record = {
            "id": new_id(ctx, IdSequence(ctx.tx_id), "G", GRANTS), "report": report_id, "entity": report["entity"],
            "region": report["region"], "recipient": recipient, "file": report["fingerprint"], "ciphertext": cipher,
            "wrapped_key": wrapped_key, "key_fingerprint": key_fingerprint, "key_type": key["type"],
            "expires": expires, "status": ACTIVE, "granted": stamp.record(), "revoked": None,
        }
        ctx.save(GRANTS, record)
        ctx.emit(EVENT_SHARED, {"grant": record["id"], "report": report_id, "entity": record["entity"],
                                "region": record["region"], "recipient": recipient, "expires": expires,
                                "tx_id": ctx.tx_id})
        return {**record, "active": True}

    @transaction
    def revoke(self, ctx: TxContext, grant_id: Any, reason: Any) -> dict[str, Any]:
        """The enterprise withdraws a grant of its own."""
        holder = enterprises.acting_enterprise(ctx, "Sharing:Revoke")
        require_id("grant_id", grant_id, "G")
        require_text("reason", reason, 1000)
        grant = ctx.load(GRANTS, grant_id)
        if grant["entity"] != holder["entity"]:
            raise AccessDenied(f"grant {grant_id} was made by enterprise {grant['entity']}; enterprise "
                               f"{holder['entity']} revokes its own grants only")
        if grant["status"] == REVOKED:
            raise Conflict(f"grant {grant_id} was revoked already ({grant['revoked']['at']})")
        changed = {**grant, "status": REVOKED, "revoked": stamp_for(ctx).record(reason=reason)}
        ctx.save(GRANTS, changed)
        ctx.emit(EVENT_REVOKED, {"grant": grant_id, "report": grant["report"], "entity": grant["entity"],
                                 "recipient": grant["recipient"], "reason": reason, "tx_id": ctx.tx_id})
        return {**changed, "active": False}

    @transaction
    def show(self, ctx: TxContext, grant_id: Any) -> dict[str, Any]:
        who_reads = _grant_reader(ctx, "Sharing:Show")
        require_id("grant_id", grant_id, "G")
        grant = ctx.load(GRANTS, grant_id)
        if not _sees(ctx, who_reads, grant):
            raise outside(f"grant {grant_id}", ctx.caller)
        return {**grant, "active": is_active(grant, ctx.timestamp)}

    @transaction
    def list(self, ctx: TxContext, report_id: Any = None, recipient: Any = None, ciphertext: Any = None,
             limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of the grants the caller may see: of a report, to an organization, or of a ciphertext
        (its SHA-256); without a filter an enterprise lists its own, a regulator or station its region's, an
        organization's other identities the grants to their organization, the coordinator all."""
        who_reads = _grant_reader(ctx, "Sharing:List")
        pagination.require_limit(limit)
        everything = False
        if report_id is not None:
            span = store.GRANTS_BY_REPORT.span(require_id("report_id", report_id, "R"))
        elif ciphertext is not None:
            span = store.GRANTS_BY_CIPHERTEXT.span(reports.check_sha256(ciphertext, "ciphertext"))
        elif recipient is not None:
            span = store.GRANTS_BY_RECIPIENT.span(require_text("recipient", recipient, 64))
        elif who_reads is not None and who_reads.is_enterprise:
            span = store.GRANTS_BY_ENTITY.span(who_reads.entity)
        elif who_reads is not None and who_reads.region:
            span = store.GRANTS_BY_REGION.span(who_reads.region)
        elif who_reads is not None and who_reads.is_coordinator:
            span, everything = GRANTS.namespace.span(), True
        else:
            span = store.GRANTS_BY_RECIPIENT.span(ctx.caller.msp_id)
        wanted = {"recipient": recipient}

        def keep(grant: dict[str, Any]) -> dict[str, Any] | None:
            if not _sees(ctx, who_reads, grant) or any(v is not None and grant[k] != v for k, v in wanted.items()):
                return None
            return {**grant, "active": is_active(grant, ctx.timestamp)}

        if everything:
            return ctx.page(span, limit, bookmark, lambda key, grant: keep(grant)).as_dict()
        return ctx.indexed(GRANTS, span, limit, bookmark, keep).as_dict()


def _grant_reader(ctx: TxContext, function: str) -> Reader | None:
    """The caller's monitoring data permission, or ``None`` for identities that read only as a recipient."""
    registry.caller_member(ctx)
    try:
        return reader(ctx, function)
    except AccessDenied:
        return None


def _sees(ctx: TxContext, who_reads: Reader | None, grant: dict[str, Any]) -> bool:
    if ctx.caller.msp_id == grant["recipient"]:
        return True
    return who_reads is not None and who_reads.sees(regions=(grant["region"],), parties=(grant["entity"],))
