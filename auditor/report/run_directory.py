"""The run directory: <base>/<run id>/, written into a hidden temporary directory and renamed into place when
complete, so a reader (or the next cron run) never sees half a report."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType


class RunDirectory:
    """<base>/<run id>/ written atomically: files go to <base>/.<run id>.partial and are renamed at the end."""

    def __init__(self, base: Path, run_id: str | None = None) -> None:
        self.base = base
        self.run_id = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.final = base / self.run_id
        suffix = 1
        while self.final.exists():
            suffix += 1
            self.final = base / f"{self.run_id}-{suffix}"
        self.partial = base / f".{self.final.name}.partial"

    def __enter__(self) -> RunDirectory:
        self.base.mkdir(parents=True, exist_ok=True)
        if self.partial.exists():
            shutil.rmtree(self.partial)
        self.partial.mkdir()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None:
            shutil.rmtree(self.partial, ignore_errors=True)

    def path(self, name: str) -> Path:
        return self.partial / name

    def commit(self) -> Path:
        for child in self.partial.iterdir():  # data on disk before the directory appears
            with child.open("rb") as handle:
                os.fsync(handle.fileno())
        os.replace(self.partial, self.final)
        latest = self.base / "latest"
        tmp_link = self.base / ".latest.tmp"
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        tmp_link.symlink_to(self.final.name)
        os.replace(tmp_link, latest)
        return self.final
