# Everything a fresh machine needs, from the project's own files.
VENV ?= .venv
PY := $(VENV)/bin/python
ANVIL := node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil

.PHONY: install test demo lint bench

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Python packages, the npm-installed anvil, Debian's litecoind, ElectrumX on top of it.
install: $(PY)
	$(PY) -m pip install --quiet -e '.[test,electrum]'
	npm install --no-audit --no-fund --silent
	@command -v litecoind >/dev/null 2>&1 || (apt-get install -y -qq litecoind >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq litecoind))

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

demo: install
	$(VENV)/bin/auditor demo

lint: $(PY)
	$(VENV)/bin/ruff check .

bench: install
	$(PY) benchmarks/run.py
