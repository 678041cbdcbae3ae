"""Sets up a local EVM chain for the demo and the tests: the canonical Multicall3 from its pre-signed
deployment, real ERC-20 contracts (DemoToken.sol), funded accounts, and real transfers.

Deploying contracts and sending transactions is what web3.py is for (ABI-encoded constructors and calls, gas,
fees, receipts), so the setup uses it; the audit's own reads never do (chains/evm reads balances in Multicall3
batches, and tests use web3.py as an independent oracle of those reads). Only anvil's own methods (mining,
impersonation) go through `Anvil.rpc`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_typing import ABI, ChecksumAddress, HexStr
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.types import TxParams, TxReceipt, Wei

from auditor.demo.anvil import Anvil
from chains.evm.adapter import MULTICALL3

HERE = Path(__file__).resolve().parent
CONTRACTS = HERE / "contracts"
MULTICALL3_DEPLOYER = "0x05f32b3cc3888453ff71b01135b34ff8e41263f2"
TOKEN_BYTECODE = (CONTRACTS / "DemoToken.bin").read_text().strip()
SAFE_BYTECODE = (CONTRACTS / "DemoSafe.bin").read_text().strip()
TOKEN_ABI: ABI = json.loads((CONTRACTS / "DemoToken.abi.json").read_text())
SAFE_ABI: ABI = json.loads((CONTRACTS / "DemoSafe.abi.json").read_text())
RECEIPT_SECONDS = 10  # anvil mines at once; bounded wait anyway


def checksummed(address: str) -> ChecksumAddress:
    return Web3.to_checksum_address(address)


class DemoChain:
    def __init__(self, node: Anvil) -> None:
        self.node = node
        self.web3 = Web3(HTTPProvider(node.url, request_kwargs={"timeout": 30}))
        self.funder = self.web3.eth.accounts[0]

    def token(self, address: str) -> Contract:
        return self.web3.eth.contract(address=checksummed(address), abi=TOKEN_ABI)

    def safe(self, address: str) -> Contract:
        return self.web3.eth.contract(address=checksummed(address), abi=SAFE_ABI)

    def _mined(self, tx_hash: HexBytes) -> TxReceipt:
        receipt = self.web3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_SECONDS, poll_latency=0.01)
        if receipt["status"] != 1:
            raise RuntimeError(f"transaction {tx_hash.to_0x_hex()} reverted")
        return receipt

    def _deployed(self, tx_hash: HexBytes) -> str:
        """The new contract's address as anvil reports it (lower case, as the demo file and configs use it)."""
        return str(self._mined(tx_hash)["contractAddress"]).lower()

    def deploy_multicall3(self) -> str:
        """Replays the public pre-signed Multicall3 deployment (needs 0.1 ETH at the deployer)."""
        if self.web3.eth.get_code(checksummed(MULTICALL3)):
            return MULTICALL3
        self.send_eth(MULTICALL3_DEPLOYER, 10**17)
        raw = (HERE / "multicall3_presigned.hex").read_text().strip()
        if self._deployed(self.web3.eth.send_raw_transaction(HexStr(raw))) != MULTICALL3:
            raise RuntimeError("Multicall3 did not land at its canonical address")
        return MULTICALL3

    def deploy_token(self, name: str, symbol: str, decimals: int) -> str:
        factory = self.web3.eth.contract(abi=TOKEN_ABI, bytecode=TOKEN_BYTECODE)
        return self._deployed(factory.constructor(name, symbol, decimals).transact(self._from(self.funder, 3_000_000)))

    def deploy_safe(self, owners: list[str], threshold: int) -> str:
        """A contract wallet answering Safe's getOwners()/getThreshold()."""
        factory = self.web3.eth.contract(abi=SAFE_ABI, bytecode=SAFE_BYTECODE)
        transaction = factory.constructor([checksummed(o) for o in owners], threshold)
        return self._deployed(transaction.transact(self._from(self.funder, 3_000_000)))

    def send_eth(self, to: str, wei: int, sender: str | None = None) -> None:
        self._mined(self.web3.eth.send_transaction(
            {"from": checksummed(sender or self.funder), "to": checksummed(to), "value": Wei(wei)}))

    def mint(self, token: str, to: str, amount: int) -> None:
        call = self.token(token).functions.mint(checksummed(to), amount)
        self._mined(call.transact(self._from(self.funder, 200_000)))

    def transfer_token(self, token: str, sender: str, to: str, amount: int) -> None:
        """A real transfer signed as `sender` (impersonated: anvil lets us act for any account)."""
        with self._impersonating(sender):
            call = self.token(token).functions.transfer(checksummed(to), amount)
            self._mined(call.transact(self._from(sender, 200_000)))

    def transfer_eth(self, sender: str, to: str, wei: int) -> None:
        with self._impersonating(sender):
            self._mined(self.web3.eth.send_transaction(
                {"from": checksummed(sender), "to": checksummed(to), "value": Wei(wei), "gas": 21_000}))

    def mine(self, blocks: int = 1) -> int:
        self.node.rpc("anvil_mine", [hex(blocks)])
        return self.block_number()

    def block_number(self) -> int:
        return self.web3.eth.block_number

    @staticmethod
    def _from(sender: str, gas: int) -> TxParams:
        return {"from": checksummed(sender), "gas": gas}

    def _impersonating(self, account: str) -> _Impersonation:
        return _Impersonation(self.node, account)


class _Impersonation:
    """anvil_impersonateAccount for the duration of a `with` block."""

    def __init__(self, node: Anvil, account: str) -> None:
        self._node, self._account = node, account

    def __enter__(self) -> None:
        self._node.rpc("anvil_impersonateAccount", [self._account])

    def __exit__(self, *exc_info: Any) -> None:
        self._node.rpc("anvil_stopImpersonatingAccount", [self._account])
