"""A second consortium (长三角, five organizations) on Raft: a different file, no code change."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from network import bootstrap
from network.bootstrap import Network

from .conftest import Cli

YANGTZE_BASE_PORT = int(os.environ.get("ECOLEDGER_TEST_BASE_PORT", "27000")) + 3000


@pytest.fixture(scope="module")
def yangtze(fabric_home: Path) -> Iterator[Cli]:
    net = Network(bootstrap.resolve("yangtze", base_port=YANGTZE_BASE_PORT, consensus="raft"))
    try:
        net.up(progress=lambda message: print(message, flush=True))
        yield Cli(fabric_home)
    finally:
        net.down(purge=True, progress=lambda message: None)


def test_yangtze_comes_up_on_raft_with_a_channel_per_pair_of_provinces(yangtze: Cli) -> None:
    status = yangtze.json("--consortium", "yangtze", "network", "status")
    assert status["consensus"] == "raft"
    assert sum(1 for n in status["nodes"] if n["kind"] == "peer") == 5
    assert all(n["health"] == "OK" for n in status["nodes"])
    assert set(status["heights"]) == {"ecoledger", "sh-js", "sh-zj", "sh-ah", "js-zj", "js-ah", "zj-ah"}
    for channel, peers in status["heights"].items():
        assert len(set(peers.values())) == 1, f"{channel}: {peers}"


def test_yangtze_registry_lists_its_own_members_and_basins(yangtze: Cli) -> None:
    members = yangtze.json("--consortium", "yangtze", "--as", "admin-zj", "registry", "members")
    assert sorted(m["code"] for m in members) == ["AH", "JS", "SH", "YD", "ZJ"]
    parameters = yangtze.json("--consortium", "yangtze", "--as", "admin-ah", "registry", "parameters")
    assert parameters["river_basin"] == {"AH": "qiantang", "JS": "yangtze", "SH": "yangtze", "ZJ": "qiantang"}
