"""Sets up a local EVM chain for the demo and the tests: the canonical Multicall3 from its pre-signed
deployment, real ERC-20 contracts (DemoToken.sol), funded accounts, and real transfers."""

from __future__ import annotations

import time
from pathlib import Path

from eth_abi import encode as abi_encode

from auditor.demo.anvil import Anvil
from chains.evm.adapter import MULTICALL3

HERE = Path(__file__).resolve().parent
MULTICALL3_DEPLOYER = "0x05f32b3cc3888453ff71b01135b34ff8e41263f2"
TOKEN_BYTECODE = (HERE / "contracts" / "DemoToken.bin").read_text().strip()
SAFE_BYTECODE = (HERE / "contracts" / "DemoSafe.bin").read_text().strip()
MINT = bytes.fromhex("40c10f19")  # mint(address,uint256)
TRANSFER = bytes.fromhex("a9059cbb")  # transfer(address,uint256)


class DemoChain:
    def __init__(self, node: Anvil) -> None:
        self.node = node
        self.funder = node.rpc("eth_accounts")[0]

    def _send(self, tx: dict) -> dict:
        return self._receipt(self.node.rpc("eth_sendTransaction", [tx]))

    def _receipt(self, tx_hash: str) -> dict:
        for _ in range(500):  # anvil mines at once; bounded wait anyway
            receipt = self.node.rpc("eth_getTransactionReceipt", [tx_hash])
            if receipt:
                if receipt.get("status") != "0x1":
                    raise RuntimeError(f"transaction {tx_hash} reverted")
                return receipt
            time.sleep(0.01)
        raise TimeoutError(f"transaction {tx_hash} not mined")

    def deploy_multicall3(self) -> str:
        """Replays the public pre-signed Multicall3 deployment (needs 0.1 ETH at the deployer)."""
        if self.node.rpc("eth_getCode", [MULTICALL3, "latest"]) not in ("0x", "0x0"):
            return MULTICALL3
        self.send_eth(MULTICALL3_DEPLOYER, 10**17)
        raw = (HERE / "multicall3_presigned.hex").read_text().strip()
        receipt = self._receipt(self.node.rpc("eth_sendRawTransaction", [raw]))
        if receipt["contractAddress"].lower() != MULTICALL3:
            raise RuntimeError("Multicall3 did not land at its canonical address")
        return MULTICALL3

    def deploy_token(self, name: str, symbol: str, decimals: int) -> str:
        data = TOKEN_BYTECODE + abi_encode(["string", "string", "uint8"], [name, symbol, decimals]).hex()
        receipt = self._send({"from": self.funder, "data": "0x" + data, "gas": hex(3_000_000)})
        return receipt["contractAddress"]

    def deploy_safe(self, owners: list[str], threshold: int) -> str:
        """A contract wallet answering Safe's getOwners()/getThreshold()."""
        data = SAFE_BYTECODE + abi_encode(["address[]", "uint256"], [owners, threshold]).hex()
        receipt = self._send({"from": self.funder, "data": "0x" + data, "gas": hex(3_000_000)})
        return receipt["contractAddress"]

    def send_eth(self, to: str, wei: int, sender: str | None = None) -> None:
        self._send({"from": sender or self.funder, "to": to, "value": hex(wei)})

    def mint(self, token: str, to: str, amount: int) -> None:
        data = MINT + abi_encode(["address", "uint256"], [to, amount])
        self._send({"from": self.funder, "to": token, "data": "0x" + data.hex(), "gas": hex(200_000)})

    def transfer_token(self, token: str, sender: str, to: str, amount: int) -> None:
        """A real transfer signed as `sender` (impersonated: anvil lets us act for any account)."""
        self.node.rpc("anvil_impersonateAccount", [sender])
        try:
            data = TRANSFER + abi_encode(["address", "uint256"], [to, amount])
            self._send({"from": sender, "to": token, "data": "0x" + data.hex(), "gas": hex(200_000)})
        finally:
            self.node.rpc("anvil_stopImpersonatingAccount", [sender])

    def transfer_eth(self, sender: str, to: str, wei: int) -> None:
        self.node.rpc("anvil_impersonateAccount", [sender])
        try:
            self._send({"from": sender, "to": to, "value": hex(wei), "gas": hex(21_000)})
        finally:
            self.node.rpc("anvil_stopImpersonatingAccount", [sender])

    def mine(self, blocks: int = 1) -> int:
        self.node.rpc("anvil_mine", [hex(blocks)])
        return self.block_number()

    def block_number(self) -> int:
        return int(self.node.rpc("eth_blockNumber"), 16)
