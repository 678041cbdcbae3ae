"""Signature checks in worker processes, so that ownership (CPU) runs beside balance reads (network I/O)
and on every core. Chunks go out and come back in input order."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from auditor.assets import AssetRegistry
from auditor.ownership import check_signatures
from chains.base import AddressRow, OwnershipProof

_registry: AssetRegistry | None = None  # one per worker process, built once by the initializer


def _start_worker(overrides: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
    global _registry
    _registry = AssetRegistry.load(overrides, defaults=defaults)


def _check(rows: list[AddressRow]) -> list[OwnershipProof | None]:
    assert _registry is not None
    return check_signatures(rows, _registry)


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class SignatureWorkers:
    """`await workers.check(rows)` -> one OwnershipProof (or None) per row. With one worker the checks run in
    this process (no pickling, simpler to debug); with more, in a process pool."""

    def __init__(self, registry: AssetRegistry, overrides: Mapping[str, Any], defaults: Mapping[str, Any],
                 workers: int) -> None:
        self._registry = registry
        # forkserver, not fork: the workers must not inherit the event loop, its sockets or its threads.
        self._pool = (
            ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("forkserver"),
                initializer=_start_worker, initargs=(dict(overrides), dict(defaults)),
            )
            if workers > 1 else None
        )

    def check(self, rows: list[AddressRow]) -> asyncio.Future[list[OwnershipProof | None]]:
        loop = asyncio.get_running_loop()
        if self._pool is None:
            future: asyncio.Future[list[OwnershipProof | None]] = loop.create_future()
            future.set_result(check_signatures(rows, self._registry))
            return future
        return asyncio.wrap_future(self._pool.submit(_check, rows))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __enter__(self) -> SignatureWorkers:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
