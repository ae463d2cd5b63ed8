# Two commands do all the set-up on a fresh machine:
#   make demo   bring the 京津冀 consortium up and show it working
#   make test   run the unit and end-to-end test suites
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test unit setup system-packages tools bench down clean

$(BIN)/ecoledger: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

system-packages:
	bash scripts/system-packages.sh

setup: system-packages $(BIN)/ecoledger

tools: setup
	$(BIN)/ecoledger network install

demo: tools
	bash scripts/demo.sh

test: tools
	$(BIN)/python -m pytest -ra

unit: setup
	$(BIN)/python -m pytest -ra tests/unit

bench: tools
	$(BIN)/python -m benchmarks.network_up
	$(BIN)/python -m benchmarks.gateway_throughput

down: setup
	$(BIN)/ecoledger network down

clean: setup
	$(BIN)/ecoledger network down --purge
