"""Progress and stage timings of a run, updated per chunk (never per row, so it stays off the hot path).

Three ways to show it: bars on a terminal (rich: one per stage and per network, with rate and time left),
one line per stage at a bounded interval when stderr is not a terminal (a log, cron), or nothing (`--quiet`).
Whatever is shown, the same counters give `timings.json`: per stage the items done, the busy time (summed
time spent in the stage, which may exceed the wall time when it overlaps itself) and the span (first start
to last end), so a benchmark can say where the wall time went.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from auditor.logs import json_logs

log = logging.getLogger("auditor.progress")

LOG_INTERVAL_SECONDS = 30.0


@dataclass
class Stage:
    name: str
    unit: str
    total: int | None = None  # None: not known up front (grows as work is queued)
    done: int = 0
    busy: float = 0.0
    first: float | None = None
    last: float | None = None
    extra: dict[str, int] = field(default_factory=dict)  # e.g. signatures checked
    task: Any = None  # the rich task id
    logged_at: float | None = None  # when its last line was logged; None: never (the clock may start near 0)
    logged_done: int | None = None  # `done` as its last line said it

    def rate(self, now: float) -> float:
        elapsed = (self.last if self.done and self.last else now) - (self.first or now)
        return self.done / elapsed if elapsed > 0 else 0.0


class RunProgress:
    """`mode`: "bars", "lines" or "off". `auto(quiet)` picks bars on a terminal, lines otherwise."""

    def __init__(self, mode: str = "off", stream: IO[str] | None = None,
                 interval: float = LOG_INTERVAL_SECONDS, clock: Callable[[], float] = time.perf_counter) -> None:
        self.mode = mode
        self.stream = stream or sys.stderr
        self.interval = interval
        self.clock = clock  # perf_counter counts from boot on Linux: a fresh machine's clock is near 0
        self.started = clock()
        self.stages: dict[str, Stage] = {}
        self._bars = None
        if mode == "bars":
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bars = Progress(
                TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:>12}"), TimeElapsedColumn(), TextColumn("left"),
                TimeRemainingColumn(), console=Console(file=self.stream), refresh_per_second=4, transient=False,
            )
            self._bars.start()

    @classmethod
    def auto(cls, quiet: bool, stream: IO[str] | None = None) -> RunProgress:
        stream = stream or sys.stderr
        if quiet:
            return cls("off", stream)
        return cls("bars" if stream.isatty() else "lines", stream)

    # ---- counting -------------------------------------------------------------------------------------

    def stage(self, name: str, unit: str = "rows", total: int | None = None) -> Stage:
        stage = self.stages.get(name)
        if stage is None:
            stage = self.stages[name] = Stage(name, unit, total)
            if self._bars is not None:
                stage.task = self._bars.add_task(name, total=total, rate="")
        return stage

    def queue(self, name: str, count: int, unit: str = "rows") -> None:
        """`count` more items will pass through stage `name` (its total grows: per-network balance reads)."""
        stage = self.stage(name, unit)
        stage.total = (stage.total or 0) + count
        if self._bars is not None:
            self._bars.update(stage.task, total=stage.total)

    def set_total(self, name: str, total: int, unit: str = "rows") -> None:
        stage = self.stage(name, unit)
        stage.total = total
        if self._bars is not None:
            self._bars.update(stage.task, total=total)

    def advance(self, name: str, count: int, busy: float = 0.0, started: float | None = None,
                unit: str = "rows", **extra: int) -> None:
        now = self.clock()
        stage = self.stage(name, unit)
        stage.done += count
        stage.busy += busy
        begin = started if started is not None else now - busy
        stage.first = begin if stage.first is None else min(stage.first, begin)
        stage.last = now
        for key, value in extra.items():
            stage.extra[key] = stage.extra.get(key, 0) + value
        if self._bars is not None:
            self._bars.update(stage.task, completed=stage.done, rate=f"{stage.rate(now):,.0f} {unit}/s")
        elif self.mode == "lines" and count and (stage.logged_at is None or now - stage.logged_at >= self.interval):
            self._line(stage, now)

    @contextmanager
    def timed(self, name: str, count: int = 0, unit: str = "rows") -> Iterator[None]:
        """Time a block as busy time of stage `name`, then count `count` items done."""
        begin = self.clock()
        try:
            yield
        finally:
            self.advance(name, count, self.clock() - begin, begin, unit)

    def _line(self, stage: Stage, now: float) -> None:
        stage.logged_at, stage.logged_done = now, stage.done
        rate = stage.rate(now)
        text = f"auditor: {stage.name}: {stage.done:,}"
        if stage.total:
            text += f"/{stage.total:,} {stage.unit} ({100 * stage.done / stage.total:.0f} %)"
            if rate > 0 and stage.total > stage.done:
                text += f", ~{(stage.total - stage.done) / rate:,.0f} s left"
        else:
            text += f" {stage.unit}"
        text += f", {rate:,.0f} {stage.unit}/s"
        if json_logs():  # `--log-format json`: every stderr line must be one JSON object
            log.info("%s", text.removeprefix("auditor: "), extra={
                "event": "progress", "stage": stage.name, "done": stage.done, "total": stage.total,
                "unit": stage.unit, "rate": round(rate, 1)})
            return
        print(text, file=self.stream, flush=True)

    # ---- the end --------------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the bars, or log each stage's final line once. Safe to call twice."""
        now = self.clock()
        if self._bars is not None:
            self._bars.stop()
            self._bars = None
        elif self.mode == "lines":
            for stage in self.stages.values():
                if stage.done != (stage.logged_done or 0):  # something new since its last line: say the final count
                    self._line(stage, now)

    def timings(self) -> dict[str, Any]:
        """Per stage: items done, busy seconds, span seconds (first start to last end), extra counters."""
        stages = {}
        for name, stage in self.stages.items():
            span = (stage.last or 0) - (stage.first or 0) if stage.first is not None else 0.0
            stages[name] = {"done": stage.done, "unit": stage.unit, "busy": round(stage.busy, 3),
                            "span": round(span, 3), **stage.extra}
        return {"wall": round(self.clock() - self.started, 3), "stages": stages}
