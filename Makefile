# Set-up and everyday tasks. `make run` and `make test` do all the installing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test quality clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[model,dask,test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/kg build examples/muse_spark.txt -o out

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf out .pytest_cache
