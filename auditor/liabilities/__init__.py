"""Customer liabilities: declared figures, and the proofs that verify them (one module per proof format)."""
