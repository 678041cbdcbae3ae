"""CPU time to refuse an over-long address field, per network (the csv module's default field limit is 131072
characters; a hostile file can raise it). Before chains/encoding/base58_bounded, base58 networks took ~11 s per such
field (quadratic decoding); every figure here should now be a few milliseconds at most (linear scans).

Run: python benchmarks/long_fields.py [CHARACTERS]
"""

from __future__ import annotations

import sys
import time

from auditor.assets import AssetRegistry
from chains.registry import get_family

# (network, prefix, filler): a string that looks like the network's address form up to its length
FORMS = [("SOL", "", "z"), ("DOT", "", "z"), ("XRP", "r", "z"), ("ELF", "", "z"), ("TRON", "T", "z"),
         ("BTC", "1", "z"), ("TON", "0:", "a"), ("ADA", "addr1", "q"), ("CFX", "cfx:", "a"), ("NEAR", "", "a"),
         ("ETH", "0x", "a"), ("APTOS", "0x", "a"), ("ATOM", "cosmos1", "q"), ("XLM", "G", "A")]


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 131072
    registry = AssetRegistry.load()
    print(f"| network | {size}-character address: normalize_address CPU time |")
    print("|---|---|")
    for code, prefix, filler in FORMS:
        network = registry.network(code)
        family = get_family(network.family)
        text = prefix + filler * (size - len(prefix))
        start = time.process_time()
        try:
            family.normalize_address(text, network)
            outcome = "accepted?!"
        except ValueError:
            outcome = "refused"
        print(f"| {code} | {(time.process_time() - start) * 1000:.2f} ms ({outcome}) |")


if __name__ == "__main__":
    main()
