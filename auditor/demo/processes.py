"""Local node processes (the demo's anvil and litecoind; the tests' Chopsticks, ElectrumX and Chromium): waiting
until one answers, and stopping one. Both are bounded: a node that never answers or never exits is given up on."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any


def wait_until_answering(
    process: subprocess.Popen[Any], probe: Callable[[], object], name: str, timeout: float, interval: float,
    unready: tuple[type[BaseException], ...] = (OSError,), output: Callable[[], str] = lambda: "",
) -> None:
    """Call `probe` until it returns without raising one of `unready` (the node is still starting). RuntimeError
    with the process's `output` when it exits first; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}: {output()}")
        try:
            probe()
            return
        except unready:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} did not answer within {timeout} s") from None
            time.sleep(interval)


def stop_process(process: subprocess.Popen[Any] | None, grace: float = 10.0, terminate: bool = True) -> None:
    """End `process`: SIGTERM (unless `terminate` is false: it was asked to stop some other way), then SIGKILL
    when it has not exited within `grace` seconds."""
    if process is None or process.poll() is not None:
        return
    if terminate:
        process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
