"""Server settings from the environment, and ``python -m chaincode`` as a process."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2, chaincode_shim_pb2_grpc

from chaincode.__main__ import main
from chaincode.app import build_router
from chaincode.runtime.server import ChaincodeServer, ConfigError, ServerConfig, TLSConfig

REPO = Path(__file__).resolve().parents[2]
BASE = {"CHAINCODE_ID": "ecoledger_1.0:abc", "CHAINCODE_SERVER_ADDRESS": "127.0.0.1:9999"}


def test_reads_id_address_and_log_level():
    config = ServerConfig.from_env(dict(BASE, CHAINCODE_LOG_LEVEL="debug"))
    assert config == ServerConfig(chaincode_id="ecoledger_1.0:abc", address="127.0.0.1:9999", tls=None,
                                  log_level="DEBUG")


def test_tls_is_on_when_key_and_certificate_are_set_and_mutual_with_a_client_ca():
    config = ServerConfig.from_env(dict(BASE, CHAINCODE_TLS_KEY_FILE="/k", CHAINCODE_TLS_CERT_FILE="/c",
                                        CHAINCODE_TLS_CLIENT_CA_FILE="/ca"))
    assert config.tls == TLSConfig(key_file="/k", cert_file="/c", client_ca_file="/ca")
    assert config.tls.mutual
    server_only = ServerConfig.from_env(dict(BASE, CHAINCODE_TLS_KEY_FILE="/k", CHAINCODE_TLS_CERT_FILE="/c"))
    assert server_only.tls is not None and not server_only.tls.mutual


@pytest.mark.parametrize("changes, expected", [
    ({"CHAINCODE_ID": ""}, "CHAINCODE_ID must be set"),
    ({"CHAINCODE_SERVER_ADDRESS": " "}, "CHAINCODE_SERVER_ADDRESS must be set"),
    ({"CHAINCODE_SERVER_ADDRESS": "9999"}, "CHAINCODE_SERVER_ADDRESS must be host:port, got '9999'"),
    ({"CHAINCODE_SERVER_ADDRESS": "host:http"}, "must be host:port"),
    ({"CHAINCODE_TLS_KEY_FILE": "/k"}, "CHAINCODE_TLS_CERT_FILE must be set too"),
    ({"CHAINCODE_TLS_CERT_FILE": "/c"}, "CHAINCODE_TLS_KEY_FILE must be set too"),
    ({"CHAINCODE_TLS_CLIENT_CA_FILE": "/ca"}, "CHAINCODE_TLS_CLIENT_CA_FILE needs CHAINCODE_TLS_KEY_FILE"),
    ({"CHAINCODE_LOG_LEVEL": "loud"}, "CHAINCODE_LOG_LEVEL must be one of DEBUG, INFO"),
])
def test_refuses_wrong_settings_naming_the_variable(changes, expected):
    with pytest.raises(ConfigError, match=re.escape(expected)):
        ServerConfig.from_env(dict(BASE, **changes))


def test_main_prints_one_clean_line_and_exits_2_on_a_bad_setting(capsys):
    assert main({"CHAINCODE_SERVER_ADDRESS": "127.0.0.1:9999"}) == 2
    err = capsys.readouterr().err
    assert err.startswith("chaincode: CHAINCODE_ID must be set")
    assert err.count("\n") == 1


def test_an_unreadable_tls_file_is_a_config_error(tmp_path):
    tls = TLSConfig(key_file=str(tmp_path / "missing.key"), cert_file=str(tmp_path / "missing.pem"))
    server = ChaincodeServer("127.0.0.1:0", "cc", build_router(), tls=tls)
    with pytest.raises(ConfigError, match="cannot read TLS key file .*missing.key"):
        server.start()
    server.stop(grace=0)


def test_a_port_in_use_is_refused():
    first = ChaincodeServer("127.0.0.1:0", "cc", build_router())
    port = first.start()
    second = ChaincodeServer(f"127.0.0.1:{port}", "cc", build_router())
    try:
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            second.start()
    finally:
        second.stop(grace=0)
        first.stop(grace=0)


def test_python_m_chaincode_listens_registers_and_stops_cleanly_on_sigterm():
    env = dict(os.environ, CHAINCODE_ID="ecoledger_1.0:feed", CHAINCODE_SERVER_ADDRESS="127.0.0.1:0",
               CHAINCODE_LOG_LEVEL="INFO", PYTHONPATH=str(REPO))
    for name in ("CHAINCODE_TLS_KEY_FILE", "CHAINCODE_TLS_CERT_FILE", "CHAINCODE_TLS_CLIENT_CA_FILE"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "chaincode"], cwd=REPO, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = process.stdout.readline()
        match = re.fullmatch(r"chaincode server listening on 127\.0\.0\.1:(\d+) "
                             r"\(chaincode id ecoledger_1\.0:feed, TLS off\)\n", line)
        assert match, line
        with grpc.insecure_channel(f"127.0.0.1:{match.group(1)}") as channel:
            outgoing: queue.Queue = queue.Queue()
            call = chaincode_shim_pb2_grpc.ChaincodeStub(channel).Connect(iter(outgoing.get, None))
            register = next(call)
            assert register.type == chaincode_shim_pb2.ChaincodeMessage.REGISTER
            assert chaincode_pb2.ChaincodeID.FromString(register.payload).name == "ecoledger_1.0:feed"

            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0
            outgoing.put(None)
        stderr = process.stderr.read()
        assert "received SIGTERM; stopping the chaincode server" in stderr
        assert "chaincode server stopped" in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
