"""Checkpoints of a run, so that a run killed at any point (SIGKILL included) resumes where it stopped.

One SQLite file in the output directory's working area (`<out>/.work/checkpoint.sqlite`), committed as
work arrives (WAL: a committed chunk survives the process being killed):

* ownership verdicts keyed by a digest of everything a signature check reads from the row (layout, coin,
  network, address, message, signatures, script, owners), so a verdict can never be applied to another row;
* balances keyed by (network, height, address, contract, the query's family detail): only answers, never
  errors (an error is asked again), saved as each part of a network's reads arrives;
* the block hash of each (network, height): if the chain now has another block there, that network's saved
  balances are dropped.

A run without `--resume` starts a fresh checkpoint; with `--resume` it reuses one made from the same config
file (sha256) and the same input file (path, size, modification time), else it starts afresh and says so.
The file is removed when the run has written its report.
"""

from __future__ import annotations

import functools
import hashlib
import json
import queue
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from auditor import reasons
from chains.base import AddressRow, Balance, BalanceQuery, OwnershipProof, RowStatus

# One row per chunk of verdicts and per part of a network's reads (not one per row): a 628k-row run writes
# ~800 rows instead of 1.3 million, which cost the main process's writer thread seconds of CPU. A resumed run
# loads them into memory once (~60 MB of verdicts at 628k rows), so no index is needed.
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS verdict_chunks (digests BLOB NOT NULL, verdicts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS balance_parts (network TEXT NOT NULL, height INTEGER NOT NULL, answers TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
    network TEXT NOT NULL, height INTEGER NOT NULL, block_hash TEXT NOT NULL, PRIMARY KEY (network, height)
);
"""
DIGEST_SIZE = 16


def row_digest(row: AddressRow, layout: str) -> bytes:
    """16 bytes naming what a signature check of `row` depends on (its line number does not count)."""
    text = "\x1f".join((layout, row.coin, row.network, row.address, row.message, row.signature1, row.signature2,
                        row.script, row.eoa1, row.eoa2, row.input_error))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=DIGEST_SIZE).digest()


FORMAT_VERSION = 4  # of the tables above; a checkpoint of another format is not read


@functools.cache
def code_fingerprint() -> str:
    """A digest of the code and registry that decide verdicts and queries: a checkpoint written by another
    version of auditor (a verifier fixed since, a registry entry changed) is not reused."""
    digest = hashlib.sha256(str(FORMAT_VERSION).encode())
    root = Path(__file__).resolve().parents[1]
    for folder, pattern in (("auditor", "*.py"), ("chains", "*.py"), ("configs/registry", "*.toml")):
        for path in sorted((root / folder).rglob(pattern)):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def run_key(config_sha256: str, input_file: Path) -> str:
    """What a checkpoint belongs to: the config's bytes, the input file as it is on disk, and this code."""
    stat = input_file.stat()
    return json.dumps([config_sha256, str(input_file.resolve()), stat.st_size, stat.st_mtime_ns, code_fingerprint()])


def _answer_key(query: BalanceQuery) -> tuple[str, str, str]:
    # A family's detail is a frozen dataclass of plain values: its repr names exactly what identifies it.
    return (query.address, query.contract or "", "" if query.detail is None else repr(query.detail))


class Checkpoint:
    """Saved verdicts and balances of one run. `resumed` is true when earlier work was found and kept."""

    def __init__(self, directory: Path, key: str, resume: bool) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "checkpoint.sqlite"
        self.note = ""
        if not resume:
            self._remove()
        try:
            self._db = self._open()
            found = self._db.execute("SELECT value FROM meta WHERE key = 'run'").fetchone()
        except sqlite3.DatabaseError as exc:  # not a checkpoint (corrupt, truncated): nothing in it can be trusted
            self.note = f"the checkpoint {self.path} is unreadable ({exc}): starting afresh"
            self._remove()
            self._db, found = self._open(), None
        if found is not None and found[0] != key:
            self.note = "the checkpoint belongs to another config, input file or auditor version: starting afresh"
            self._db.close()
            self._remove()
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('run', ?)", (key,))
        self.has_verdicts = self._count("verdict_chunks") > 0
        self.has_balances = self._count("balance_parts") > 0
        self.resumed = self.has_verdicts or self.has_balances
        self._saved_verdicts: dict[bytes, OwnershipProof] | None = None  # loaded on first use
        self._saved_balances: dict[tuple[str, int], dict[tuple[str, str, str], Balance]] = {}
        self._writer = _Writer(self.path)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        return db

    def _count(self, table: str) -> int:
        count: int = self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return count

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    # ---- ownership --------------------------------------------------------------------------------------

    def verdicts(self, digests: Iterable[bytes]) -> dict[bytes, OwnershipProof]:
        if not self.has_verdicts:
            return {}
        if self._saved_verdicts is None:
            self._saved_verdicts = self._load_verdicts()
        saved = self._saved_verdicts
        return {digest: saved[digest] for digest in digests if digest in saved}

    def _load_verdicts(self) -> dict[bytes, OwnershipProof]:
        found: dict[bytes, OwnershipProof] = {}
        for blob, text in self._db.execute("SELECT digests, verdicts FROM verdict_chunks"):
            data = json.loads(text)
            proofs = [OwnershipProof(RowStatus(status), scheme, reasons.load(reason), bool(binds))
                      for status, scheme, reason, binds in data["proofs"]]
            index = data["index"]
            if len(blob) != DIGEST_SIZE * len(index):  # a torn row: its chunk is checked again
                continue
            for position, slot in enumerate(index):
                found[blob[DIGEST_SIZE * position : DIGEST_SIZE * (position + 1)]] = proofs[slot]
        return found

    def save_verdicts(self, verdicts: Sequence[tuple[bytes, OwnershipProof | None]]) -> None:
        """A chunk's verdicts as one row: its digests end to end, and each distinct verdict once (a chunk's
        proofs are a few shared objects) with each digest's index into them."""
        digests: list[bytes] = []
        index: list[int] = []
        proofs: list[list[object]] = []
        slots: dict[int, int] = {}  # id(proof) -> index in proofs (the proofs outlive this call: ids are stable)
        for digest, proof in verdicts:
            if proof is None:
                continue
            slot = slots.get(id(proof))
            if slot is None:
                slot = slots[id(proof)] = len(proofs)
                proofs.append([proof.status.value, proof.scheme, reasons.dump(proof.why), int(proof.binds_address)])
            digests.append(digest)
            index.append(slot)
        if digests:
            self._writer.put("INSERT INTO verdict_chunks VALUES (?, ?)",
                             [(b"".join(digests), json.dumps({"proofs": proofs, "index": index}))])

    # ---- balances ---------------------------------------------------------------------------------------

    def check_snapshot(self, network: str, height: int, block_hash: str) -> None:
        """Saved balances of (network, height) stay only if the chain still has the same block there."""
        found = self._db.execute("SELECT block_hash FROM snapshots WHERE network = ? AND height = ?",
                                 (network, height)).fetchone()
        if found is not None and found[0] == block_hash:
            return
        if found is not None:
            self._writer.put("DELETE FROM balance_parts WHERE network = ? AND height = ?", [(network, height)])
            self._writer.flush()  # no saved balance of the old block may be read from here on
            self._saved_balances.pop((network, height), None)
        self._writer.put("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)", [(network, height, block_hash)])

    def balances(self, network: str, height: int, queries: Iterable[BalanceQuery]) -> dict[BalanceQuery, Balance]:
        if not self.has_balances:
            return {}
        saved = self._saved_balances.get((network, height))
        if saved is None:
            saved = self._saved_balances[(network, height)] = self._load_balances(network, height)
        found: dict[BalanceQuery, Balance] = {}
        for query in queries:
            balance = saved.get(_answer_key(query))
            if balance is not None:
                found[query] = balance
        return found

    def _load_balances(self, network: str, height: int) -> dict[tuple[str, str, str], Balance]:
        found: dict[tuple[str, str, str], Balance] = {}
        for (text,) in self._db.execute("SELECT answers FROM balance_parts WHERE network = ? AND height = ?",
                                        (network, height)):
            for address, contract, detail, amount, method, bound, owners_note, read_at, note in json.loads(text):
                found[(address, contract, detail)] = Balance(
                    int(amount), method, "", None if bound is None else bool(bound), owners_note, read_at, note)
        return found

    def save_balances(self, network: str, height: int, answers: Mapping[BalanceQuery, Balance]) -> None:
        """A part of a network's reads as one row (JSON); only answers, never errors (asked again)."""
        rows = [
            [*_answer_key(q), str(b.amount), b.method, None if b.owners_bound is None else int(b.owners_bound),
             b.owners_note, b.read_at, b.note]
            for q, b in answers.items() if b.amount is not None
        ]
        if rows:
            self._writer.put("INSERT INTO balance_parts VALUES (?, ?, ?)", [(network, height, json.dumps(rows))])

    # ---- lifecycle --------------------------------------------------------------------------------------

    def close(self) -> None:
        """Write out what is queued and close (the checkpoint stays for a later `--resume`)."""
        self._writer.close()
        self._db.close()

    def finish(self) -> None:
        """The run's report is written: the checkpoint is no longer needed."""
        self.close()
        self._remove()


class _Writer:
    """Writes on a thread of its own, one transaction per batch, so the event loop does not wait for the disk
    (sqlite3 lets go of the GIL while it works). A batch still queued when the process is killed is simply
    not in the checkpoint: the resumed run does that work again."""

    def __init__(self, path: Path) -> None:
        self._queue: queue.Queue[tuple[str, Sequence[tuple[object, ...]]] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(path,), name="checkpoint-writer", daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        db = sqlite3.connect(path, isolation_level=None, timeout=60)
        db.execute("PRAGMA synchronous=NORMAL")
        try:
            while (item := self._queue.get()) is not None:
                statement, rows = item
                try:
                    if self._error is None:
                        db.execute("BEGIN")
                        db.executemany(statement, rows)
                        db.execute("COMMIT")
                except BaseException as exc:  # reported by the next put/flush, in the run's own thread
                    self._error = exc
                finally:
                    self._queue.task_done()
        finally:
            db.close()

    def _raise(self) -> None:
        if self._error is not None:
            raise RuntimeError(f"checkpoint write failed: {self._error}") from self._error

    def put(self, statement: str, rows: Sequence[tuple[object, ...]]) -> None:
        self._raise()
        self._queue.put((statement, rows))

    def flush(self) -> None:
        self._queue.join()
        self._raise()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._raise()
