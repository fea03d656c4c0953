# The two commands a new user needs:
#   make demo   set up .venv and run the main job
#   make test   set up .venv with the test tools and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench reproduce clean

PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

$(BIN)/python:
	@echo "Creating the virtual environment $(VENV) ..."
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	@echo "Installing chainrule into $(VENV) with what the README's commands need (NumPy, tqdm, matplotlib): a minute or two, once ..."
	$(PIP) install -e ".[demo]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	@echo "Installing chainrule into $(VENV) with the test tools (pytest, hypothesis): a minute or two, once ..."
	$(PIP) install -e ".[test]"
	touch $@

# The main job: the book's best chapter-4 network on MNIST (the data ships in data/).
demo: $(VENV)/.installed-demo
	CHAINRULE_DATA=$(CURDIR)/data $(BIN)/chainrule train mnist-book
	@echo "To type chainrule COMMAND yourself (see README.md): . $(VENV)/bin/activate   (or run $(VENV)/bin/chainrule)"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

# Speed: ms/step against PyTorch and hand-written NumPy, the compiled kernels against NumPy, the engine
# micro-benchmarks, time to 98 % on MNIST.
bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/kernels.py
	$(BIN)/python benchmarks/micro.py
	$(BIN)/python benchmarks/time_to_accuracy.py

# Every chapter's experiments beside the book's numbers (long: tens of minutes).
reproduce: $(VENV)/.installed-test
	CHAINRULE_DATA=$(CURDIR)/data $(BIN)/chainrule reproduce all

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
