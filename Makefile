# ogi-reports — two commands do everything:
#   make demo   set up, start the demo portal, crawl it, build data/ogi.db, serve it on http://127.0.0.1:8001/
#   make test   set up, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PACKAGES := libreoffice-writer-nogui poppler-utils poppler-data chromium fonts-wqy-microhei redis-server tesseract-ocr tesseract-ocr-chi-sim

.PHONY: setup demo test system-packages clean-data bench

setup: $(STAMP) system-packages

$(STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing the project (pinned in pyproject.toml)"
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' 
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip > $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	@$(BIN)/python -m pip install --quiet -e '.[test]' >> $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	@touch $(STAMP)

# LibreOffice (DOC/WPS conversion), poppler-utils (benchmark baseline), Chromium (browser tests) and
# redis-server (the distributed crawl and its tests) come from apt.
system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then \
	  echo "==> system packages present ($(APT_PACKAGES))"; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  echo "==> installing$$missing with apt-get (LibreOffice reads DOC/WPS reports; chromium runs the browser tests; redis-server the distributed crawl)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null 2>&1 || \
	  { $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; } || \
	  { echo "!! apt-get could not install$$missing: DOC/WPS reports would be recorded as issues (converter_missing) and the browser tests cannot run"; exit 1; }; \
	else \
	  echo "!! apt-get is not available: install$$missing yourself (LibreOffice reads DOC/WPS reports; chromium runs the browser tests)"; \
	fi

demo: setup
	$(BIN)/ogi demo

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/parse_speed.py
	$(BIN)/python benchmarks/ocr_accuracy.py --tesseract

clean-data:
	rm -rf data/archive data/ogi.db data/convert-cache data/parse-cache data/*-sources.yaml
