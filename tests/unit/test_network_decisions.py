"""Recorded decisions of the member admins: adopted by a majority, each signature checked against its root."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from network.decisions import Decision, require_adopted
from network.errors import NetworkError

MEMBERS = ["BJMSP", "TJMSP", "HBMSP", "COMSP"]
DIGEST = "ab" * 32


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _ca(name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    now = datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert, key


def _issue(ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], ou: str) -> tuple[bytes, bytes]:
    now = datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
                                     x509.NameAttribute(NameOID.COMMON_NAME, f"someone-{ou}")]))
            .issuer_name(ca[0].subject).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)).sign(ca[1], hashes.SHA256()))
    return _pem(cert), key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())


@pytest.fixture(scope="module")
def cas() -> dict[str, tuple[x509.Certificate, ec.EllipticCurvePrivateKey]]:
    return {m: _ca(f"ca.{m}") for m in MEMBERS}


def _roots(cas) -> dict[str, bytes]:
    return {m: _pem(ca[0]) for m, ca in cas.items()}


def test_a_decision_is_adopted_once_a_majority_of_member_admins_signed(cas, tmp_path: Path) -> None:
    decision = Decision("jingjinji", "admit SD", [DIGEST])
    path = tmp_path / "admit-sd.decision.json"
    decision.save(path)
    for member in ("BJMSP", "TJMSP"):
        loaded = Decision.load(path)
        assert loaded.sign(member, *_issue(cas[member], "admin"))
        loaded.save(path)
    two = Decision.load(path)
    assert two.adoption(_roots(cas)) == (False, ["BJMSP", "TJMSP"], ["COMSP", "HBMSP"])
    with pytest.raises(NetworkError, match="'admit SD' is not adopted: a majority of the 4 members must sign it; "
                                           "signed by BJMSP, TJMSP; not signed by COMSP, HBMSP"):
        require_adopted(two, DIGEST, _roots(cas), "jingjinji")
    assert not two.sign("BJMSP", *_issue(cas["BJMSP"], "admin"))  # one signature per member
    two.sign("HBMSP", *_issue(cas["HBMSP"], "admin"))
    assert two.adoption(_roots(cas))[0]
    require_adopted(two, DIGEST, _roots(cas), "jingjinji")


def test_an_adopted_decision_authorises_only_the_updates_it_holds(cas) -> None:
    decision = Decision("jingjinji", "admit SD", [DIGEST])
    for member in ("BJMSP", "TJMSP", "HBMSP"):
        decision.sign(member, *_issue(cas[member], "admin"))
    with pytest.raises(NetworkError, match="does not hold this update"):
        require_adopted(decision, "cd" * 32, _roots(cas), "jingjinji")
    with pytest.raises(NetworkError, match="for consortium 'jingjinji', not 'yangtze'"):
        require_adopted(decision, DIGEST, _roots(cas), "yangtze")


@pytest.mark.parametrize("forgery", ["other members CA", "not an admin", "changed after signing", "not a member"])
def test_signatures_that_do_not_verify_do_not_count(cas, forgery: str) -> None:
    decision = Decision("jingjinji", "admit SD", [DIGEST])
    decision.sign("BJMSP", *_issue(cas["BJMSP"], "admin"))
    if forgery == "other members CA":
        decision.sign("TJMSP", *_issue(cas["HBMSP"], "admin"))  # HB's CA vouching for a TJ admin
    elif forgery == "not an admin":
        decision.sign("TJMSP", *_issue(cas["TJMSP"], "client"))
    elif forgery == "changed after signing":
        decision.sign("TJMSP", *_issue(cas["TJMSP"], "admin"))
        decision.subject = "admit SD and remove HB"
    else:
        decision.sign("SDMSP", *_issue(_ca("ca.SDMSP"), "admin"))
    signed = decision.valid_signers(_roots(cas))
    assert "TJMSP" not in signed and "SDMSP" not in signed
    if forgery != "changed after signing":
        assert signed == ["BJMSP"]
