# Everything a fresh machine needs, from the project's own files.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install install-python install-node install-litecoind install-chromium test demo lint bench

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

install: install-python install-node install-litecoind install-chromium

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

demo: install-python install-node install-litecoind
	$(VENV)/bin/auditor demo

lint: $(PY)
	$(VENV)/bin/ruff check .

bench: install
	$(PY) benchmarks/run.py
