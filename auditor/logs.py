"""Logging for people and for machines: `--log-format text` (default: `auditor: ...` lines on stderr, as
before) or `--log-format json` (one JSON object per line: time, level, logger, message and the event's
fields). Every line passes through the secret scrubber, whatever its source."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from auditor.secrets import scrub

FORMATS = ("text", "json")
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_state = {"format": "text"}


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, default=str))


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prefix = "auditor: error: " if record.levelno >= logging.ERROR else "auditor: "
        text = prefix + record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return scrub(text)


class _StderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is at the time (tests and daemons swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(self.format(record), file=sys.stderr, flush=True)
        except Exception:
            self.handleError(record)


def setup_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Install the handler on the root logger (replacing an earlier one: main() may run many times), so that
    libraries' warnings and Python warnings come out in the same format, scrubbed too. auditor's own loggers
    say what they do at INFO; others only from WARNING."""
    _state["format"] = log_format
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _StderrHandler):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(_JsonFormatter() if log_format == "json" else _TextFormatter())
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("auditor").setLevel(level)
    logging.captureWarnings(True)


def json_logs() -> bool:
    return _state["format"] == "json"
