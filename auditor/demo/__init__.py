"""A local, self-contained demo: anvil nodes, real contracts, a signed OKX-layout file, a full audit.
The tests build on the same pieces."""
