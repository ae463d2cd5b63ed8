"""Benchmark scripts for a real ecoledger network on this machine.

Each module is runnable with ``python -m benchmarks.<name> --help``. They
report figures (tables on stdout, progress on stderr, ``--json FILE`` for the
raw numbers) and never judge them: timings on a shared machine are noisy.
"""
