"""Signature checks in worker processes, so that ownership (CPU) runs beside balance reads (network I/O)
and on every core. Chunks go out and come back in input order."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import multiprocessing
import operator
import os
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from auditor import lifeline
from auditor.assets import AssetRegistry
from auditor.checkpoint import row_digest
from auditor.ownership import Address, check_rows
from chains.base import AddressRow, BalanceQuery, OwnershipProof

_registry: AssetRegistry | None = None  # one per worker process, built once by the initializer


def _start_worker(overrides: Mapping[str, Any], defaults: Mapping[str, Any], auditor_pid: int) -> None:
    global _registry
    # A worker must not outlive the auditor, even one killed with SIGKILL (which runs no cleanup): see lifeline.
    lifeline.die_with_parent()  # the parent is the forkserver
    lifeline.exit_with(auditor_pid)
    _registry = AssetRegistry.load(overrides, defaults=defaults)
    gc.freeze()  # the modules and registry just loaded are never garbage: keep them out of every collection
    gc.set_threshold(*HOT_LOOP_GC_THRESHOLDS)


# A row crosses to a worker as the plain tuple of its fields: pickle writes and reads a tuple of strings in C
# (~0.4 + 0.7 us a row), where AddressRow's own reduction calls back into Python both ways (~3.4 + 4.1 us).
ROW_FIELDS = tuple(field.name for field in dataclasses.fields(AddressRow))
_row_fields = operator.attrgetter(*ROW_FIELDS)


def _check(fields: list[tuple[Any, ...]], layout: str) -> CheckedChunk:
    assert _registry is not None
    return checked_chunk([AddressRow(*values) for values in fields], _registry, layout)


@dataclass(frozen=True, slots=True)
class CheckedChunk:
    """What a worker sends back for a chunk: per row its digest (the checkpoint key) and proof, plus how many
    signatures it checked and how long it took (for the stage timings)."""

    digests: list[bytes]
    proofs: list[OwnershipProof | None]
    addresses: list[Address]  # canonical addresses, worked out here too so the main process need not
    signatures: int
    seconds: float
    cpu_seconds: float  # the checking thread's CPU time: what the stage costs, whatever else shares the cores

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Sent back by the 5,000: each balance query as the plain tuple of its fields, rebuilt on arrival
        # (BalanceQuery's own reduction calls into Python on both sides: ~2 + 4 us a row, against ~0.7 + 1.5).
        flat = [address if address is None or address[2] is None else
                (address[0], address[1], (address[2].address, address[2].contract, address[2].detail))
                for address in self.addresses]
        return (_rebuilt_chunk, (self.digests, self.proofs, flat, self.signatures, self.seconds, self.cpu_seconds))


def _rebuilt_chunk(digests: list[bytes], proofs: list[OwnershipProof | None], flat: list[Any], signatures: int,
                   seconds: float, cpu_seconds: float) -> CheckedChunk:
    addresses: list[Address] = [
        address if address is None or address[2] is None else (address[0], address[1], BalanceQuery(*address[2]))
        for address in flat
    ]
    return CheckedChunk(digests, proofs, addresses, signatures, seconds, cpu_seconds)


def checked_chunk(rows: list[AddressRow], registry: AssetRegistry, layout: str) -> CheckedChunk:
    started, cpu_started = time.perf_counter(), time.thread_time()
    proofs, addresses = check_rows(rows, registry)
    digests = [row_digest(row, layout) for row in rows]
    signatures = sum((row.signature1 != "") + (row.signature2 != "") for row in rows)
    return CheckedChunk(digests, proofs, addresses, signatures, time.perf_counter() - started,
                        time.thread_time() - cpu_started)


# The garbage collector's thresholds while a file's rows stream through: the default (700 allocations per
# young collection) runs ~10 collections per 5,000-row chunk, and each older one walks every live object (the
# de-duplication index holds one per distinct row). The rows' objects are freed by reference counting; cycles
# are rare here, so collecting seldom costs little memory: at 628k rows (100,000, 50, 100) spent 0.74 s of the
# main process in 107 collections, these 0.17 s, at the same peak RSS.
HOT_LOOP_GC_THRESHOLDS = (1_000_000, 1000, 1000)


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class SignatureWorkers:
    """`await workers.check(rows, layout)` -> a CheckedChunk (one OwnershipProof or None per row). With one
    worker the checks run in this process (no pickling, simpler to debug); with more, in a process pool."""

    def __init__(self, registry: AssetRegistry, overrides: Mapping[str, Any], defaults: Mapping[str, Any],
                 workers: int) -> None:
        self._registry = registry
        self._pool: ProcessPoolExecutor | None = None
        self._gc_thresholds = gc.get_threshold()
        if workers > 1:
            # forkserver, not fork: the workers must not inherit the event loop, its sockets or its threads.
            lifeline.start_forkserver()
            self._pool = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("forkserver"),
                initializer=_start_worker, initargs=(dict(overrides), dict(defaults), os.getpid()),
            )

    def check(self, rows: list[AddressRow], layout: str) -> asyncio.Future[CheckedChunk]:
        loop = asyncio.get_running_loop()
        if self._pool is None:
            future: asyncio.Future[CheckedChunk] = loop.create_future()
            future.set_result(checked_chunk(rows, self._registry, layout))
            return future
        return asyncio.wrap_future(self._pool.submit(_check, list(map(_row_fields, rows)), layout))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __enter__(self) -> SignatureWorkers:
        # The rows of the file stream through this process while the workers are open (see HOT_LOOP_GC_THRESHOLDS).
        self._gc_thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(*HOT_LOOP_GC_THRESHOLDS)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
        gc.set_threshold(*self._gc_thresholds)
        gc.unfreeze()
