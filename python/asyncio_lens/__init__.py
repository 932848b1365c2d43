"""Asyncio Lens runtime adapter: runs a Python program, observes its asyncio event loops and streams task snapshots
and findings (see docs/runtime-protocol.md). Standard library only; CPython 3.8-3.13."""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1
