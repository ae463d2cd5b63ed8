"""The caller's identity is parsed once per certificate and never mixed up between callers."""

from __future__ import annotations

import threading

import pytest

from chaincode.runtime import identity
from chaincode.runtime.identity import IdentityCache, caller_from_certificate
from chaincode.runtime.memory import make_identity

ALICE = make_identity("BJMSP", "alice", role="enterprise", region="BJ", entity="E-1")
BOB = make_identity("BJMSP", "bob", role="regulator", region="BJ")
ADMIN = make_identity("COMSP", "admin-co", ou="admin", role="admin")


@pytest.fixture
def parses(monkeypatch) -> list[bytes]:
    """The certificates actually parsed."""
    seen: list[bytes] = []
    real = identity._parse

    def counting(cert_pem: bytes):
        seen.append(cert_pem)
        return real(cert_pem)

    monkeypatch.setattr(identity, "_parse", counting)
    return seen


def test_a_certificate_is_parsed_once_then_served_from_the_cache(parses):
    cache = IdentityCache(8)
    first = cache.caller(ALICE.msp_id, ALICE.cert_pem)
    again = cache.caller(ALICE.msp_id, ALICE.cert_pem)
    assert first == again
    assert (first.name, first.role, first.region, first.entity, first.is_admin) == ("alice", "enterprise", "BJ",
                                                                                  "E-1", False)
    assert parses == [ALICE.cert_pem]
    assert (cache.hits, cache.misses) == (1, 1)


def test_two_callers_of_one_organization_get_their_own_identity(parses):
    cache = IdentityCache(8)
    for _ in range(3):
        assert cache.caller("BJMSP", ALICE.cert_pem).name == "alice"
        assert cache.caller("BJMSP", BOB.cert_pem).name == "bob"
        assert cache.caller("BJMSP", BOB.cert_pem).role == "regulator"
    assert sorted(parses) == sorted([ALICE.cert_pem, BOB.cert_pem])


def test_the_same_certificate_under_another_msp_id_is_another_caller():
    cache = IdentityCache(8)
    assert cache.caller("BJMSP", ALICE.cert_pem).msp_id == "BJMSP"
    assert cache.caller("TJMSP", ALICE.cert_pem).msp_id == "TJMSP"
    assert len(cache) == 2


def test_changing_a_returned_caller_does_not_change_the_next_one():
    cache = IdentityCache(8)
    first = cache.caller(ADMIN.msp_id, ADMIN.cert_pem)
    first.attrs["role"] = "regulator"  # a contract must not do this; if one does, only it sees the change
    assert cache.caller(ADMIN.msp_id, ADMIN.cert_pem).role == "admin"
    assert cache.caller(ADMIN.msp_id, ADMIN.cert_pem).is_admin


def test_the_cache_is_bounded_and_drops_the_least_recently_used_identity(parses):
    cache = IdentityCache(2)
    cache.caller("BJMSP", ALICE.cert_pem)
    cache.caller("BJMSP", BOB.cert_pem)
    cache.caller("BJMSP", ALICE.cert_pem)  # alice is now the most recent
    cache.caller("COMSP", ADMIN.cert_pem)  # bob goes
    assert len(cache) == 2
    parses.clear()
    cache.caller("BJMSP", ALICE.cert_pem)
    assert parses == []
    assert cache.caller("BJMSP", BOB.cert_pem).name == "bob"
    assert parses == [BOB.cert_pem]


def test_a_bad_certificate_raises_every_time_and_is_not_cached():
    cache = IdentityCache(4)
    for _ in range(2):
        with pytest.raises(ValueError):
            cache.caller("BJMSP", b"-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
    assert len(cache) == 0


def test_callers_from_many_threads_at_once_are_never_mixed():
    people = [make_identity("BJMSP", f"user{n}", role="enterprise", entity=f"E-{n}") for n in range(12)]
    cache = IdentityCache(4)  # smaller than the crowd: entries are evicted while others read
    wrong: list[str] = []

    def ask(offset: int) -> None:
        for step in range(300):
            who = people[(offset + step) % len(people)]
            caller = cache.caller(who.msp_id, who.cert_pem)
            expected = f"user{(offset + step) % len(people)}"
            if caller.name != expected or caller.entity != f"E-{expected[4:]}":
                wrong.append(f"{expected} got {caller.name}/{caller.entity}")

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert len(cache) <= 4


def test_the_module_function_uses_the_process_wide_cache():
    identity.identity_cache.clear()
    caller_from_certificate(ALICE.msp_id, ALICE.cert_pem)
    caller_from_certificate(ALICE.msp_id, ALICE.cert_pem)
    assert (identity.identity_cache.hits, identity.identity_cache.misses) == (1, 1)


def test_a_cache_needs_room_for_one_identity():
    with pytest.raises(ValueError):
        IdentityCache(0)
