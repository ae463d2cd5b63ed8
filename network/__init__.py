"""Bootstrap and operate a native (no Docker) Hyperledger Fabric consortium for ecoledger."""
