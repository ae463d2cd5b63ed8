"""Each organization on its own host: a network namespace, its own home folder, its own commands.

The four members of 京津冀 each run ``org init`` in their own namespace, exchange
public definitions, one creates the channels and every host joins its own
nodes, each deploys the chaincode for itself, and then a submit from one host
commits and is read on another. Private keys never leave their host's folder.
A channel update needs the signatures of a majority of the ordering
organizations' admins, collected host by host.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from network.netns import Hosts, unavailable_reason

CODES = ["BJ", "TJ", "HB", "CO"]
BASE_PORT = int(os.environ.get("ECOLEDGER_TEST_BASE_PORT", "21000"))
CONSORTIUM = "jjj-hosts"
PROJECT = Path(__file__).resolve().parents[2]

_reason = unavailable_reason()
pytestmark = pytest.mark.skipif(_reason is not None, reason=f"network namespaces unavailable: {_reason}")


class Cluster:
    def __init__(self, hosts: Hosts, consortium_file: Path, shared: Path) -> None:
        self.hosts = hosts
        self.file = consortium_file
        self.shared = shared

    def run(self, code: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        command = self.hosts.hosts[code].ecoledger(self.consortium_ref(code), args, PROJECT)
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=PROJECT)

    def consortium_ref(self, code: str) -> str:
        saved = self.hosts.hosts[code].home / CONSORTIUM / "consortium.yaml"
        return str(saved if saved.exists() else self.file)

    def ok(self, code: str, *args: str, timeout: float = 600) -> str:
        result = self.run(code, *args, timeout=timeout)
        assert result.returncode == 0, f"{code}: ecoledger {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def says(self, code: str, *args: str, timeout: float = 600) -> str:
        """What a successful command printed, its progress lines (standard error) included."""
        result = self.run(code, *args, timeout=timeout)
        assert result.returncode == 0, f"{code}: ecoledger {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout + result.stderr

    def fails(self, code: str, *args: str) -> str:
        result = self.run(code, *args)
        assert result.returncode != 0, f"{code}: ecoledger {' '.join(args)} unexpectedly succeeded:\n{result.stdout}"
        return result.stderr

    def json(self, code: str, *args: str) -> Any:
        return json.loads(self.ok(code, "--json", *args))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("multihost")
    hosts = Hosts(root / "hosts")
    data = yaml.safe_load((PROJECT / "network" / "consortia" / "jingjinji.yaml").read_text())
    data["name"] = CONSORTIUM
    data["base_port"] = BASE_PORT
    try:
        hosts.create(CODES)
        for org in data["organizations"]:
            org["host"] = hosts.hosts[org["code"]].address
        consortium_file = root / "jjj-hosts.yaml"
        consortium_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        shared = root / "shared"  # what the admins hand each other: public definitions, blocks, update files
        shared.mkdir()
        yield Cluster(hosts, consortium_file, shared)
    finally:
        hosts.stop_processes()
        hosts.remove()


@pytest.fixture(scope="module")
def running(cluster: Cluster) -> Cluster:
    """Four hosts brought up with per-organization commands only."""
    for code in CODES:
        cluster.ok(code, "org", "init", "--org", code, "--consortium", str(cluster.file))
    for code in CODES:
        (cluster.shared / f"{code.lower()}.org.json").write_text(cluster.ok(code, "org", "export"))
    for code in CODES:
        others = [str(cluster.shared / f"{o.lower()}.org.json") for o in CODES if o != code]
        cluster.ok(code, "org", "import", *others)
    cluster.ok("BJ", "channel", "create", "--out", str(cluster.shared / "blocks"))
    blocks = sorted(str(p) for p in (cluster.shared / "blocks").glob("*.block"))
    for code in CODES:
        cluster.ok(code, "channel", "join", *blocks)
    for code in CODES:
        cluster.ok(code, "org", "deploy")
    return cluster


def test_every_channel_has_the_registry_written_from_one_of_its_members_hosts(running: Cluster) -> None:
    assert {m["code"] for m in running.json("CO", "--as", "admin-co", "registry", "members")} == set(CODES)
    for channel, reader in (("bj-tj", "BJ"), ("bj-hb", "HB"), ("tj-hb", "TJ")):
        members = running.json(reader, "--as", f"admin-{reader.lower()}", "registry", "members", "--channel", channel)
        assert {m["code"] for m in members} == set(CODES), channel


def test_the_exported_definition_is_public_only(running: Cluster) -> None:
    for code in CODES:
        text = (running.shared / f"{code.lower()}.org.json").read_text()
        document = json.loads(text)
        assert document["code"] == code and document["host"] == running.hosts.hosts[code].address
        assert "PRIVATE KEY" not in text


def test_each_host_runs_only_its_own_nodes_bound_to_its_own_address(running: Cluster) -> None:
    for code in CODES:
        status = running.json(code, "network", "status")
        names = {n["name"] for n in status["nodes"]}
        assert names == {f"ca.{code.lower()}.ecoledger", f"orderer.{code.lower()}.ecoledger",
                         f"peer0.{code.lower()}.ecoledger", f"chaincode.{code.lower()}.ecoledger"}
        assert all(n["health"] == "OK" for n in status["nodes"]), status["nodes"]
        host_pids = set(running.hosts.hosts[code].pids())
        assert {n["pid"] for n in status["nodes"]} <= host_pids


def _table(cluster: Cluster, title: str, **options: Any) -> subprocess.CompletedProcess:
    """A write on the coordinator's host: a resolution tabled by its admin (``--json``: id and block)."""
    return cluster.run("CO", "--as", "admin-co", "--json", "proposal", "table", "--kind", "resolution",
                       "--title", title, "--text", "written on the coordinator's host", "--deadline", "7d",
                       **options)


def _title_on(cluster: Cluster, code: str, proposal_id: str) -> str | None:
    """The proposal's title as ``code``'s host reads it from its own peer, or ``None`` while it has not got it."""
    result = cluster.run(code, "--as", f"admin-{code.lower()}", "--json", "proposal", "show", proposal_id)
    return json.loads(result.stdout)["title"] if result.returncode == 0 else None


def test_a_submit_on_one_host_commits_and_is_read_on_every_other(running: Cluster) -> None:
    deadline = time.monotonic() + 120
    while True:  # the coordinator's gateway needs cross-host discovery once
        result = _table(running, "read on every host")
        if result.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(3)
    assert result.returncode == 0, result.stderr
    committed = json.loads(result.stdout)
    assert committed["block"] > 0
    for code in ["BJ", "TJ", "HB"]:
        deadline = time.monotonic() + 30
        while _title_on(running, code, committed["id"]) is None and time.monotonic() < deadline:
            time.sleep(1)
        assert _title_on(running, code, committed["id"]) == "read on every host", code


def _private_keys(folder: Path) -> dict[str, Path]:
    keys = {}
    for path in folder.rglob("*"):
        if path.is_file() and path.stat().st_size < 20000:
            text = path.read_text(errors="ignore")
            for block in re.findall(r"-----BEGIN (?:EC )?PRIVATE KEY-----.+?-----END (?:EC )?PRIVATE KEY-----",
                                    text, re.S):
                keys[block] = path
    return keys


def _keys_stay_home(cluster: Cluster, codes: list[str]) -> None:
    """Every private key of each host is in no other host's folder and in nothing the admins handed round."""
    homes = {code: cluster.hosts.hosts[code].home for code in codes}
    owned = {code: _private_keys(home) for code, home in homes.items()}
    assert all(len(keys) >= 4 for keys in owned.values()), {c: len(k) for c, k in owned.items()}
    for code, keys in owned.items():
        for other, home in homes.items():
            if other == code:
                continue
            for path in home.rglob("*"):
                if not path.is_file() or path.stat().st_size > 20_000_000:
                    continue
                data = path.read_bytes()
                leaked = [owner for key, owner in keys.items() if key.encode() in data]
                assert not leaked, f"{code}'s private key {leaked[0]} found in {other}'s {path}"
    shared_text = "".join(p.read_text(errors="ignore") for p in cluster.shared.rglob("*.json"))
    assert "PRIVATE KEY" not in shared_text


def test_no_private_key_is_in_any_other_hosts_folder(running: Cluster) -> None:
    _keys_stay_home(running, CODES)


def test_a_channel_update_is_submitted_only_once_a_majority_of_admins_signed(running: Cluster) -> None:
    update = running.shared / "batch.update.json"
    proposed = running.json("BJ", "channel", "propose", "ecoledger", "--batch-timeout", "750ms", "-o", str(update))
    assert proposed["change"] == "set the ordering batch timeout to 750ms"
    running.ok("BJ", "channel", "sign", str(update))
    running.ok("TJ", "channel", "sign", str(update))
    error = running.fails("CO", "channel", "submit", str(update))
    assert "not signed enough: signed by BJMSP, BJOrdererMSP, TJMSP, TJOrdererMSP" in error
    assert "/Channel/Orderer/Admins needs MAJORITY Admins (3 of 4)" in error
    assert "not met by COOrdererMSP, HBOrdererMSP" in error
    state = running.json("HB", "channel", "signatures", str(update))
    assert state["ready"] is False and state["current"] is True
    running.ok("HB", "channel", "sign", str(update))
    assert running.json("CO", "channel", "signatures", str(update))["ready"] is True
    running.ok("CO", "channel", "submit", str(update))
    again = running.shared / "again.update.json"
    deadline = time.monotonic() + 30
    while True:  # BJ's peer sees the new configuration once it received the config block
        result = running.run("BJ", "channel", "propose", "ecoledger", "--batch-timeout", "750ms", "-o", str(again))
        if "changes nothing" in result.stderr or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert "changes nothing" in result.stderr


def _chain(cluster: Cluster, code: str, channel: str = "ecoledger") -> tuple[int | None, str | None]:
    """Height and current block hash of the host's own peer."""
    status = cluster.json(code, "network", "status")
    peer = f"peer0.{code.lower()}.ecoledger"
    return status["heights"][channel][peer], status["block_hashes"][channel][peer]


def _converged(cluster: Cluster, timeout: float = 180) -> dict[str, tuple[int | None, str | None]]:
    """Every member's (height, hash) once they agree, or as they stand at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        chains = {code: _chain(cluster, code) for code in CODES}
        if len(set(chains.values())) == 1 or time.monotonic() > deadline:
            return chains
        time.sleep(3)


def test_a_cut_off_host_falls_behind_while_the_others_commit_then_catches_up(running: Cluster) -> None:
    """HB's link goes down while the coordinator keeps submitting: BJ, TJ and CO (3 of 4 ordering nodes,
    3 of 4 endorsing organizations) keep committing; once the link is back HB catches up and every
    peer holds the same blocks, the last acknowledged write included."""
    acknowledged: list[tuple[str, int]] = []  # (proposal id, block)
    before, _ = _chain(running, "HB")
    running.hosts.cut("HB")
    try:
        deadline = time.monotonic() + 240
        while len(acknowledged) < 4 and time.monotonic() < deadline:
            result = _table(running, f"written while HB is cut off {len(acknowledged) + 1}", timeout=120)
            if result.returncode == 0:
                written = json.loads(result.stdout)
                acknowledged.append((written["id"], written["block"]))
            else:
                time.sleep(2)
        assert len(acknowledged) >= 4, f"only {len(acknowledged)} writes committed while HB was cut off"
        isolated, _ = _chain(running, "HB")
        assert isolated == before, "HB's peer received blocks although its host was cut off"
    finally:
        running.hosts.heal("HB")
    last_block = acknowledged[-1][1]
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        chains = {code: _chain(running, code) for code in CODES}
        if len(set(chains.values())) == 1 and chains["HB"][0] is not None and chains["HB"][0] > last_block:
            break
        time.sleep(3)
    assert len(set(chains.values())) == 1, f"peers disagree after the heal: {chains}"
    assert chains["HB"][0] > last_block
    assert _title_on(running, "HB", acknowledged[-1][0]) == f"written while HB is cut off {len(acknowledged)}"


def _until(cluster: Cluster, code: str, *args: str, timeout: float = 120) -> str:
    """Run until it succeeds (a write another host made reaches this host's peer within a few blocks)."""
    deadline = time.monotonic() + timeout
    while True:
        result = cluster.run(code, *args)
        if result.returncode == 0:
            return result.stdout
        if time.monotonic() > deadline:
            raise AssertionError(f"{code}: ecoledger {' '.join(args)} kept failing:\n{result.stderr}")
        time.sleep(3)


def test_a_fifth_region_is_admitted_by_an_adopted_proposal_then_orders_endorses_and_gets_its_pair_channels(
        running: Cluster) -> None:
    """山东 (SD) inits on its own new host. The update adding SD's MSP and its ordering node (the fifth BFT
    consenter) is voted on the ledger as a membership proposal; each admin's tool signs only an update whose
    hash the adopted proposal holds. SD's ordering node joins with the config block that made it a consenter,
    its peer with the genesis block; every member imports SD's definition; the chaincode definition moves to
    sequence 2 (SD's private collections) once a majority of five approved; new pair channels with each region
    are created; SD's peer endorses on the all-members channel and on bj-sd."""
    sd_file = running.shared / "jjj-hosts-with-sd.yaml"
    running.hosts.add_region(running.file, "SD", "Shandong", "山东", sd_file)
    running.ok("SD", "org", "init", "--org", "SD", "--consortium", str(sd_file))
    definition = running.shared / "sd.org.json"
    definition.write_text(running.ok("SD", "org", "export"))
    assert "PRIVATE KEY" not in definition.read_text()
    running.ok("SD", "org", "import", *[str(running.shared / f"{c.lower()}.org.json") for c in CODES])
    assert "SD is not a member of consortium jjj-hosts; once the consortium admitted it, import its definition " \
           "with --new" in running.fails("BJ", "org", "import", str(definition))

    update = running.shared / "admit-sd.update.json"
    proposed = running.json("BJ", "channel", "propose", "ecoledger", "--admit", str(definition), "--consenter",
                            "-o", str(update))
    assert proposed["change"].endswith("as BFT consenter 5 (blocks need 4 of 5 signatures)")
    assert "admits SDMSP, SDOrdererMSP: sign it only with an adopted membership proposal holding its hash" in \
        running.fails("BJ", "channel", "sign", str(update))
    decision = running.shared / "admit-sd.decision.json"
    running.ok("BJ", "channel", "decide", str(update), "--subject", "admit SD", "-o", str(decision))
    running.ok("BJ", "channel", "sign-decision", str(decision))
    running.ok("TJ", "channel", "sign-decision", str(decision))
    assert "'admit SD' is not adopted: a majority of the 4 members must sign it; signed by BJMSP, TJMSP; " \
           "not signed by COMSP, HBMSP" in running.fails("TJ", "channel", "sign", str(update), "--decision", str(decision))

    # The consortium votes on the ledger: a membership proposal holding the update's hash.
    sequence = running.json("BJ", "channel", "signatures", str(update))["config_sequence"]
    tabled = json.loads(_until(running, "BJ", "--as", "admin-bj", "--json", "proposal", "table", "--kind",
                               "membership", "--admit", "SD", "--name", "Shandong", "--title", "admit Shandong",
                               "--config-update", str(update), "--config-sequence", str(sequence),
                               "--deadline", "1d"))
    for code in ("BJ", "TJ", "HB"):
        _until(running, code, "--as", f"admin-{code.lower()}", "proposal", "vote", tabled["id"], "yes")
    closed = json.loads(_until(running, "CO", "--as", "admin-co", "--json", "proposal", "close", tabled["id"]))
    assert closed["status"] == "adopted", closed
    error = running.fails("TJ", "--as", "admin-tj", "channel", "sign", str(update), "--proposal", "P-0000000000000000")
    assert "P-0000000000000000" in error
    for code in ("BJ", "TJ"):
        _until(running, code, "--as", f"admin-{code.lower()}", "channel", "sign", str(update), "--proposal", tabled["id"])
    error = running.fails("CO", "channel", "submit", str(update))
    assert "/Channel/Application/Admins needs MAJORITY Admins (3 of 4)" in error
    assert "/Channel/Orderer/Admins needs MAJORITY Admins (3 of 4)" in error
    _until(running, "HB", "--as", "admin-hb", "channel", "sign", str(update), "--proposal", tabled["id"])
    running.ok("CO", "channel", "submit", str(update))

    # SD's ordering node joins as the fifth consenter, its peer catches up.
    joined = running.says("SD", "channel", "join", str(running.shared / "blocks" / "ecoledger.block"))
    assert "ecoledger: joined by orderer.sd.ecoledger, peer0.sd.ecoledger" in joined
    for code in CODES:
        running.ok(code, "org", "import", "--new", str(definition))
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        ours, theirs = _chain(running, "SD"), _chain(running, "CO")
        if ours == theirs:
            break
        time.sleep(3)
    assert ours == theirs, f"SD's peer {ours} vs CO's {theirs}"
    # SD's peer has no chaincode yet: its gateway evaluates on other hosts' peers once gossip has told it of
    # them, a few seconds after the join ("no peers available" until then).
    members = json.loads(_until(running, "SD", "--as", "admin-sd", "--json", "registry", "members"))
    assert {"msp_id": "SDMSP", "code": "SD", "name": "Shandong", "kind": "region"} in members

    # New pair channels with each region: made by one member, joined by every ordering node and the pair's peers.
    running.ok("BJ", "channel", "create", "bj-sd", "tj-sd", "hb-sd", "--out", str(running.shared / "blocks-sd"))
    blocks = sorted(str(p) for p in (running.shared / "blocks-sd").glob("*.block"))
    assert [Path(b).name for b in blocks] == ["bj-sd.block", "hb-sd.block", "tj-sd.block"]
    for code in [*CODES, "SD"]:
        running.ok(code, "channel", "join", *blocks)

    # The chaincode: sequence 2 on the all-members channel once 3 of 5 approved, sequence 1 on the new pairs.
    first = running.says("SD", "org", "deploy")
    assert "ecoledger: sequence 2 approved by SDMSP; waiting for a majority of 5 before commit" in first
    second = running.says("BJ", "org", "deploy")
    assert "waiting for a majority of 5 before commit" in second
    assert "bj-sd: ecoledger 1.0 committed (sequence 1)" in second
    assert "5 members and" in second and "on bj-sd" in second  # endorsed by BJ's and SD's peers
    third = running.says("TJ", "org", "deploy")
    assert "ecoledger: ecoledger 1.0 committed (sequence 2)" in third
    for code in ("HB", "CO"):
        assert "ecoledger: already committed (sequence 2)" in running.says(code, "org", "deploy")
    for channel in ("bj-sd", "tj-sd", "hb-sd"):
        members = running.json("SD", "--as", "admin-sd", "registry", "members", "--channel", channel)
        assert {m["code"] for m in members} == {*CODES, "SD"}, channel

    # SD's own gateway writes: endorsed with SD's peer, committed, and read on another host.
    result = None
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        result = running.run("SD", "--as", "admin-sd", "--json", "proposal", "table", "--kind", "resolution",
                             "--title", "written by Shandong", "--text", "first act", "--deadline", "7d")
        if result.returncode == 0:
            break
        time.sleep(3)
    assert result is not None and result.returncode == 0, result.stderr if result else "no attempt"
    written = json.loads(result.stdout)
    deadline = time.monotonic() + 60
    while _title_on(running, "BJ", written["id"]) is None and time.monotonic() < deadline:
        time.sleep(2)
    assert _title_on(running, "BJ", written["id"]) == "written by Shandong"
    status = running.json("SD", "network", "status")
    assert {n["name"] for n in status["nodes"]} >= {"peer0.sd.ecoledger", "orderer.sd.ecoledger", "ca.sd.ecoledger"}
    _keys_stay_home(running, [*CODES, "SD"])  # the admission moved only public definitions and update files


def test_with_two_ordering_nodes_down_nothing_is_ordered_and_ordering_resumes_when_one_returns(
        running: Cluster) -> None:
    """BFT with 4 consenters tolerates one fault: with TJ's and HB's ordering nodes stopped no block is
    cut (and no peer forks); once TJ's returns, writes commit again and every peer holds the same blocks."""
    before = _converged(running)
    assert len(set(before.values())) == 1, f"peers disagree before the test: {before}"
    running.ok("TJ", "network", "stop-node", "orderer.tj")
    running.ok("HB", "network", "stop-node", "orderer.hb")
    try:
        try:
            stalled = _table(running, "with two ordering nodes down", timeout=150)
            assert stalled.returncode != 0, "a write committed with only 2 of 4 ordering nodes"
        except subprocess.TimeoutExpired:
            pass  # still waiting for its commit: not acknowledged either
        during = {code: _chain(running, code) for code in CODES}
        assert during == before, f"blocks were cut without a BFT quorum: {during} vs {before}"
    finally:
        running.ok("TJ", "network", "start-node", "orderer.tj")
    deadline, result = time.monotonic() + 240, None
    while time.monotonic() < deadline:
        result = _table(running, "after one ordering node returned", timeout=120)
        if result.returncode == 0:
            break
        time.sleep(5)
    assert result is not None and result.returncode == 0, result.stderr if result else "no attempt"
    running.ok("HB", "network", "start-node", "orderer.hb")
    chains = _converged(running)
    assert len(set(chains.values())) == 1, f"peers disagree after ordering resumed: {chains}"
    assert _title_on(running, "BJ", json.loads(result.stdout)["id"]) == "after one ordering node returned"
