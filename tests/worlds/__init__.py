"""Chains set up for the end-to-end audits: each module funds one chain (or its stand-in), moves money after
the snapshot, and gives back that chain's OKX rows with what the chain held at the snapshot and at the tip, so
one test can audit one chain and another can mix several in one file."""
