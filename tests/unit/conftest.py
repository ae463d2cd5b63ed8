"""Fixtures of the emission-permit tests (the world itself is in ``test_permit_world.py``)."""

from __future__ import annotations

import pytest

from test_permit_world import ENTERPRISES, REGULATOR, PermitWorld, seeded_ledger


@pytest.fixture
def empty_world() -> PermitWorld:
    """Members and parameters only; no enterprise registered yet."""
    return PermitWorld(seeded_ledger())


@pytest.fixture
def world(empty_world: PermitWorld) -> PermitWorld:
    """Members, parameters and the four enterprises registered by their regulators."""
    for entity, (name, region) in ENTERPRISES.items():
        empty_world.ok(REGULATOR[region], "Enterprise:Register", entity=entity, name=name, region=region)
    empty_world.ledger.events.clear()
    return empty_world
