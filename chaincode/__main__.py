"""``python -m chaincode``: run the ecoledger chaincode server for the peer to dial.

Environment:
  CHAINCODE_ID                  package id the chaincode registers as (label:sha256), required
  CHAINCODE_SERVER_ADDRESS      host:port to listen on, e.g. 127.0.0.1:9999, required
  CHAINCODE_TLS_KEY_FILE        server TLS key (PEM); TLS is on when key and cert are set
  CHAINCODE_TLS_CERT_FILE       server TLS certificate (PEM)
  CHAINCODE_TLS_CLIENT_CA_FILE  CA of the peers' client certificates; set = mutual TLS
  CHAINCODE_LOG_LEVEL           DEBUG, INFO (default), WARNING, ERROR

gRPC's listener is switched to the classic I/O path here (``GRPC_EXPERIMENTS=
-event_engine_listener``, unless GRPC_EXPERIMENTS is already set): the event
engine's listener reads every message on a thread of its own and hands it over,
which costs the server about 10 context switches and 15-20 % more CPU per
transaction; the classic path reads on the thread that polls the completion
queue (measured in the module docstring of chaincode.runtime.shim).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Mapping

from chaincode.app import build_router
from chaincode.runtime.server import ConfigError, ServerConfig, serve

GRPC_EXPERIMENTS = "-event_engine_listener"


def main(env: Mapping[str, str] | None = None) -> int:
    # Read by gRPC's core when it starts, i.e. when the first server or channel is created.
    os.environ.setdefault("GRPC_EXPERIMENTS", GRPC_EXPERIMENTS)
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
