"""Progress: log lines at a bounded interval when stderr is not a terminal, nothing when quiet, bars on a
terminal; the same counters give the stage timings."""

from __future__ import annotations

import io

from auditor.progress import RunProgress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    """A clock that starts at 0, as time.perf_counter() does on a machine just booted."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


def test_lines_are_bounded_per_stage_and_say_rate_and_time_left():
    stream = io.StringIO()
    progress = RunProgress("lines", stream, interval=3600, clock=_Clock())  # no dependence on the uptime
    progress.set_total("ownership", 1000)
    for _ in range(10):
        progress.advance("ownership", 50, busy=0.01)
        progress.advance("balances ETH", 20, busy=0.01, unit="balances")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # one per stage in the interval, not one per chunk
    progress.close()
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[2].startswith("auditor: ownership: 500/1,000 rows (50 %)") and "s left" in lines[2]
    assert "rows/s" in lines[2] and lines[3].startswith("auditor: balances ETH: 200 balances")


def test_quiet_prints_nothing_but_still_times_the_stages():
    stream = _Tty()
    progress = RunProgress.auto(quiet=True, stream=stream)
    with progress.timed("report", 1):
        pass
    progress.advance("ownership", 10, busy=0.5, signatures=20)
    progress.close()
    assert stream.getvalue() == ""
    timings = progress.timings()
    assert timings["stages"]["ownership"]["signatures"] == 20 and timings["stages"]["ownership"]["busy"] == 0.5
    assert timings["stages"]["report"]["done"] == 1


def test_auto_picks_bars_on_a_terminal_and_lines_elsewhere():
    tty = _Tty()
    bars = RunProgress.auto(quiet=False, stream=tty)
    assert bars.mode == "bars"
    bars.queue("balances TRON", 10, unit="balances")
    bars.advance("balances TRON", 10, unit="balances")
    bars.close()
    assert "balances TRON" in tty.getvalue()
    assert RunProgress.auto(quiet=False, stream=io.StringIO()).mode == "lines"


def test_no_stray_line_after_the_last_stage():
    """`make demo` printed the read stage again after the report step: an advance by 0 rows (the end of the
    file) is not news, and close() repeats only the stages whose count moved since their last line."""
    stream = io.StringIO()
    progress = RunProgress("lines", stream, interval=3600, clock=_Clock())
    progress.advance("read", 26)
    progress.advance("report", 1, unit="step")
    progress.advance("read", 0)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and lines[-1].startswith("auditor: report: 1 step"), lines
