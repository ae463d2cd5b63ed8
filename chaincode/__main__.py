"""``python -m chaincode``: run the ecoledger chaincode server for the peer to dial.

Environment:
  CHAINCODE_ID                  package id the chaincode registers as (label:sha256), required
  CHAINCODE_SERVER_ADDRESS      host:port to listen on, e.g. 127.0.0.1:9999, required
  CHAINCODE_TLS_KEY_FILE        server TLS key (PEM); TLS is on when key and cert are set
  CHAINCODE_TLS_CERT_FILE       server TLS certificate (PEM)
  CHAINCODE_TLS_CLIENT_CA_FILE  CA of the peers' client certificates; set = mutual TLS
  CHAINCODE_LOG_LEVEL           DEBUG, INFO (default), WARNING, ERROR

Run this way, gRPC's listener uses its classic I/O path (``GRPC_EXPERIMENTS=
-event_engine_listener``, unless GRPC_EXPERIMENTS is already set): the event
engine's listener reads every message on threads of its own and hands it over,
which costs the server about 8 more context switches and 10-20 % more CPU per
transaction; the classic path reads on the thread that polls the completion
queue (figures in the docstring of chaincode.runtime.shim).
"""

from __future__ import annotations

import os

GRPC_EXPERIMENTS = "-event_engine_listener"

if __name__ == "__main__":  # gRPC reads it when imported, so before the imports below (not when imported)
    os.environ.setdefault("GRPC_EXPERIMENTS", GRPC_EXPERIMENTS)

import logging  # noqa: E402
import sys  # noqa: E402
from typing import Mapping  # noqa: E402

from chaincode.app import build_router  # noqa: E402
from chaincode.runtime.server import ConfigError, ServerConfig, serve  # noqa: E402


def main(env: Mapping[str, str] | None = None) -> int:
    try:
        config = ServerConfig.from_env(os.environ if env is None else env)
        logging.basicConfig(stream=sys.stderr, level=config.log_level,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        serve(config.address, config.chaincode_id, build_router(), tls=config.tls)
    except ConfigError as err:
        print(f"chaincode: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
