"""Customer liabilities: the declared figures, and the proofs that verify them (one module per proof format).

- `declared`: figures written in the config or a file (unverified by definition);
- `okx_tree`: OKX's full Merkle-sum tree, every node recomputed up to the root (streamed);
- `okx_v1`, `okx_v2`, `stark_inclusion`, `bitmex`: one user's inclusion proof per format; `inclusion` detects
  which and answers yes/no with the reason;
- `sources`: the `[liabilities]` config section and the figures an audit uses, with their source and whether
  they were proven. The zk-STARK sum proofs live in `stark/` (imported lazily).
"""
