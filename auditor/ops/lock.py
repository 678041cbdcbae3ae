"""One run at a time per config and per output directory: an flock on `<output dir>/.lock`, and one on a file
named by the config's path under the system's temporary directory (so the same config run with another `--out`
waits too), each recording who holds it. The kernel releases an flock when its process dies, however it dies,
so a run killed with SIGKILL never blocks the next one: the next run finds the lock free, sees the dead run's
details still in the file, says so and takes over (removing the dead run's half-written `.partial` directory)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from auditor.errors import AuditorError, ExitCode

log = logging.getLogger("auditor.ops.lock")
LOCK_NAME = ".lock"


class RunLocked(AuditorError):
    """Another run holds the output directory's lock. The message names it (pid, host, start time, config)."""

    exit_code = ExitCode.LOCKED


@dataclass(frozen=True)
class Holder:
    pid: int | None
    host: str
    started_at: str
    config: str

    @classmethod
    def read(cls, text: str) -> Holder | None:
        text = text.strip()
        if not text:
            return None
        try:
            data: Any = json.loads(text)
        except ValueError:
            data = {"pid": text.split()[0]} if text.split()[0].isdigit() else {}  # the old format: a bare pid
        if not isinstance(data, dict):
            return None
        pid = str(data.get("pid"))
        return cls(int(pid) if pid.isdigit() else None, str(data.get("host", "?")),
                   str(data.get("started_at", "?")), str(data.get("config", "?")))

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, started {self.started_at}, config {self.config}"

    def alive_here(self) -> bool | None:
        """Whether the holder's process still exists (None: it ran on another host, so nobody here can tell)."""
        if self.host != socket.gethostname() or self.pid is None:
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def config_lock_dir(config_path: Path | str) -> Path:
    """Where the per-config lock lives: outside the output directory, which another `--out` changes."""
    digest = hashlib.sha256(str(Path(config_path).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "auditor-locks" / digest


class RunLock:
    """`with RunLock(output_dir, config_path):` holds the lock for the run or raises RunLocked at once.
    `scope` says what the lock guards in messages (default: the output directory)."""

    def __init__(self, output_dir: Path, config_path: Path | str, scope: str = "") -> None:
        self.output_dir = output_dir
        self.path = output_dir / LOCK_NAME
        self.config = str(config_path)
        self.scope = scope or str(output_dir)
        self.taken_over: Holder | None = None  # the dead run whose lock this one took over
        self._handle: IO[str] | None = None

    def __enter__(self) -> RunLock:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = Holder.read(handle.read())
            handle.close()
            raise RunLocked(self._busy_message(holder)) from None
        handle.seek(0)
        previous = Holder.read(handle.read())
        if previous is not None:  # a run that held the lock ended without releasing it: killed, or the host died
            self.taken_over = previous
            log.warning("taking over the lock %s left by a run that did not finish (%s; its process is gone)",
                        self.path, previous.describe())
            self._remove_partial_runs()
        me = {"pid": os.getpid(), "host": socket.gethostname(), "config": self.config,
              "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(me) + "\n")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc_info: object) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:  # an empty file says the last run released the lock cleanly
            handle.seek(0)
            handle.truncate()
            handle.flush()
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    def _busy_message(self, holder: Holder | None) -> str:
        where = f"{self.scope} (lock {self.path})"
        if holder is None:
            return f"another audit is running on {where}; it has not written its details yet"
        message = f"another audit is running on {where}: {holder.describe()}"
        if holder.alive_here() is False:
            message += ("; that process is gone but the lock is still held, by a process it started: "
                        "find it with `fuser " + str(self.path) + "`")
        return message

    def _remove_partial_runs(self) -> None:
        """The dead run's `.<run id>.partial` directory: never renamed into place, so never a report."""
        for partial in self.output_dir.glob(".*.partial"):
            if partial.is_dir():
                log.warning("removing %s, left half-written by the run that did not finish", partial)
                shutil.rmtree(partial, ignore_errors=True)
