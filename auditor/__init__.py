"""auditor: an independent proof-of-reserves auditor."""

__version__ = "0.1.0"
