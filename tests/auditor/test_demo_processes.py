"""auditor.demo.processes with real child processes: waiting for a node gives up when it exits or never answers,
and stopping one that ignores SIGTERM still ends it."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from auditor.demo.processes import stop_process, wait_until_answering


def _python(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_waits_until_the_probe_answers() -> None:
    process = _python("import time; time.sleep(30)")
    answers = iter([OSError("refused"), OSError("refused"), None])

    def probe() -> None:
        outcome = next(answers)
        if outcome is not None:
            raise outcome

    try:
        wait_until_answering(process, probe, "node", timeout=10, interval=0.01)
        assert next(answers, "done") == "done"  # asked three times
    finally:
        stop_process(process)
    assert process.returncode is not None


def test_a_node_that_exits_is_reported_with_its_output() -> None:
    process = _python("import sys; sys.stderr.write('bad flag'); sys.exit(3)")
    process.wait(timeout=10)
    with pytest.raises(RuntimeError, match="node exited with 3: bad flag"):
        wait_until_answering(process, lambda: None, "node", timeout=10, interval=0.01,
                             output=lambda: process.stderr.read().decode() if process.stderr else "")


def test_a_node_that_never_answers_is_given_up_on() -> None:
    process = _python("import time; time.sleep(30)")

    def refused() -> None:
        raise OSError("refused")

    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError, match=r"node did not answer within 0\.2 s"):
            wait_until_answering(process, refused, "node", timeout=0.2, interval=0.01)
    finally:
        stop_process(process)
    assert time.monotonic() - started < 5


def test_a_process_ignoring_sigterm_is_killed_after_the_grace() -> None:
    process = _python("import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                      "sys.stderr.write('ready'); sys.stderr.flush(); time.sleep(30)")
    assert process.stderr is not None and process.stderr.read(5) == b"ready"
    stop_process(process, grace=0.2)
    assert process.returncode == -9  # SIGKILL
    stop_process(process)  # an ended process: nothing to do
