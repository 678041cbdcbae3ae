// SPDX-License-Identifier: MIT
// A contract wallet exposing the two views a Safe (Gnosis Safe) exposes for its signers, getOwners() and
// getThreshold(), so the demo and the tests can bind an owner-mode row (eoa1/eoa2) to its contract on chain.
pragma solidity 0.8.26;

contract DemoSafe {
    address[] private owners;
    uint256 private threshold;

    constructor(address[] memory owners_, uint256 threshold_) {
        require(threshold_ > 0 && threshold_ <= owners_.length, "threshold");
        owners = owners_;
        threshold = threshold_;
    }

    receive() external payable {}

    function getOwners() external view returns (address[] memory) {
        return owners;
    }

    function getThreshold() external view returns (uint256) {
        return threshold;
    }
}
