"""Keys of the registry domain (parameters live in the runtime's ``param`` namespace)."""

from __future__ import annotations

from chaincode.runtime import keys

OWNER = "registry"

MEMBERS = keys.namespace("member", "msp_id", owner=OWNER, description="MSP id → {msp_id, code, name, kind}")
BOOTSTRAP = keys.namespace("registry", "name", owner=OWNER, description="what the first Bootstrap was given")
BOOTSTRAP_KEY = BOOTSTRAP.key("bootstrap")
