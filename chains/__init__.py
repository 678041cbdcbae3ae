"""Per-chain adapters. `chains.base` is the protocol; each family lives in its own sub-package."""
