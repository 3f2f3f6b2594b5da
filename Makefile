# The two commands: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test services lint bench quality clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/triage demo

test: services $(STAMP)
	$(BIN)/python -m pytest -q

# The IMAP tests run a private dovecot (tests/servers), the PostgreSQL tests a private
# server from initdb, the HTML report test a headless Chromium: install them when missing and
# root (Debian packages dovecot-imapd, postgresql, chromium). Debian keeps initdb off the PATH,
# in /usr/lib/postgresql/<version>/bin; the tests use the newest there.
services:
	@export PATH="$$PATH:/usr/sbin:/usr/local/sbin"; \
	missing=""; \
	command -v dovecot >/dev/null || missing="$$missing dovecot-imapd"; \
	{ command -v initdb || ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 \
		|| missing="$$missing postgresql"; \
	command -v chromium >/dev/null || missing="$$missing chromium fonts-dejavu-core"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing$$missing for the server and report tests (apt-get)"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "missing$$missing and this is not root with apt-get: those tests will be skipped"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check bot adapters app tests bench tools
	$(BIN)/ruff format --check bot adapters app tests bench tools
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/classify_throughput.py

# Agreement on the held-back labelled parts, by totals only (tools/heldout_totals.py).
quality: $(STAMP)
	$(BIN)/python tools/heldout_totals.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
