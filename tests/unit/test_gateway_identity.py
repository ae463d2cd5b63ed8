import json
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from fabric_protos.msp import identities_pb2

from client.gateway import Identity, Wallet, WalletError, sha256, signer_from_pem
from client.gateway.identity import _P256_ORDER, _to_low_s
from client.gateway.testing import generate_identity


@pytest.fixture(scope="module")
def member():
    return generate_identity("Org1MSP", "alice")


def test_serialized_identity_holds_msp_id_and_certificate(member):
    identity, _ = member
    parsed = identities_pb2.SerializedIdentity.FromString(identity.serialized())
    assert parsed.mspid == "Org1MSP"
    assert parsed.id_bytes == identity.cert_pem


def test_signatures_are_low_s_and_verify_with_the_certificate(member):
    identity, key_pem = member
    sign = signer_from_pem(key_pem)
    public_key = x509.load_pem_x509_certificate(identity.cert_pem).public_key()
    for i in range(64):
        message = f"message {i}".encode()
        signature = sign(sha256(message))
        _, s = decode_dss_signature(signature)
        assert s <= _P256_ORDER // 2
        public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))


def test_high_s_signature_is_mirrored_into_the_lower_half():
    r, low_s = 12345, 6789
    high = encode_dss_signature(r, _P256_ORDER - low_s)
    assert decode_dss_signature(_to_low_s(high)) == (r, low_s)


def test_low_s_signature_is_left_unchanged():
    signature = encode_dss_signature(1, 2)
    assert _to_low_s(signature) == signature


def test_signer_refuses_a_key_that_is_not_p256():
    from cryptography.hazmat.primitives import serialization

    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError, match="P-256"):
        signer_from_pem(pem)


def test_wallet_round_trips_an_identity_with_org_and_attributes(tmp_path, member):
    identity, key_pem = member
    wallet = Wallet(tmp_path)
    wallet.put("alice", "Org1MSP", "BJ", identity.cert_pem, key_pem, {"role": "enterprise"})

    entry = wallet.get("alice")

    assert entry.identity == Identity("Org1MSP", identity.cert_pem)
    assert entry.org == "BJ"
    assert entry.attrs == {"role": "enterprise"}
    public_key = x509.load_pem_x509_certificate(identity.cert_pem).public_key()
    public_key.verify(entry.signer(sha256(b"hello")), b"hello", ec.ECDSA(hashes.SHA256()))


def test_wallet_writes_the_documented_layout_with_a_private_key_file(tmp_path, member):
    identity, key_pem = member
    Wallet(tmp_path).put("alice", "Org1MSP", "BJ", identity.cert_pem, key_pem)

    folder = tmp_path / "alice"
    assert (folder / "cert.pem").read_bytes() == identity.cert_pem
    assert (folder / "key.pem").read_bytes() == key_pem
    assert stat.S_IMODE((folder / "key.pem").stat().st_mode) == 0o600
    assert json.loads((folder / "identity.json").read_text()) == {
        "msp_id": "Org1MSP",
        "org": "BJ",
        "attrs": {},
    }


def test_wallet_lists_stored_names_sorted(tmp_path, member):
    identity, key_pem = member
    wallet = Wallet(tmp_path)
    assert wallet.list() == []
    for name in ["bob", "alice"]:
        wallet.put(name, "Org1MSP", "BJ", identity.cert_pem, key_pem)
    assert wallet.list() == ["alice", "bob"]
    assert "bob" in wallet and "carol" not in wallet


def test_wallet_get_raises_wallet_error_for_an_unknown_name(tmp_path):
    with pytest.raises(WalletError, match="no identity 'ghost'"):
        Wallet(tmp_path).get("ghost")


def test_wallet_get_names_the_missing_file(tmp_path, member):
    identity, key_pem = member
    wallet = Wallet(tmp_path)
    wallet.put("alice", "Org1MSP", "BJ", identity.cert_pem, key_pem)
    (tmp_path / "alice" / "key.pem").unlink()
    with pytest.raises(WalletError, match="key.pem is missing"):
        wallet.get("alice")


def test_wallet_rejects_names_that_escape_the_directory(tmp_path):
    with pytest.raises(WalletError, match="invalid identity name"):
        Wallet(tmp_path).get("../etc")
