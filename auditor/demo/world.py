"""The demo's chains, its signed address file and its customer liabilities: what `auditor demo` audits.

* Ethereum stand-in (anvil, chain id 1): ETH and five ERC-20 tokens deployed from DemoToken.sol (USDT, USDC,
  LINK, UNI, OKB, each with its mainnet decimals), hot wallets and a 2-of-3 Safe-style contract wallet;
* Arbitrum One stand-in (anvil, chain id 42161): ETH, USDT and USDC;
* Litecoin (litecoind regtest, read through the bitcoind backend): P2PKH addresses and a 2-of-3 P2WSH multisig.

Rows on Ethereum sign OKX's fixed sentence; the others sign a statement naming the nonce published with the
snapshot (configs/demo.toml `[audit] snapshot_nonce`), so the report shows how much rests on fresh proofs.
Money moves on both EVM chains after the snapshot block, so reading their tip would give other totals; on Litecoin
(read at the node's tip, which is the snapshot) a later deposit waits unconfirmed in the mempool.

ETH and USDT liabilities come from an OKX v2 Merkle-sum tree of customer balances built here (its coins are
BTC, ETH and USDT; no customer holds BTC); the other assets' are declared in a CSV. Every figure the audit
should find is recorded in `DemoWorld` from what was put on chain.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from auditor.demo.anvil import Anvil
from auditor.demo.chain import DemoChain
from auditor.demo.liabilities_tree import Customer, write_tree, write_user_proof
from auditor.demo.litecoind import Litecoind
from auditor.demo.signing import demo_key, evm_address, sign_okx_evm
from auditor.money import CONTEXT, dec_str, whole_units

FIXED_STATEMENT = "I am an OKX address"  # OKX's sentence: the same in every snapshot, so not fresh
SNAPSHOT_NONCE = "por-demo-7c41e9d2a5f3"  # configs/demo.toml [audit] snapshot_nonce
FRESH_STATEMENT = f"I am an OKX address. Snapshot nonce {SNAPSHOT_NONCE}"
HEADER = [
    "coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
    "redeem script/ public key", " eoa1", " eoa2",
]
ETH = 10**18
# (OKX coin code, asset, decimals) of the tokens each EVM chain gets, deployed in this order (their addresses
# follow from the deployer's nonce, which configs/demo.toml relies on)
ETH_TOKENS = (("USDT-ERC20", "USDT", 6), ("USDC-ERC20", "USDC", 6), ("LINK", "LINK", 18), ("UNI", "UNI", 18),
              ("OKB", "OKB", 18))
ARB_TOKENS = (("USDT-ARBITRUM", "USDT", 6), ("USDC-ARBITRUM-NATIVE", "USDC", 6))
# whole units each hot wallet i (from 1) holds, per asset
HOLDINGS = {"ETH": 40, "USDT": 1_250_000, "USDC": 800_000, "LINK": 30_000, "UNI": 45_000, "OKB": 9_000}
LTC_AMOUNTS = (Decimal("125.5"), Decimal("310.25"), Decimal("78.125"))  # P2PKH rows; the multisig holds 1,500
LTC_MULTISIG = Decimal("1500")
# reserves over liabilities the demo's exchange keeps, per asset (its customers' balances are set from these)
COVER = {"ETH": Decimal("1.25"), "USDT": Decimal("1.07"), "USDC": Decimal("1.10"), "LINK": Decimal("1.50"),
         "UNI": Decimal("1.02"), "OKB": Decimal("2"), "LTC": Decimal("1.15")}
CUSTOMERS = 40
CHECKED_CUSTOMER = 7  # whose inclusion proof the demo checks (their balance split over two leaves, as OKX does)


@dataclass
class ChainRecord:
    """What the demo put on one chain, for the config check and the tests."""

    code: str
    height: int = 0
    tokens: dict[str, str] = field(default_factory=dict)  # OKX coin code -> contract
    genesis: str = ""  # litecoind's genesis block hash (regtest)


@dataclass
class DemoWorld:
    data_dir: Path
    chains: dict[str, ChainRecord] = field(default_factory=dict)
    rows: list[list[str]] = field(default_factory=list)
    # asset -> network -> whole units at the snapshot, of the rows proven by fresh / fixed statements
    fresh: dict[str, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Decimal)))
    fixed: dict[str, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Decimal)))
    liabilities: dict[str, Decimal] = field(default_factory=dict)  # what the audit should divide by
    tree_assets: tuple[str, ...] = ("BTC", "ETH", "USDT")  # proven by the tree; the others are declared

    @property
    def address_file(self) -> Path:
        return self.data_dir / "okx_por_demo.csv"

    @property
    def tree(self) -> Path:
        return self.data_dir / "full-liabilities-merkle-tree.txt"

    @property
    def user_proof(self) -> Path:
        return self.data_dir / "user_info_file.json"

    def reserves(self, asset: str) -> Decimal:
        total = Decimal(0)
        for table in (self.fresh, self.fixed):
            for amount in table.get(asset, {}).values():
                total = CONTEXT.add(total, amount)
        return total

    def fresh_reserves(self, asset: str) -> Decimal:
        total = Decimal(0)
        for amount in self.fresh.get(asset, {}).values():
            total = CONTEXT.add(total, amount)
        return total

    def record(self, fresh: bool, asset: str, network: str, amount: Decimal) -> None:
        table = self.fresh if fresh else self.fixed
        table[asset][network] = CONTEXT.add(table[asset][network], amount)


def _evm_chain(world: DemoWorld, code: str, node: Anvil, native: str, tokens: tuple[tuple[str, str, int], ...],
               wallets: int, statement: str, safe: bool) -> None:
    chain = DemoChain(node)
    record = world.chains[code] = ChainRecord(code)
    for coin, asset, decimals in tokens:  # first, so each lands at the address its deployer nonce gives
        record.tokens[coin] = chain.deploy_token(f"{asset} (demo)", asset, decimals)
    chain.deploy_multicall3()
    fresh = statement != FIXED_STATEMENT
    holders = []
    for i in range(1, wallets + 1):
        key = demo_key(f"{code}/hot-{i}")
        address = evm_address(key)
        amounts = {native: (i * HOLDINGS["ETH"] * ETH, 18, "ETH")}
        chain.send_eth(address, amounts[native][0])
        for coin, asset, decimals in tokens:
            base = i * HOLDINGS[asset] * 10**decimals
            chain.mint(record.tokens[coin], address, base)
            amounts[coin] = (base, decimals, asset)
        holders.append((key, address, amounts))
    if safe:  # a contract wallet, proven by two of its three owners' signatures (eoa1/eoa2), bound on chain
        owners = [demo_key(f"{code}/owner-{i}") for i in range(1, 4)]
        wallet = chain.deploy_safe([evm_address(k) for k in owners], 2)
        chain.send_eth(wallet, 500 * ETH)
        coin, asset, decimals = tokens[0]
        chain.mint(record.tokens[coin], wallet, 5_000_000 * 10**decimals)
    record.height = chain.mine(2)
    for key, address, amounts in holders:
        signature = sign_okx_evm(key, statement)
        for coin, (base, decimals, asset) in amounts.items():
            whole = whole_units(base, decimals)
            world.rows.append([coin, code, str(record.height), address, dec_str(whole), statement, signature, "",
                               "", "", ""])
            world.record(fresh, asset, code, whole)
    if safe:
        signatures = [sign_okx_evm(owner, statement) for owner in owners[:2]]
        for coin, base, decimals, asset in ((native, 500 * ETH, 18, "ETH"),
                                            (tokens[0][0], 5_000_000 * 10**tokens[0][2], tokens[0][2], tokens[0][1])):
            whole = whole_units(base, decimals)
            world.rows.append([coin, code, str(record.height), wallet, dec_str(whole), statement, *signatures, "",
                               evm_address(owners[0]), evm_address(owners[1])])
            world.record(fresh, asset, code, whole)
    # after the snapshot: customer withdrawals leave the first two wallets
    outside = evm_address(demo_key("customer withdrawals"))
    for _key, address, amounts in holders[:2]:
        chain.transfer_eth(address, outside, amounts[native][0] // 4)
        for coin, _asset, _decimals in tokens:
            chain.transfer_token(record.tokens[coin], address, outside, amounts[coin][0] // 3)
    chain.mine(3)


def _litecoin(world: DemoWorld, node: Litecoind) -> None:
    record = world.chains["LTC"] = ChainRecord("LTC")
    record.genesis = node.rpc("getblockhash", 0)
    node.rpc("createwallet", "miner")
    node.rpc("createwallet", "reserves")
    miner = node.rpc("getnewaddress", "", "bech32", wallet="miner")
    node.rpc("generatetoaddress", 200, miner)  # coinbase matures after 100 blocks: 100 x 50 LTC spendable
    legacy = [node.rpc("getnewaddress", "", "legacy", wallet="reserves") for _ in range(6)]
    pubkeys = [node.rpc("getaddressinfo", a, wallet="reserves")["pubkey"] for a in legacy[3:6]]
    multisig = node.rpc("addmultisigaddress", 2, pubkeys, "", "bech32", wallet="reserves")
    amounts = dict(zip(legacy[:3], LTC_AMOUNTS, strict=True)) | {multisig["address"]: LTC_MULTISIG}
    node.rpc("sendmany", "", {a: str(v) for a, v in amounts.items()}, wallet="miner")
    node.rpc("generatetoaddress", 1, miner)
    record.height = node.rpc("getblockcount")
    for address in legacy[:3]:
        signature = node.rpc("signmessage", address, FRESH_STATEMENT, wallet="reserves")
        world.rows.append(["LTC", "LTC", str(record.height), address, dec_str(amounts[address]), FRESH_STATEMENT,
                           signature, "", "", "", ""])
        world.record(True, "LTC", "LTC", amounts[address])
    signatures = [node.rpc("signmessage", a, FRESH_STATEMENT, wallet="reserves") for a in (legacy[3], legacy[5])]
    world.rows.append(["LTC", "LTC", str(record.height), multisig["address"], dec_str(LTC_MULTISIG), FRESH_STATEMENT,
                       *signatures, multisig["redeemScript"], "", ""])
    world.record(True, "LTC", "LTC", LTC_MULTISIG)
    # A deposit after the snapshot, left unconfirmed: the bitcoind backend reads the UTXO set at the node's tip
    # (scantxoutset) and refuses a node whose tip is past the snapshot, so the snapshot is the tip here and the
    # deposit waits in the mempool, which the UTXO set does not include.
    node.rpc("sendtoaddress", legacy[0], "42", wallet="miner")


def _write_address_file(world: DemoWorld) -> None:
    """OKX's layout: a summary section (per asset across networks, then per coin at its height, amounts rounded
    to 4 places as OKX prints them), a blank line, the detail rows."""
    per_coin: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    per_asset: dict[str, Decimal] = defaultdict(Decimal)
    coin_asset = {coin: asset for coin, asset, _ in ETH_TOKENS + ARB_TOKENS} | {
        "ETH": "ETH", "ETH-ARBITRUM": "ETH", "LTC": "LTC"}
    for row in world.rows:
        per_coin[(row[0], row[2])] = CONTEXT.add(per_coin[(row[0], row[2])], Decimal(row[4]))
        per_asset[coin_asset[row[0]]] = CONTEXT.add(per_asset[coin_asset[row[0]]], Decimal(row[4]))
    four_places = Decimal("0.0001")
    with world.address_file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["coin", "snapshot height", "amount"])
        for asset, amount in sorted(per_asset.items()):
            writer.writerow([f"{asset}(ALL)", "-", dec_str(amount.quantize(four_places))])
        for (coin, height), amount in sorted(per_coin.items()):
            writer.writerow([coin, height, dec_str(amount.quantize(four_places))])
        writer.writerow([])
        writer.writerow(HEADER)
        writer.writerows(world.rows)


def _split(total: Decimal, parts: int, places: Decimal) -> list[Decimal]:
    """`total` over `parts` customers of unequal sizes (weights 1..parts), exactly: the last takes the rest."""
    weights = range(1, parts + 1)
    whole = sum(weights)
    shares = [(total * w / whole).quantize(places) for w in weights[:-1]]
    return [*shares, CONTEXT.subtract(total, sum(shares, Decimal(0)))]


def _liabilities(world: DemoWorld) -> None:
    """Customer balances owed = reserves / COVER: ETH and USDT in an OKX v2 Merkle-sum tree (with one customer's
    proof), the rest declared in liabilities.csv."""
    owed = {asset: (world.reserves(asset) / cover).quantize(Decimal("0.01")) for asset, cover in COVER.items()}
    eth = _split(owed["ETH"], CUSTOMERS, Decimal("0.00000001"))
    usdt = _split(owed["USDT"], CUSTOMERS, Decimal("0.01"))
    customers = []
    leaves: tuple[tuple[Decimal, Decimal, Decimal], ...]
    for i in range(CUSTOMERS):
        nonce = f"demo-customer-{i:03d}-nonce"
        if i == CHECKED_CUSTOMER:  # OKX splits a balance over several leaves; this customer's takes two
            part_eth = (eth[i] / 3).quantize(Decimal("0.00000001"))
            part_usdt = (usdt[i] / 3).quantize(Decimal("0.01"))
            leaves = ((Decimal(0), part_eth, part_usdt),
                      (Decimal(0), CONTEXT.subtract(eth[i], part_eth), CONTEXT.subtract(usdt[i], part_usdt)))
        else:
            leaves = ((Decimal(0), eth[i], usdt[i]),)
        customers.append(Customer(nonce, leaves))
    root = write_tree(world.tree, customers)
    write_user_proof(world.user_proof, customers[CHECKED_CUSTOMER])
    world.liabilities = {"BTC": root["BTC"], "ETH": root["ETH"], "USDT": root["USDT"]}
    declared = {asset: amount for asset, amount in owed.items() if asset not in world.tree_assets}
    world.liabilities |= declared
    lines = ["asset,amount", *(f"{asset},{dec_str(amount)}" for asset, amount in sorted(declared.items()))]
    (world.data_dir / "liabilities.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_world(data_dir: Path, eth_node: Anvil, arb_node: Anvil, ltc_node: Litecoind) -> DemoWorld:
    """Set the three chains up and write the address file, the liabilities tree, one customer's proof and the
    declared liabilities into `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    world = DemoWorld(data_dir)
    _evm_chain(world, "ETH", eth_node, "ETH", ETH_TOKENS, wallets=6, statement=FIXED_STATEMENT, safe=True)
    _evm_chain(world, "ARBITRUM", arb_node, "ETH-ARBITRUM", ARB_TOKENS, wallets=3, statement=FRESH_STATEMENT,
               safe=False)
    _litecoin(world, ltc_node)
    _write_address_file(world)
    _liabilities(world)
    return world
