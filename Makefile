# Two commands for a fresh machine (README): `make run` and `make test`.
# Each creates what it needs: the virtual environment, and for the tests Debian's chromium.
VENV := .venv
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
MONTH ?= 2026-12

.PHONY: run lint test

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

# The main job end to end on the embedded default; a small sample landing folder is generated
# under var/out when LANDING is not given.
run: $(STAMP)
	$(VENV)/bin/boligstoette run --out var/out --month $(MONTH) $(if $(LANDING),--landing $(LANDING))

/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "install Debian's chromium (sudo apt-get install chromium) for the UI test"; exit 1; fi

# The lint gate first (rules and why in pyproject.toml [tool.ruff]): a finding fails the tests.
lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: lint /usr/bin/chromium
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)
