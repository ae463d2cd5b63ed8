import client
import client.gateway as gateway

EXPECTED = {
    # flow
    "connect",
    "Gateway",
    "Network",
    "Contract",
    "Proposal",
    "Transaction",
    "Commit",
    "CommitStatus",
    "SubmitResult",
    "ChainInfo",
    "Timeouts",
    # events
    "ChaincodeEvent",
    "ChaincodeEvents",
    "Checkpoint",
    "BlockEvents",
    "BlockEventsError",
    # identity
    "Identity",
    "Signer",
    "Wallet",
    "WalletEntry",
    "sha256",
    "signer_from_pem",
    # errors
    "GatewayError",
    "EvaluateError",
    "EndorseError",
    "SubmitError",
    "CommitStatusError",
    "ChaincodeEventsError",
    "CommitError",
    "ErrorDetail",
    "WalletError",
    # blocking face
    "SyncGateway",
    "SyncNetwork",
    "SyncContract",
    "SyncChaincodeEvents",
}


def test_export_list_is_exactly_the_public_api():
    assert set(gateway.__all__) == EXPECTED
    assert len(gateway.__all__) == len(EXPECTED)


def test_export_list_is_sorted_and_every_name_resolves():
    assert gateway.__all__ == sorted(gateway.__all__, key=lambda n: (n[0].islower(), n))
    for name in gateway.__all__:
        assert getattr(gateway, name) is not None


def test_star_import_gives_only_the_export_list():
    namespace: dict = {}
    exec("from client.gateway import *", namespace)
    assert set(namespace) - {"__builtins__"} == EXPECTED


def test_errors_share_one_base_and_wallet_error_stands_apart():
    for name in ["EvaluateError", "EndorseError", "SubmitError", "CommitStatusError", "ChaincodeEventsError", "CommitError"]:
        assert issubclass(getattr(gateway, name), gateway.GatewayError)
    assert not issubclass(gateway.WalletError, gateway.GatewayError)


def test_client_package_has_a_docstring():
    assert client.__doc__
