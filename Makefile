# Two commands on a fresh machine: `make run` serves the app, `make test` runs every test.
# Each creates or updates .venv itself; `make test` also installs the Debian packages and the
# npm package the end-to-end tests drive (Chromium, redis-server, oidc-provider).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OP_DIR := tests/e2e/oidc_provider

.PHONY: run test test-fast docs lock upgrade mutation bench bench-serving loadtest system-packages clean

run: $(VENV)/.runtime-installed
	$(BIN)/python -m scripts.run_local

test: $(VENV)/.dev-installed system-packages $(OP_DIR)/node_modules/.installed
	$(BIN)/python -m pytest --cov --cov-report=term

# Everything but the browser, Redis and load suites: for a quick loop while coding.
test-fast: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -m "not e2e"

# The extension's documentation (mkdocs.yml, docs/) into site/, every warning an error (a broken link, a bad
# cross-reference in a docstring); tests/test_docs.py runs the same build in `make test`.
docs: $(VENV)/.dev-installed
	$(BIN)/python -m mkdocs build --strict --site-dir site

# Break each security rule in a copy of the project and check that its tests fail (scripts/mutation.py).
mutation: $(VENV)/.dev-installed
	$(BIN)/python -m scripts.mutation

# Figures for docs/example-app.md (Benchmarks): authenticated requests against a bare Flask app, sign-in CPU against a
# tutorial app; the emulator behind nginx over HTTPS (scripts/https_front.py), as a real pool is.
bench: $(VENV)/.dev-installed
	scripts/system-packages.sh wrk=wrk /usr/sbin/nginx=nginx
	$(BIN)/python -m scripts.bench

# The worker-class comparison behind gunicorn.conf.py's choice: every candidate on the whole workload, the IdP 75 ms away.
bench-serving: $(VENV)/.dev-installed
	scripts/system-packages.sh wrk=wrk /usr/sbin/nginx=nginx
	$(BIN)/python -m scripts.compare_workers

# Two instances sharing Redis: 200 concurrent sign-ins, 10,000 cookieless /login (the store must not grow), then Redis and the IdP killed mid-run.
loadtest: $(VENV)/.dev-installed
	scripts/system-packages.sh redis-server=redis-server
	$(BIN)/python -m scripts.loadtest

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Both installs take the lock as it is: every package pinned, every file checked against its hash.
$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

# The lock, from pyproject.toml's ranges: requirements.txt is the example host as deployed (the
# distribution's dependencies, its redis, aws, metrics, emulator-totp and emulator-passkeys extras, the host group),
# requirements-dev.txt that plus the test and docs tools, at the same versions. `make lock` keeps every pin
# that the ranges still allow; `make upgrade` moves every package to the newest allowed, `make upgrade PACKAGE=flask` one.
LOCK := $(BIN)/uv pip compile pyproject.toml --quiet --system-certs --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" --extra redis --extra aws --extra metrics --extra emulator-totp --extra emulator-passkeys --group host
lock: $(VENV)/.dev-installed
	$(LOCK) $(UPGRADE) -o requirements.txt
	$(LOCK) $(UPGRADE) --extra flask-login --group test --group docs --constraint requirements.txt -o requirements-dev.txt

upgrade: UPGRADE = $(if $(PACKAGE),--upgrade-package $(PACKAGE),--upgrade)
upgrade: lock

system-packages:
	scripts/system-packages.sh /usr/bin/chromium=chromium redis-server=redis-server node=nodejs npm=npm

$(OP_DIR)/node_modules/.installed: $(OP_DIR)/package.json $(OP_DIR)/package-lock.json
	cd $(OP_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) $(OP_DIR)/node_modules .pytest_cache .coverage htmlcov site
