# Calanque — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench bench-quick install chromium messages clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "Calanque demande Python 3.11 ou plus récent ($(PYTHON) est trop ancien)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/.installed

## Runs the whole product (web, SMTP, worker) on the embedded defaults with the demo académie.
demo: $(BIN)/.installed
	$(BIN)/calanque demo

## Installs what the tests need and runs the suite on SQLite, then PostgreSQL + Redis.
test: $(BIN)/.installed chromium
	./scripts/run-tests

chromium:
	@./scripts/ensure-chromium

$(BIN)/.bench-installed: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@touch $@

bench: $(BIN)/.bench-installed
	$(BIN)/python -m bench

bench-quick: $(BIN)/.bench-installed
	$(BIN)/python -m bench --quick

## Refreshes the English catalogue after changing user-facing strings.
messages: $(BIN)/.installed
	cd calanque && ../$(BIN)/calanque makemessages -l en --no-obsolete --add-location file && ../$(BIN)/calanque compilemessages -l en

clean:
	rm -rf $(VENV) var build *.egg-info
