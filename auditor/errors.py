"""Exit codes and the one exception root every expected failure derives from.

The CLI maps an exception to its exit code in one place (`AuditorError.exit_code`); nothing else decides
what a failure means to cron. This module imports nothing of the project, so `chains/` may use it too.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0  # every asset with liabilities meets its required ratio (at least one has them) and no row failed
    SHORTFALL = 1  # a shortfall, a failed row, or a finding that fails the audit
    INPUT = 2  # config or input error: the message names file, line and field
    SOURCE = 3  # a data source could not answer: the rows left without a balance are listed
    LOCKED = 4  # another run holds the lock
    INTERNAL = 70  # a bug in auditor
    TERMINATED = 143  # SIGTERM: the run was cancelled and left nothing behind

    @property
    def meaning(self) -> str:
        return _MEANING[self]


_MEANING = {
    ExitCode.OK: "every asset with liabilities meets its required ratio and no row failed",
    ExitCode.SHORTFALL: "a shortfall, a failed row, or a finding that fails the audit",
    ExitCode.INPUT: "config or input error",
    ExitCode.SOURCE: "a data source could not answer; some balances were not read",
    ExitCode.LOCKED: "another run holds the lock",
    ExitCode.INTERNAL: "internal error",
    ExitCode.TERMINATED: "terminated (SIGTERM)",
}


class AuditorError(Exception):
    """An expected failure, with the exit code it ends a run with. Subclasses set `exit_code`."""

    exit_code: ExitCode = ExitCode.INTERNAL


class InputProblem(AuditorError):
    """Config or input the user must fix (exit 2)."""

    exit_code = ExitCode.INPUT


class SourceProblem(AuditorError):
    """A data source that cannot answer (exit 3)."""

    exit_code = ExitCode.SOURCE
