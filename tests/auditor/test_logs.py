"""--log-format json: one JSON object per line with the event's fields; text keeps the `auditor: ...` lines;
both pass through the secret scrubber."""

from __future__ import annotations

import json
import logging

from auditor.logs import setup_logging
from auditor.secrets import remember_secret


def test_json_lines_with_fields_and_no_secret(capsys):
    remember_secret("https://rpc.example/v3/LogSecretKey123456")
    setup_logging("json")
    logging.getLogger("auditor.test").warning("endpoint https://rpc.example/v3/LogSecretKey123456 failed",
                                              extra={"event": "probe", "exit_code": 3})
    try:
        raise ValueError("LogSecretKey123456 in an exception")
    except ValueError:
        logging.getLogger("auditor.test").exception("crashed")
    lines = capsys.readouterr().err.splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "warning" and first["logger"] == "auditor.test" and first["event"] == "probe"
    assert first["exit_code"] == 3 and first["message"] == "endpoint https://rpc.example/v3/*** failed"
    assert second["level"] == "error" and "ValueError" in second["traceback"]
    assert "LogSecretKey123456" not in "".join(lines)
    setup_logging("text")
    logging.getLogger("auditor.test").error("bad %s", "thing")
    assert capsys.readouterr().err == "auditor: error: bad thing\n"
