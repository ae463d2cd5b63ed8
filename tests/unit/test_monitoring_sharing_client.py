"""Sharing raw files from the client: hybrid encryption, the ciphertext format, keys in the wallet, the commands.

The first part exercises :mod:`client.monitoring.sharing` with real keys and
no ledger. The second runs the ``report share|open`` and ``sharing ...``
commands through ``click.testing.CliRunner`` against a gateway whose
chaincode is the real contract set on the in-memory ledger
(:class:`LedgerGateway`): every call is signed by a wallet identity, parsed
back as a peer would, and run by the ``Sharing`` and ``Report`` contracts as
that identity, so grants, revocation and expiry are the chaincode's own.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import struct
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from chaincode.monitoring.sharing import key_of
from chaincode.runtime import memory
from chaincode.runtime.memory import make_identity
from client.cli.context import AppContext
from client.cli.main import cli
from client.gateway import SyncGateway, Wallet
from client.gateway.testing import FakeChannel, FakeGatewayService, error_trailer, parse_invocation
from client.monitoring import sharing
from client.monitoring.reports import fingerprint
from client.monitoring.sharing import KeyStore, SharingError
from common import canonical
from fabric_protos.msp import identities_pb2
from monitoring_world import MN_STEEL_AIR, clean_day, mworld  # noqa: F401  (mworld is a fixture)
from network import config
from test_permit_world import BJ_POWER, BJ_STEEL, ENTERPRISE, REGULATOR

CONSORTIUM = config.load("jingjinji")
RAW = b"".join(b"##0101QN=20250601%02d0000000;ST=31;CN=2061;PW=123456;MN=STEEL0DA001;Flag=4;CP=&&a21026-Avg=20.0"
               b"&&ABCD\r\n" % h for h in range(24))
REPORT = "R-0000000000000001"

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
P256_KEY = ec.generate_private_key(ec.SECP256R1())
P384_KEY = ec.generate_private_key(ec.SECP384R1())
OTHER_P256_KEY = ec.generate_private_key(ec.SECP256R1())


def sealed_for(key: Any, raw: bytes = RAW, recipient: str = "HBMSP") -> sharing.Encrypted:
    return sharing.encrypt(raw, report_id=REPORT, recipient=recipient, public_key=key.public_key())


def flipped(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


# -- encryption and the file format ------------------------------------------------------------------


class TestEncryption:
    @pytest.mark.parametrize("key, key_alg, wrapped_size", [
        (RSA_KEY, "RSA-OAEP-256", 256), (P256_KEY, "ECDH-ES+A256KW", 65 + 40), (P384_KEY, "ECDH-ES+A256KW", 97 + 40),
    ])
    def test_a_round_trip_with_each_kind_of_key(self, key, key_alg, wrapped_size):
        encrypted = sealed_for(key)
        assert RAW not in encrypted.data and len(base64.b64decode(encrypted.wrapped_key)) == wrapped_size
        parsed = sharing.parse(encrypted.data)
        assert (parsed.header.report, parsed.header.recipient, parsed.header.key_alg) == (REPORT, "HBMSP", key_alg)
        assert parsed.header.key_fingerprint == sharing.key_fingerprint(key) == key_of(sharing.public_pem(key))[
            "fingerprint"]
        assert sharing.decrypt(parsed, encrypted.wrapped_key, key) == RAW

    def test_every_share_has_a_fresh_file_key_and_nonce(self):
        first, second = sealed_for(RSA_KEY), sealed_for(RSA_KEY)
        assert first.data != second.data and first.header.nonce != second.header.nonce
        with pytest.raises(SharingError, match="does not authenticate"):
            sharing.decrypt(sharing.parse(first.data), second.wrapped_key, RSA_KEY)

    def test_the_file_layout(self):
        encrypted = sealed_for(P256_KEY)
        data = encrypted.data
        assert data[:16] == b"ECOLEDGER-SHARE\n" and data[16] == 1
        (length,) = struct.unpack(">I", data[17:21])
        header = json.loads(data[21:21 + length])
        assert data[21:21 + length] == canonical.dumps(header)
        assert header == {"cipher": "A256GCM", "key_alg": "ECDH-ES+A256KW",
                          "key_fingerprint": sharing.key_fingerprint(P256_KEY),
                          "nonce": encrypted.header.nonce.hex(), "recipient": "HBMSP", "report": REPORT}
        assert len(data) == 21 + length + len(RAW) + 16  # GCM: same length as the plaintext, plus the tag

    def test_an_empty_raw_file_round_trips(self):
        encrypted = sealed_for(RSA_KEY, raw=b"")
        assert sharing.decrypt(sharing.parse(encrypted.data), encrypted.wrapped_key, RSA_KEY) == b""

    @pytest.mark.parametrize("where", ["body", "tag", "header"])
    def test_tampering_anywhere_is_detected(self, where):
        encrypted = sealed_for(RSA_KEY)
        data = encrypted.data
        if where == "header":  # still a well-formed header, naming another report
            changed = data.replace(REPORT.encode(), b"R-0000000000000002")
        else:
            changed = flipped(data, len(data) - (1 if where == "tag" else 40))
        with pytest.raises(SharingError, match="does not authenticate: the file was changed after it was shared"):
            sharing.decrypt(sharing.parse(changed), encrypted.wrapped_key, RSA_KEY)

    def test_a_changed_wrapped_key_does_not_unwrap(self):
        for key in (RSA_KEY, P256_KEY):
            encrypted = sealed_for(key)
            wrapped = base64.b64encode(flipped(base64.b64decode(encrypted.wrapped_key), 70)).decode()
            with pytest.raises(SharingError, match="does not unwrap"):
                sharing.decrypt(sharing.parse(encrypted.data), wrapped, key)

    @pytest.mark.parametrize("key, other", [(RSA_KEY, OTHER_RSA_KEY), (P256_KEY, OTHER_P256_KEY)])
    def test_another_organizations_key_cannot_open_it(self, key, other):
        encrypted = sealed_for(key)
        parsed = sharing.parse(encrypted.data)
        with pytest.raises(SharingError, match="the file key was wrapped for key"):
            sharing.decrypt(parsed, encrypted.wrapped_key, other)
        with pytest.raises(SharingError, match="does not unwrap with this organization's data-sharing key"):
            sharing.unwrap_key(parsed.header.key_alg, base64.b64decode(encrypted.wrapped_key), other)

    @pytest.mark.parametrize("data, message", [
        (b"##0101QN=...", "is not a file shared with 'ecoledger report share'"),
        (b"ECOLEDGER-SHARE\n\x01\x00", "is cut short: it ends inside its header"),
        (b"ECOLEDGER-SHARE\n\x02\x00\x00\x00\x02{}", "is in shared-file format version 2"),
        (b"ECOLEDGER-SHARE\n\x01\x00\x00\xff\xff{}", "has a damaged header (length 65535)"),
        (b"ECOLEDGER-SHARE\n\x01\x00\x00\x00\x02{}" + b"x" * 40, "it must have exactly the fields"),
        (b"ECOLEDGER-SHARE\n\x01\x00\x00\x00\x03{x}" + b"x" * 40, "has a damaged header (not JSON)"),
    ])
    def test_files_that_are_not_shared_files_are_named_as_such(self, data, message):
        with pytest.raises(SharingError, match=message.replace("(", r"\(").replace(")", r"\)")):
            sharing.parse(data, "blob.bin")

    def test_a_header_with_bad_fields_is_refused(self):
        good = sealed_for(RSA_KEY).header.to_json()
        for field, value, words in [("cipher", "A128GCM", "cipher 'A128GCM' is not A256GCM"),
                                    ("key_alg", "RSA1_5", "key_alg 'RSA1_5' is not one of"),
                                    ("nonce", "00", "nonce is not 24 hexadecimal digits"),
                                    ("report", "../etc", "report is not a report id"),
                                    ("key_fingerprint", "AB" * 32, "key_fingerprint is not 64 lowercase")]:
            text = canonical.dumps({**good, field: value})
            data = b"ECOLEDGER-SHARE\n" + struct.pack(">BI", 1, len(text)) + text + b"x" * 40
            with pytest.raises(SharingError, match=words):
                sharing.parse(data)

    def test_keys_the_chaincode_refuses_are_refused_here_too(self):
        small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        with pytest.raises(SharingError, match="at least 2048 bits, got 1024"):
            sharing.load_public_key(sharing.public_pem(small))
        with pytest.raises(SharingError, match="RSA .* or EC on P-256 or P-384"):
            sharing.key_type(ed25519.Ed25519PrivateKey.generate().public_key())
        with pytest.raises(SharingError, match="not a PEM public key"):
            sharing.load_public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")

    @pytest.mark.parametrize("kind", ["rsa-2048", "ec-p256", "ec-p384"])
    def test_generated_keys_are_what_the_chaincode_accepts(self, kind):
        key = sharing.generate_key(kind)
        checked = key_of(sharing.public_pem(key))
        assert (checked["type"], checked["fingerprint"]) == (sharing.key_type(key), sharing.key_fingerprint(key))


class TestKeyStore:
    def test_keys_are_written_owner_only_and_never_over_another(self, tmp_path):
        keys = KeyStore.of_wallet(tmp_path / "wallet")
        path = keys.save("HBMSP", P256_KEY)
        assert path == tmp_path / "wallet" / ".sharing" / "HBMSP.pem"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert sharing.key_fingerprint(keys.current("HBMSP")) == sharing.key_fingerprint(P256_KEY)
        with pytest.raises(SharingError, match="exists already"):
            keys.save("HBMSP", RSA_KEY)
        assert keys.current("TJMSP") is None
        with pytest.raises(SharingError, match="invalid MSP id"):
            keys.path("../HBMSP")

    def test_a_rotated_key_is_kept_and_still_found_by_its_fingerprint(self, tmp_path):
        keys = KeyStore(tmp_path)
        keys.save("HBMSP", P256_KEY)
        kept = keys.archive("HBMSP")
        keys.save("HBMSP", RSA_KEY)
        assert kept == tmp_path / f"HBMSP-{sharing.key_fingerprint(P256_KEY)[:16]}.pem"
        for key in (P256_KEY, RSA_KEY):
            assert sharing.key_fingerprint(keys.find("HBMSP", sharing.key_fingerprint(key))) == \
                sharing.key_fingerprint(key)
        with pytest.raises(SharingError, match="which is not in this wallet"):
            keys.find("HBMSP", sharing.key_fingerprint(OTHER_RSA_KEY))
        with pytest.raises(SharingError, match="this wallet has no data-sharing private key of TJMSP"):
            keys.find("TJMSP", sharing.key_fingerprint(RSA_KEY))

    def test_an_unreadable_key_file_is_one_clear_error(self, tmp_path):
        (tmp_path / "HBMSP.pem").write_text("not a key")
        with pytest.raises(SharingError, match="is not an unencrypted PEM private key"):
            KeyStore(tmp_path).current("HBMSP")


class NoLedger:
    """A client that must not be asked anything."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the ledger was asked ({name}) before the file was refused")


def test_opening_as_another_organization_is_refused_before_asking_the_ledger(tmp_path):
    keys = KeyStore(tmp_path)
    keys.save("TJMSP", OTHER_RSA_KEY)
    with pytest.raises(SharingError, match="c.bin was shared with HBMSP, not with TJMSP: only identities of HBMSP "
                                           "can open it"):
        sharing.open_shared(NoLedger(), sealed_for(RSA_KEY).data, msp_id="TJMSP", keys=keys, name="c.bin")
    with pytest.raises(SharingError, match="this wallet has no data-sharing private key of HBMSP"):
        sharing.open_shared(NoLedger(), sealed_for(RSA_KEY).data, msp_id="HBMSP", keys=keys, name="c.bin")


def test_recipients_are_named_by_code_or_msp_id():
    assert sharing.recipient_msp(CONSORTIUM, "HB") == sharing.recipient_msp(CONSORTIUM, "HBMSP") == "HBMSP"
    assert sharing.recipient_msp(CONSORTIUM, "CO") == "COMSP"
    with pytest.raises(SharingError, match="'SH' is not an organization of consortium jingjinji"):
        sharing.recipient_msp(CONSORTIUM, "SH")


# -- the commands, against the contracts on the in-memory ledger ------------------------------------------


ADMIN = {code: make_identity(f"{code}MSP", f"admin-{code.lower()}", ou="admin") for code in ("BJ", "TJ", "HB", "CO")}
HB_CLERK = make_identity("HBMSP", "hb-clerk")
IDENTITIES: dict[str, tuple[memory.TestIdentity, str]] = {
    "bj-steel": (ENTERPRISE[BJ_STEEL], "BJ"), "bj-power": (ENTERPRISE[BJ_POWER], "BJ"),
    "tj-regulator": (REGULATOR["TJ"], "TJ"), "hb-clerk": (HB_CLERK, "HB"),
    **{f"admin-{code.lower()}": (who, code) for code, who in ADMIN.items()},
}


class LedgerGateway(FakeGatewayService):
    """A gateway whose chaincode is the real contracts on a :class:`MemoryLedger`, run as the signer."""

    def __init__(self, ledger: Any) -> None:
        super().__init__(block_number=42)
        self.ledger = ledger

    async def _run_chaincode(self, method: str, signed: Any, context: Any) -> tuple[Any, bytes]:
        invocation = parse_invocation(signed)
        self.invocations.append(invocation)
        creator = identities_pb2.SerializedIdentity.FromString(invocation.creator)
        who = memory.TestIdentity(creator.mspid, creator.id_bytes)
        args = canonical.loads(invocation.args[0]) if invocation.args else {}
        if method == "Endorse":
            response = self.ledger.submit(who, invocation.function, transient=dict(invocation.transient), **args)
        else:
            response = self.ledger.evaluate(who, invocation.function, **args)
        if response.status != 200:
            detail = f"chaincode response {response.status}, {response.message}"
            if method == "Endorse":
                code, message = grpc.StatusCode.ABORTED, "failed to endorse transaction, see attached details"
            else:
                code, message = grpc.StatusCode.UNKNOWN, f"evaluate call to endorser returned error: {detail}"
            await context.abort(code, message, error_trailer(code, message, [self._detail(detail)]))
        return invocation, response.payload


class WalletSession:
    """The parts of :class:`client.session.Session` the commands use: a real wallet folder, one fake gateway."""

    def __init__(self, service: LedgerGateway, wallet: Wallet) -> None:
        self.service = service
        self.wallet = wallet
        self.gateways: list[SyncGateway] = []

    def entry(self, name: str | None) -> Any:
        return self.wallet.get(name or "")

    def gateway(self, name: str | None, peer_index: int = 0) -> SyncGateway:
        found = self.entry(name)
        self.gateways.append(SyncGateway(lambda: FakeChannel(self.service), found.identity, found.signer))
        return self.gateways[-1]

    def contract(self, name: str | None, channel: str | None = None) -> Any:
        return self.gateway(name).get_network(channel or CONSORTIUM.channel).get_contract(CONSORTIUM.chaincode_name)

    def close(self) -> None:
        for gateway in self.gateways:
            gateway.close()


@pytest.fixture
def app(mworld, tmp_path, monkeypatch):  # noqa: F811  (mworld is the fixture imported above)
    """Beijing Steel reported a day whose raw file is ``raw.hj212``; every identity is in a wallet on disk."""
    wallet = Wallet(tmp_path / "wallet")
    for name, (who, code) in IDENTITIES.items():
        wallet.put(name, who.msp_id, code, who.cert_pem, who.key_pem)
    report = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-06-01", clean_day("2025-06-01"), raw=RAW)
    session = WalletSession(LedgerGateway(mworld.ledger), wallet)
    monkeypatch.setattr(AppContext, "session", property(lambda self: session))
    monkeypatch.setattr(AppContext, "network", property(lambda self: SimpleNamespace(consortium=CONSORTIUM)))
    raw = tmp_path / "raw.hj212"
    raw.write_bytes(RAW)
    yield SimpleNamespace(world=mworld, ledger=mworld.ledger, session=session, wallet=wallet, tmp=tmp_path, raw=raw,
                          report=report["report"]["id"], keys=KeyStore.of_wallet(wallet.directory))
    session.close()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"ECOLEDGER_IDENTITY": ""}, catch_exceptions=False)


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def ok_json(*args: str) -> Any:
    return json.loads(ok("--json", *args).stdout)


def one_error_line(result: Result, words: str) -> str:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert words in result.stderr, result.stderr
    return result.stderr


def functions(app) -> list[str]:
    return [i.function for i in app.session.service.invocations]


def share(app, *extra: str, out: str = "shared.bin") -> dict[str, Any]:
    return ok_json("--as", "bj-steel", "report", "share", app.report, "--file", str(app.raw), "--to", "HB",
                   "--out", str(app.tmp / out), *extra)


def open_as(who: str, app, path: str = "shared.bin", out: str = "opened.hj212") -> Result:
    return run("--as", who, "report", "open", str(app.tmp / path), "--out", str(app.tmp / out))


class TestRegisterKey:
    def test_the_admin_makes_an_owner_only_key_and_registers_it_once(self, app):
        first = ok_json("sharing", "register-key", "--org", "HB")
        path = app.wallet.directory / ".sharing" / "HBMSP.pem"
        assert (first["msp_id"], first["action"], first["private_key"], first["block"]) == (
            "HBMSP", "registered", str(path), 42)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        on_ledger = app.world.query(ADMIN["TJ"], "Sharing:Key", msp_id="HBMSP")
        assert (on_ledger["type"], on_ledger["version"]) == ("RSA-3072", 1)
        assert on_ledger["fingerprint"] == sharing.key_fingerprint(app.keys.current("HBMSP"))
        assert ".sharing" not in app.wallet.list()
        app.session.service.invocations.clear()
        again = ok("sharing", "register-key", "--org", "HBMSP")
        assert "already registered: nothing sent" in again.stdout
        assert "Sharing:RegisterKey" not in functions(app)

    def test_an_ec_key_and_an_explicit_admin_identity(self, app):
        result = ok("--as", "admin-tj", "sharing", "register-key", "--type", "ec-p256")
        assert ["type", "EC-P256"] in [line.split() for line in result.stdout.splitlines()]
        assert app.world.query(ADMIN["HB"], "Sharing:Key", msp_id="TJMSP")["type"] == "EC-P256"

    def test_a_member_who_is_not_an_admin_is_refused_and_no_key_is_left(self, app):
        one_error_line(run("--as", "hb-clerk", "sharing", "register-key", "--org", "HB", "--type", "ec-p256"),
                       "Sharing:RegisterKey requires an organization admin; hb-clerk@HBMSP (no role) is not an admin")
        assert app.keys.current("HBMSP") is None
        one_error_line(run("--as", "admin-tj", "sharing", "register-key", "--org", "HB"),
                       "identity admin-tj is of TJMSP, not of HBMSP")
        one_error_line(run("sharing", "register-key"), "give --org ORG")

    def test_a_key_registered_elsewhere_is_replaced_only_with_rotate(self, app):
        app.world.ok(ADMIN["HB"], "Sharing:RegisterKey", public_key=sharing.public_pem(RSA_KEY))
        one_error_line(run("sharing", "register-key", "--org", "HB"),
                       "HBMSP has data-sharing key ")
        assert app.keys.current("HBMSP") is None
        rotated = ok_json("sharing", "register-key", "--org", "HB", "--rotate", "--type", "ec-p256")
        assert (rotated["action"], rotated["key"]["version"], rotated["key"]["replaces"]) == (
            "rotated", 2, sharing.key_fingerprint(RSA_KEY))
        again = ok_json("sharing", "register-key", "--org", "HB", "--rotate", "--type", "ec-p256")
        assert again["archived"] == str(app.keys.archived_path("HBMSP", rotated["key"]["fingerprint"]))
        assert again["key"]["version"] == 3

    def test_keys_lists_every_organization_and_whether_this_wallet_holds_its_private_key(self, app):
        ok("sharing", "register-key", "--org", "HB", "--type", "ec-p256")
        app.world.ok(ADMIN["TJ"], "Sharing:RegisterKey", public_key=sharing.public_pem(RSA_KEY))
        listed = ok_json("--as", "bj-steel", "sharing", "keys")
        assert [(k["msp_id"], k["in_wallet"]) for k in listed] == [("HBMSP", "yes"), ("TJMSP", "no")]
        rows = {line.split()[0]: line.split() for line in ok("--as", "bj-steel", "sharing", "keys").stdout
                .splitlines()[2:]}
        assert rows["HBMSP"][1] == "EC-P256" and rows["HBMSP"][-1] == "yes"


@pytest.fixture
def hb_key(app):
    ok("sharing", "register-key", "--org", "HB", "--type", "ec-p256")
    return app


class TestShareAndOpen:
    def test_hb_opens_the_exact_bytes_and_tj_cannot(self, hb_key):
        app = hb_key
        granted = share(app, "--expires", "2026-12-31")
        cipher = app.tmp / "shared.bin"
        assert granted["ciphertext_file"] == str(cipher) and RAW not in cipher.read_bytes()
        assert (granted["report"], granted["recipient"], granted["expires"], granted["active"]) == (
            app.report, "HBMSP", "2026-12-31", True)
        assert granted["ciphertext"] == fingerprint(cipher.read_bytes()) and granted["file"] == fingerprint(RAW)
        assert granted["key_type"] == "EC-P256"
        assert [p.name for p in app.tmp.iterdir() if p.name.endswith(".part")] == []

        opened = ok_json("--as", "hb-clerk", "report", "open", str(cipher), "--out", str(app.tmp / "opened.hj212"))
        assert (app.tmp / "opened.hj212").read_bytes() == RAW
        assert stat.S_IMODE((app.tmp / "opened.hj212").stat().st_mode) == 0o600
        assert (opened["report"], opened["grant"]["id"], opened["fingerprint"]) == (
            app.report, granted["id"], fingerprint(RAW))
        assert [m["report"] for m in opened["matches"]] == [app.report]

        text = open_as("admin-hb", app, out="again.hj212")
        assert text.exit_code == 0, text.output
        assert f"is exactly the raw data of report {app.report} on the ledger" in text.stdout

        refused = open_as("tj-regulator", app, out="tj.hj212")
        one_error_line(refused, "was shared with HBMSP, not with TJMSP: only identities of HBMSP can open it")
        assert not (app.tmp / "tj.hj212").exists()

    def test_tj_is_refused_even_with_a_data_sharing_key_of_its_own(self, hb_key):
        app = hb_key
        ok("sharing", "register-key", "--org", "TJ", "--type", "ec-p256")
        share(app)
        one_error_line(open_as("tj-regulator", app, out="tj.hj212"), "was shared with HBMSP, not with TJMSP")
        data = (app.tmp / "shared.bin").read_bytes()
        parsed = sharing.parse(data)
        [grant] = app.world.query(ADMIN["HB"], "Sharing:List", report_id=app.report)
        with pytest.raises(SharingError):  # and TJ's private key does not unwrap the file key either
            sharing.unwrap_key(parsed.header.key_alg, base64.b64decode(grant["wrapped_key"]),
                               app.keys.current("TJMSP"))
        assert app.world.query(REGULATOR["TJ"], "Sharing:List", report_id=app.report) == []

    def test_a_revoked_grant_no_longer_opens(self, hb_key):
        app = hb_key
        granted = share(app)
        ok("--as", "hb-clerk", "report", "open", str(app.tmp / "shared.bin"), "--out", str(app.tmp / "first.hj212"))
        revoked = ok_json("--as", "bj-steel", "sharing", "revoke", granted["id"], "--reason", "the study ended")
        assert (revoked["status"], revoked["active"], revoked["block"]) == ("revoked", False, 42)
        result = open_as("hb-clerk", app, out="second.hj212")
        one_error_line(result, f"grant {granted['id']} was revoked at 2026-01-01T")
        assert "(the study ended): HBMSP may no longer open" in result.stderr
        assert not (app.tmp / "second.hj212").exists()
        rows = ok("--as", "hb-clerk", "sharing", "grants", "--report", app.report).stdout.splitlines()
        assert rows[2].split()[:6] == [granted["id"], app.report, BJ_STEEL, "HBMSP", "-", "revoked"]
        shown = ok("--as", "bj-steel", "sharing", "show", granted["id"]).stdout
        assert "the study ended" in shown and "revoked" in shown

    def test_an_expired_grant_no_longer_opens(self, hb_key):
        app = hb_key
        granted = share(app, "--expires", "2026-01-03")
        app.ledger.clock += 3 * 86_400  # 2026-01-04 in Beijing
        one_error_line(open_as("hb-clerk", app), f"grant {granted['id']} has expired: its last day was 2026-01-03")
        assert not (app.tmp / "opened.hj212").exists()
        listed = ok_json("--as", "hb-clerk", "sharing", "grants", "--ciphertext", str(app.tmp / "shared.bin"))
        assert [(g["id"], g["active"]) for g in listed] == [(granted["id"], False)]

    def test_a_changed_ciphertext_matches_no_grant(self, hb_key):
        app = hb_key
        share(app)
        data = (app.tmp / "shared.bin").read_bytes()
        (app.tmp / "changed.bin").write_bytes(flipped(data, len(data) - 100))
        one_error_line(open_as("hb-clerk", app, path="changed.bin"),
                       "no grant on the ledger gives HBMSP")
        assert not (app.tmp / "opened.hj212").exists()

    def test_without_the_organizations_private_key_nothing_opens(self, hb_key):
        app = hb_key
        share(app)
        app.keys.path("HBMSP").unlink()
        one_error_line(open_as("hb-clerk", app), "this wallet has no data-sharing private key of HBMSP")

    def test_opening_something_else_is_one_error_line(self, hb_key):
        app = hb_key
        one_error_line(run("--as", "hb-clerk", "report", "open", str(app.raw), "--out", str(app.tmp / "x")),
                       "is not a file shared with 'ecoledger report share'")

    def test_the_text_output_names_the_grant_and_what_to_do_next(self, hb_key):
        app = hb_key
        result = ok("--as", "bj-steel", "report", "share", app.report, "--file", str(app.raw), "--to", "HBMSP",
                    "--out", str(app.tmp / "shared.bin"))
        lines = dict(line.split(None, 1) for line in result.stdout.splitlines()[:2])
        assert lines["grant"].startswith("G-") and lines["report"] == app.report
        assert "expires      never (until revoked)" in result.stdout
        assert "an identity of HBMSP opens it with 'ecoledger report open shared.bin --out FILE'" in result.stdout

    @pytest.mark.parametrize("args, words", [
        (("--to", "HB", "--expires", "soon"), "--expires 'soon': give the last day as YYYY-MM-DD"),
        (("--to", "SH"), "'SH' is not an organization of consortium jingjinji"),
        (("--to", "TJ"), "organization TJMSP has no data-sharing key on the ledger"),
        (("--to", "HB", "--expires", "2025-12-31"), "expires 2025-12-31 is in the past (ledger date 2026-01-01)"),
    ])
    def test_refusals_write_nothing(self, hb_key, args, words):
        app = hb_key
        one_error_line(run("--as", "bj-steel", "report", "share", app.report, "--file", str(app.raw), *args,
                           "--out", str(app.tmp / "shared.bin")), words)
        assert not (app.tmp / "shared.bin").exists()
        assert [p.name for p in app.tmp.iterdir() if p.name.endswith(".part")] == []
        assert app.world.query(ADMIN["HB"], "Sharing:List") == []

    def test_a_file_that_is_not_the_reports_is_refused_before_anything_is_sent(self, hb_key):
        app = hb_key
        other = app.tmp / "other.hj212"
        other.write_bytes(flipped(RAW, 10))
        app.session.service.invocations.clear()
        one_error_line(run("--as", "bj-steel", "report", "share", app.report, "--file", str(other), "--to", "HB",
                           "--out", str(app.tmp / "shared.bin")), f"is not the raw data of report {app.report}")
        assert functions(app) == ["Report:Show"] and not (app.tmp / "shared.bin").exists()

    def test_another_enterprise_cannot_share_the_report(self, hb_key):
        app = hb_key
        one_error_line(run("--as", "bj-power", "report", "share", app.report, "--file", str(app.raw), "--to", "HB",
                           "--out", str(app.tmp / "shared.bin")), "outside the data permission")
        assert not (app.tmp / "shared.bin").exists()

    def test_only_the_granting_enterprise_revokes(self, hb_key):
        app = hb_key
        granted = share(app)
        one_error_line(run("--as", "bj-power", "sharing", "revoke", granted["id"], "--reason", "mine"),
                       f"enterprise {BJ_POWER} revokes its own grants only")
        assert app.world.query(ADMIN["HB"], "Sharing:Show", grant_id=granted["id"])["active"] is True


def test_the_ledger_gateway_passes_the_signers_identity(app):
    """The fake runs the contracts as the wallet identity that signed the proposal."""
    assert ok_json("--as", "hb-clerk", "sharing", "grants") == []
    assert os.path.isdir(app.wallet.directory / "hb-clerk")
    invocation = app.session.service.invocations[-1]
    creator = identities_pb2.SerializedIdentity.FromString(invocation.creator)
    assert (creator.mspid, creator.id_bytes) == ("HBMSP", HB_CLERK.cert_pem)
