"""The two ways a liabilities proof can fail: it cannot be read (bad input, exit 2), or it can be read and is
wrong (rejected: the exchange's published proof does not hold). Both name the file, line and field."""

from __future__ import annotations

from auditor.errors import InputProblem


class ProofInputError(InputProblem):
    """The file is missing, unreadable or not in the expected format."""


class ProofRejected(Exception):
    """The file is well formed but the proof does not hold (wrong hash, wrong sum, negative balance...)."""


class LiabilitiesConfigError(InputProblem):
    """The [liabilities] section or a declared-figures file cannot be used (auditor.config turns it into a
    ConfigError, exit 2)."""
