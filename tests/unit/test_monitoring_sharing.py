"""Sharing raw data by authorization: data-sharing keys, grants, revocation, expiry, and the whole round trip."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chaincode.runtime.memory import make_identity
from monitoring_world import (  # noqa: F401  (mworld is a fixture)
    MN_STATION_STEEL, MN_STEEL_AIR, STATION, clean_day, mworld,
)
from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, ENTERPRISE, NO_ROLE, OUTSIDER, REGULATOR,
)

ADMIN = {msp: make_identity(msp, f"admin-{msp[:2].lower()}", ou="admin") for msp in ("BJMSP", "TJMSP", "HBMSP",
                                                                                      "COMSP")}
OUTSIDER_ADMIN = make_identity("SHMSP", "admin-sh", ou="admin")
HB_CLERK = make_identity("HBMSP", "hb-clerk")
RAW = b"##0101QN=20250601000000000;ST=31;CN=2061;PW=123456;MN=STEEL0DA001;Flag=4;CP=&&...&&ABCD\r\n" * 24

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def pem(private_key) -> str:
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def spki_sha256(private_key) -> str:
    return hashlib.sha256(private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()


OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def seal(raw: bytes, recipient_key) -> tuple[bytes, str]:
    """Encrypt with a fresh AES-256-GCM key and wrap that key for the recipient (RSA-OAEP-SHA256)."""
    file_key, nonce = AESGCM.generate_key(256), os.urandom(12)
    ciphertext = nonce + AESGCM(file_key).encrypt(nonce, raw, None)
    return ciphertext, base64.b64encode(recipient_key.public_key().encrypt(file_key, OAEP)).decode()


def unseal(ciphertext: bytes, wrapped: str, private_key) -> bytes:
    file_key = private_key.decrypt(base64.b64decode(wrapped), OAEP)
    return AESGCM(file_key).decrypt(ciphertext[:12], ciphertext[12:], None)


def fingerprint(content: bytes) -> dict:
    return {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}


@pytest.fixture
def shared(mworld):
    """HB's organization has a key; Beijing Steel reported a day whose raw file it will share."""
    mworld.ok(ADMIN["HBMSP"], "Sharing:RegisterKey", public_key=pem(RSA_KEY))
    report = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-06-01", clean_day("2025-06-01"), raw=RAW)
    ciphertext, wrapped = seal(RAW, RSA_KEY)
    mworld.ledger.events.clear()
    return mworld, report["report"], ciphertext, wrapped


def grant_args(report, sealed, wrapped, **changes):
    return {"report_id": report["id"], "recipient": "HBMSP", "ciphertext": fingerprint(sealed),
            "wrapped_key": wrapped, "key_fingerprint": spki_sha256(RSA_KEY), **changes}


class TestKeys:
    def test_an_admin_registers_and_rotates_its_organizations_key_and_anyone_reads_it(self, mworld):
        first = mworld.ok(ADMIN["HBMSP"], "Sharing:RegisterKey", public_key=pem(RSA_KEY))
        assert (first["msp_id"], first["type"], first["fingerprint"], first["version"], first["replaces"]) == (
            "HBMSP", "RSA-2048", spki_sha256(RSA_KEY), 1, None)
        assert mworld.ledger.events[-1] == ("SharingKeyRegistered", {
            "msp_id": "HBMSP", "type": "RSA-2048", "fingerprint": spki_sha256(RSA_KEY), "version": 1,
            "tx_id": first["registered"]["tx_id"]})
        rotated = mworld.ok(ADMIN["HBMSP"], "Sharing:RegisterKey", public_key=pem(OTHER_RSA_KEY))
        assert (rotated["version"], rotated["replaces"]) == (2, spki_sha256(RSA_KEY))
        ec_key = mworld.ok(ADMIN["TJMSP"], "Sharing:RegisterKey", public_key=pem(EC_KEY))
        assert ec_key["type"] == "EC-P256"
        for who in (NO_ROLE, ENTERPRISE[BJ_POWER], COORDINATOR):
            assert mworld.query(who, "Sharing:Key", msp_id="HBMSP") == rotated
        assert [key["msp_id"] for key in mworld.query(NO_ROLE, "Sharing:Keys")] == ["HBMSP", "TJMSP"]

    @pytest.mark.parametrize("who, public_key, message", [
        (REGULATOR["HB"], pem(RSA_KEY), "Sharing:RegisterKey requires an organization admin; hb-regulator@HBMSP "
                                        "(regulator) is not an admin"),
        (OUTSIDER_ADMIN, pem(RSA_KEY), "organization SHMSP is not a registered consortium member"),
        (ADMIN["HBMSP"], "not a key", "public_key is not a PEM public key"),
        (ADMIN["HBMSP"], "", "public_key must be a PEM public key"),
        (ADMIN["HBMSP"], pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
         "an RSA data-sharing key needs at least 2048 bits, got 1024"),
        (ADMIN["HBMSP"], pem(ed25519.Ed25519PrivateKey.generate()),
         "a data-sharing key is RSA (at least 2048 bits) or EC on P-256 or P-384"),
    ])
    def test_refusals(self, mworld, who, public_key, message):
        mworld.refused(who, "Sharing:RegisterKey", message, public_key=public_key)

    def test_the_same_key_twice_and_missing_keys(self, mworld):
        mworld.ok(ADMIN["HBMSP"], "Sharing:RegisterKey", public_key=pem(RSA_KEY))
        mworld.refused(ADMIN["HBMSP"], "Sharing:RegisterKey", "is already the data-sharing key of HBMSP",
                       public_key=pem(RSA_KEY))
        mworld.query_refused(NO_ROLE, "Sharing:Key", "organization TJMSP has no data-sharing key; its admin "
                             "registers one with Sharing:RegisterKey", msp_id="TJMSP")
        mworld.query_refused(NO_ROLE, "Sharing:Key", "member organization XXMSP does not exist", msp_id="XXMSP")
        mworld.query_refused(OUTSIDER, "Sharing:Keys", "organization SHMSP is not a registered consortium member")


class TestGrants:
    def test_the_recipient_finds_the_grant_from_the_ciphertext_and_opens_the_file_no_one_else_can(self, shared):
        world, report, ciphertext, wrapped = shared
        grant = world.ok(ENTERPRISE[BJ_STEEL], "Sharing:Grant", **grant_args(report, ciphertext, wrapped,
                                                                            expires="2026-12-31"))
        assert grant["id"].startswith("G-") and grant["active"] is True
        assert {k: grant[k] for k in ("report", "entity", "region", "recipient", "file", "ciphertext",
                                      "key_fingerprint", "key_type", "expires", "status", "revoked")} == {
            "report": report["id"], "entity": BJ_STEEL, "region": "BJ", "recipient": "HBMSP",
            "file": fingerprint(RAW), "ciphertext": fingerprint(ciphertext), "key_fingerprint": spki_sha256(RSA_KEY),
            "key_type": "RSA-2048", "expires": "2026-12-31", "status": "active", "revoked": None}
        assert world.ledger.events == [("ReportShared", {
            "grant": grant["id"], "report": report["id"], "entity": BJ_STEEL, "region": "BJ", "recipient": "HBMSP",
            "expires": "2026-12-31", "tx_id": grant["granted"]["tx_id"]})]

        [found] = world.query(ADMIN["HBMSP"], "Sharing:List", ciphertext=hashlib.sha256(ciphertext).hexdigest())
        opened = unseal(ciphertext, found["wrapped_key"], RSA_KEY)
        assert hashlib.sha256(opened).hexdigest() == found["file"]["sha256"]
        [match] = world.query(ADMIN["HBMSP"], "Report:Verify", **fingerprint(opened))["matches"]
        assert match["report"] == report["id"]
        with pytest.raises(ValueError):
            unseal(ciphertext, found["wrapped_key"], OTHER_RSA_KEY)  # TJ, or anyone without HB's private key
        world.query_refused(REGULATOR["TJ"], "Sharing:Show", f"grant {grant['id']} is outside the data permission "
                            f"of tj-regulator@TJMSP", grant_id=grant["id"])
        assert world.query(REGULATOR["TJ"], "Sharing:List", ciphertext=hashlib.sha256(ciphertext).hexdigest()) == []

    def test_who_sees_a_grant(self, shared):
        world, report, ciphertext, wrapped = shared
        grant = world.ok(ENTERPRISE[BJ_STEEL], "Sharing:Grant", **grant_args(report, ciphertext, wrapped))
        for who in (ENTERPRISE[BJ_STEEL], ADMIN["HBMSP"], REGULATOR["HB"], HB_CLERK, REGULATOR["BJ"], STATION["BJ"],
                    COORDINATOR):
            assert world.query(who, "Sharing:Show", grant_id=grant["id"])["id"] == grant["id"]
            assert [g["id"] for g in world.query(who, "Sharing:List", report_id=report["id"])] == [grant["id"]]
        for who in (ENTERPRISE[BJ_POWER], REGULATOR["TJ"], ADMIN["TJMSP"], NO_ROLE):
            world.query_refused(who, "Sharing:Show", "is outside the data permission", grant_id=grant["id"])
            assert world.query(who, "Sharing:List", report_id=report["id"]) == []
        for who in (ENTERPRISE[BJ_STEEL], HB_CLERK, REGULATOR["BJ"], COORDINATOR):  # their default lists
            assert [g["id"] for g in world.query(who, "Sharing:List")] == [grant["id"]]
        assert world.query(ENTERPRISE[BJ_POWER], "Sharing:List") == world.query(ADMIN["TJMSP"], "Sharing:List") == []
        world.query_refused(OUTSIDER, "Sharing:List", "organization SHMSP is not a registered consortium member")
        world.query_refused(COORDINATOR, "Sharing:Show", "grant G-0000000000000000 does not exist",
                            grant_id="G-0000000000000000")

    def test_revoked_or_expired_grants_are_no_longer_active(self, shared):
        world, report, ciphertext, wrapped = shared
        grant = world.ok(ENTERPRISE[BJ_STEEL], "Sharing:Grant", **grant_args(report, ciphertext, wrapped,
                                                                            expires="2026-01-03"))
        assert world.query(ADMIN["HBMSP"], "Sharing:Show", grant_id=grant["id"])["active"] is True
        world.ledger.clock += 3 * 86_400  # 2026-01-04 in Beijing
        assert world.query(ADMIN["HBMSP"], "Sharing:Show", grant_id=grant["id"])["active"] is False
        again = world.ok(ENTERPRISE[BJ_STEEL], "Sharing:Grant", **grant_args(report, ciphertext, wrapped))
        world.refused(ENTERPRISE[BJ_STEEL], "Sharing:Grant", f"grant {again['id']} already gives HBMSP this "
                      f"ciphertext of report {report['id']}", **grant_args(report, ciphertext, wrapped))
        world.refused(ENTERPRISE[BJ_POWER], "Sharing:Revoke", f"grant {again['id']} was made by enterprise "
                      f"{BJ_STEEL}; enterprise {BJ_POWER} revokes its own grants only", grant_id=again["id"],
                      reason="mine")
        revoked = world.ok(ENTERPRISE[BJ_STEEL], "Sharing:Revoke", grant_id=again["id"], reason="the study ended")
        assert (revoked["status"], revoked["active"], revoked["revoked"]["reason"]) == (
            "revoked", False, "the study ended")
        assert world.event_names()[-1] == "GrantRevoked"
        assert world.query(REGULATOR["HB"], "Sharing:Show", grant_id=again["id"])["active"] is False
        world.refused(ENTERPRISE[BJ_STEEL], "Sharing:Revoke", f"grant {again['id']} was revoked already",
                      grant_id=again["id"], reason="twice")
        world.refused(REGULATOR["BJ"], "Sharing:Revoke", "role 'enterprise' is required for Sharing:Revoke",
                      grant_id=again["id"], reason="x")

    @pytest.mark.parametrize("who, changes, message", [
        (REGULATOR["BJ"], {}, "role 'enterprise' is required for Sharing:Grant"),
        (ENTERPRISE[BJ_POWER], {}, "is not a report of enterprise {power}; an enterprise shares the raw data of its "
                                   "own reports only"),
        (ENTERPRISE[BJ_STEEL], {"recipient": "TJMSP"}, "organization TJMSP has no data-sharing key; its admin "
                                                       "registers one with Sharing:RegisterKey"),
        (ENTERPRISE[BJ_STEEL], {"recipient": "XXMSP"}, "member organization XXMSP does not exist"),
        (ENTERPRISE[BJ_STEEL], {"key_fingerprint": "0" * 64}, "the file key was wrapped for key 0000000000000000…, "
                                                              "but the data-sharing key of HBMSP is now"),
        (ENTERPRISE[BJ_STEEL], {"key_fingerprint": "xyz"}, "key_fingerprint must be 64 lowercase hexadecimal"),
        (ENTERPRISE[BJ_STEEL], {"expires": "2025-12-31"}, "expires 2025-12-31 is in the past (ledger date "
                                                          "2026-01-01)"),
        (ENTERPRISE[BJ_STEEL], {"expires": "soon"}, "expires must be a date YYYY-MM-DD"),
        (ENTERPRISE[BJ_STEEL], {"wrapped_key": "not base64!"}, "wrapped_key must be standard base64"),
        (ENTERPRISE[BJ_STEEL], {"wrapped_key": ""}, "wrapped_key must be the wrapped file key in base64"),
        (ENTERPRISE[BJ_STEEL], {"ciphertext": "abc"}, "ciphertext must be an object with exactly sha256"),
        (ENTERPRISE[BJ_STEEL], {"ciphertext": {"sha256": "A" * 64, "size": 1}}, "fingerprint.sha256 must be 64"),
        (ENTERPRISE[BJ_STEEL], {"report_id": "R-0000000000000000"}, "report R-0000000000000000 does not exist"),
    ])
    def test_refusals(self, shared, who, changes, message):
        world, report, ciphertext, wrapped = shared
        world.refused(who, "Sharing:Grant", message.format(power=BJ_POWER),
                      **grant_args(report, ciphertext, wrapped, **changes))

    def test_a_station_report_is_not_the_enterprises_to_share(self, shared):
        world, _, ciphertext, wrapped = shared
        station = world.submit(STATION["BJ"], MN_STATION_STEEL, "2025-06-02", clean_day("2025-06-02"))["report"]
        world.refused(ENTERPRISE[BJ_STEEL], "Sharing:Grant", f"report {station['id']} is not a report of enterprise "
                      f"{BJ_STEEL}", **grant_args(station, ciphertext, wrapped))
