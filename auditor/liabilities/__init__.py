"""Customer liabilities: the declared figures, and the proofs that verify them (one module per proof format).

- `declared`: figures written in the config or a file (unverified by definition); `settings`: the
  `[liabilities]` section;
- `okx_tree`: OKX's full Merkle-sum tree, every node recomputed up to the root (streamed); `bitmex`: BitMEX's
  HMAC-leaf tree, likewise;
- `okx_v1`, `okx_v2`, `stark_inclusion`, `bitmex`: one user's inclusion proof per format; `inclusion` detects
  which and answers yes/no with the reason;
- `sources`: the figures an audit divides by, with their source and whether they were proven; `stark_source`
  wraps the zk-STARK sum verifier in `stark/` (imported lazily: it may be absent).
"""
