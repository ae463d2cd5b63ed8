"""Monitoring data on the ledger: HJ 212-2017 frames, daily reports, and the data logger server.

* :mod:`client.monitoring.hj212`: parse, validate and build frames; find them in a byte stream.
* :mod:`client.monitoring.reports`: frames of a device and day → hourly means, validity, loads, fingerprints.
* :mod:`client.monitoring.service`: reports, devices, licences and fingerprint checks on the ledger.
* :mod:`client.monitoring.listener`: the asyncio TCP server data loggers connect to.
"""
