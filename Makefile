# Two commands do everything:  `make book` builds the HTML book, `make test` runs the tests.
# Each one creates .venv with the pinned dependencies (requirements.lock) on first use.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PROFILE ?= book
PYTEST_ARGS ?=

.PHONY: book test smoke-book check-book lab bench clean venv backends

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.lock
	$(PY) -m pip install --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (genomenb)"
	touch $@

book: venv
	$(PY) -m genomenb.cli book --profile $(PROFILE)

smoke-book: venv
	$(PY) -m genomenb.cli book --profile smoke

# The built book (_build/html) in headless Chromium, offline (needs Debian's chromium and chromium-driver).
check-book: venv
	$(PY) -m genomenb.bookcheck _build/html --screenshots _build/screenshots

test: venv
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo 'no tests collected'; exit 0; fi; exit $$rc

# Optional JAX and PyTorch backends (CPU builds); the backend tests skip without them.
backends: venv
	$(PY) -m pip install -r requirements-backends.txt

lab: venv
	@echo "JupyterLab on notebooks/ with the 'Python 3 (genomenb)' kernel: open the URL printed below"
	@echo "(http://localhost:8888/lab?token=...), then start with 00_data_tour.ipynb. Notebooks run there write to"
	@echo "results/<notebook>/book/, the folder 'make book' uses, so they reuse its checkpoints."
	$(VENV)/bin/jupyter lab notebooks/

# The benchmarks compare with plain PyTorch, hence the backends.
bench: backends
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done
	$(PY) benchmarks/summary.py

clean:
	rm -rf _build results
