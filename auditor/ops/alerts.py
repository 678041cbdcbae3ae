"""Alerts when a run does not pass (a shortfall or failed row, exit 1; a config/input error, 2; an incomplete
run, 3; a crash, 70): a JSON summary POSTed to a webhook (with a Slack-compatible `text`) and/or a shell
command. Sent after the report is in place, bounded in total time (`[alerts] max_seconds`), retried with
backoff; a failure to alert is logged, never fatal. The webhook URL is a secret: errors never show it."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, stop_before_delay, wait_exponential

from auditor.errors import ExitCode
from auditor.money import dec_str
from auditor.ops.settings import AlertSettings
from auditor.report import ReserveReport
from auditor.secrets import scrub
from chains.transport import display_url

log = logging.getLogger("auditor.ops.alerts")
ALERT_EXIT_CODES = frozenset({ExitCode.SHORTFALL, ExitCode.INPUT, ExitCode.SOURCE, ExitCode.INTERNAL})
MAX_ATTEMPTS = 8
REQUEST_TIMEOUT = 10.0


@dataclass(frozen=True)
class AlertEvent:
    config: str
    exit_code: int
    message: str
    report_dir: Path | None = None
    report: ReserveReport | None = None

    def payload(self) -> dict[str, Any]:
        """The JSON body: what a person needs to decide whether to get up (every string scrubbed of secrets)."""
        try:
            meaning = ExitCode(self.exit_code).meaning
        except ValueError:  # not one of ours (e.g. a signal's 128 + n)
            meaning = ""
        body: dict[str, Any] = {
            "source": "auditor", "host": socket.gethostname(), "config": self.config, "exit_code": int(self.exit_code),
            "meaning": meaning, "message": self.message,
            "report": str(self.report_dir / "report.md") if self.report_dir else None,
        }
        problems = []
        if self.report is not None:
            body["rows"] = dict(self.report.rows)
            body["assets"] = {
                v.asset: {"ratio": dec_str(v.ratio), "required_ratio": dec_str(v.required_ratio), "ok": v.ok,
                          "onchain_verified": dec_str(v.totals.onchain_verified),
                          "liabilities": dec_str(v.liabilities), "problems": v.why_not}
                for v in self.report.assets
            }
            problems = [f"{v.asset}: {'; '.join(v.why_not)}" for v in self.report.assets if not v.ok]
            if self.report.rows.get("failed"):
                problems.append(f"{self.report.rows['failed']} row(s) failed")
            if self.report.missing_total:
                problems.append(f"{self.report.missing_total} balance(s) could not be read")
            if self.report.failing_findings:
                problems.append(f"{self.report.failing_findings} summary figure(s) of the file disagree with its rows")
            if not self.report.rows.get("total", 0):
                problems.append("the input file has no detail rows")
        body["problems"] = problems
        text = f"auditor on {body['host']}: {Path(self.config).name} exited {self.exit_code} ({meaning})"
        details = problems or ([self.message] if self.message else [])
        if details:
            text += ": " + "; ".join(details[:10])
        if body["report"]:
            text += f". Report: {body['report']}"
        body["text"] = text  # Slack (and Mattermost, Rocket.Chat...) incoming webhooks show this field
        scrubbed: dict[str, Any] = json.loads(scrub(json.dumps(body)))
        return scrubbed


def should_alert(exit_code: int) -> bool:
    return exit_code in ALERT_EXIT_CODES


def send_alerts(settings: AlertSettings, event: AlertEvent) -> list[str]:
    """Send to every configured target; returns the failures (already logged), [] when all went out."""
    if not settings.enabled or not should_alert(event.exit_code):
        return []
    deadline = time.monotonic() + settings.max_seconds
    payload = event.payload()
    failures = []
    if settings.webhook_url:
        try:
            post_webhook(settings.webhook_url, payload, deadline)
            log.info("alert posted to the webhook at %s", display_url(settings.webhook_url))
        except Exception as exc:  # never fatal: the report is written and the exit code says the rest
            failures.append(scrub(f"webhook ({settings.webhook_env}) at {display_url(settings.webhook_url)}: "
                                  f"{_describe(exc)}"))
    if settings.command:
        note = run_command(settings.command, event, payload, max(deadline - time.monotonic(), 1.0))
        if note:
            failures.append(note)
    for failure in failures:
        log.error("alert not sent: %s", failure)
    return failures


class _Retryable(Exception):
    """A webhook answer worth retrying: no connection, a timeout, 408/429/5xx."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect could carry the secret URL's body elsewhere


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_webhook(url: str, payload: Mapping[str, Any], deadline: float) -> None:
    """POST `payload` as JSON; retried with exponential backoff until it is accepted or `deadline` (monotonic)."""
    body = json.dumps(payload).encode()

    def attempt() -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no time left for another attempt")
        request = urllib.request.Request(url, body, {"Content-Type": "application/json",
                                                     "User-Agent": "auditor-alerts"}, method="POST")
        try:
            with _OPENER.open(request, timeout=min(REQUEST_TIMEOUT, remaining)) as response:
                response.read(65536)
        except urllib.error.HTTPError as exc:
            if exc.code in (408, 425, 429) or exc.code >= 500:
                raise _Retryable(f"HTTP {exc.code}") from None
            raise RuntimeError(f"HTTP {exc.code} (not retried)") from None
        except (urllib.error.URLError, OSError) as exc:
            raise _Retryable(_describe(exc)) from None

    budget = max(deadline - time.monotonic(), 0.0)
    for attempt_state in Retrying(
        stop=stop_after_attempt(MAX_ATTEMPTS) | stop_before_delay(budget),
        wait=wait_exponential(multiplier=0.5, max=8),
        retry=retry_if_exception_type(_Retryable),
        reraise=True,
        before_sleep=lambda state: log.warning(
            "webhook attempt %d failed (%s); retrying", state.attempt_number,
            scrub(str(state.outcome.exception() if state.outcome else ""))),
    ):
        with attempt_state:
            attempt()


def run_command(command: str, event: AlertEvent, payload: Mapping[str, Any], timeout: float) -> str:
    """The configured shell command, with the outcome in its environment and the JSON summary on stdin.
    Returns a note on failure, "" on success."""
    env = os.environ | {
        "AUDITOR_EXIT_CODE": str(event.exit_code),
        "AUDITOR_REPORT_DIR": str(event.report_dir or ""),
        "AUDITOR_MESSAGE": payload["text"],
        "AUDITOR_CONFIG": event.config,
    }
    try:
        completed = subprocess.run(command, shell=True, env=env, input=json.dumps(payload).encode(),
                                   timeout=timeout, capture_output=True, check=False)
    except subprocess.TimeoutExpired:
        return f"alert command timed out after {timeout:.0f} s"
    except OSError as exc:
        return f"alert command could not start: {exc}"
    if completed.returncode == 0:
        log.info("alert command ran")
        return ""
    stderr = scrub(completed.stderr.decode(errors="replace").strip()[-300:])
    return f"alert command exited with {completed.returncode}" + (f": {stderr}" if stderr else "")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    return f"{type(exc).__name__}: {exc}"
