# The two commands a new user needs:
#   make demo   set up .venv and run the main job
#   make test   set up .venv with the test tools and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench reproduce clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[demo]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# The main job: the book's best chapter-4 network on MNIST (the data ships in data/).
demo: $(VENV)/.installed-demo
	CHAINRULE_DATA=$(CURDIR)/data $(BIN)/chainrule train mnist-book

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

# Speed: ms/step against PyTorch and hand-written NumPy, the engine micro-benchmarks, time to 98 % on MNIST.
bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/micro.py
	$(BIN)/python benchmarks/time_to_accuracy.py

# Every chapter's experiments beside the book's numbers (long: tens of minutes).
reproduce: $(VENV)/.installed-test
	CHAINRULE_DATA=$(CURDIR)/data $(BIN)/chainrule reproduce all

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
