# The workspace's commands. `make demo` and `make test` are the README's contract on a fresh Debian machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements.lock
# Debian packages the lab, the probes, the PostgreSQL and browser tests and the benchmarks need (installed when
# missing, as root).
DEB_PACKAGES := frr openssh-server snmpd snmp iproute2 iputils-ping postgresql fping chromium chromium-driver fonts-noto-cjk \
	libreoffice-calc libreoffice-writer poppler-utils libpango-1.0-0 libpangoft2-1.0-0 time sqlite3

.PHONY: venv system-packages test lint demo bench lock clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

system-packages:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  fi; \
	else echo "not root or no apt-get: skipping Debian packages ($(DEB_PACKAGES))"; fi

lint: venv
	$(BIN)/ruff check scripts tests playbooks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q --collect-only tests/bench >/dev/null

test: venv system-packages lint
	$(BIN)/pytest

demo: venv system-packages
	$(BIN)/extranet inventory check
	$(BIN)/extranet inventory show
	$(BIN)/ansible-inventory --graph
	$(BIN)/extranet plan
	$(BIN)/extranet plan show --site qiaotou
	$(BIN)/extranet plan export --format csv | head -12
	@if [ "$$(id -u)" = 0 ]; then \
	  $(BIN)/extranet lab up && $(BIN)/extranet lab status && $(BIN)/extranet lab show \
	  && { $(BIN)/extranet probe --lab --site qiaotou; echo "(before the rollout: IPv4 only, exit $$?)"; } \
	  && $(BIN)/extranet push dual-stack --lab --dry-run --limit yl-bs-acc-01; \
	  $(BIN)/extranet push dual-stack --lab --waves 1,10%,100% --ticket DEMO-1 \
	  && $(BIN)/extranet push dual-stack --lab --ticket DEMO-2 \
	  && $(BIN)/extranet run backup.yml --lab --ticket DEMO-3 \
	  && $(BIN)/extranet run integrate_private_network.yml --lab --item network:nyj-nongye --ticket DEMO-4 \
	  && $(BIN)/extranet lab fault legacy-cut nyj-nongye \
	  && $(BIN)/extranet run withdraw_exit.yml --lab --item exit:jyj --ticket DEMO-5 \
	  && $(BIN)/extranet lab fault system-stop czj-gkk-query \
	  && { $(BIN)/extranet probe --lab; echo "(after the rollout: exit $$?: two departments are not connected" \
	       "yet, the park network is not in the lab)"; } \
	  && $(BIN)/extranet report connections --format md --lang zh | head -40 \
	  && { $(BIN)/extranet track advance --all --runs 1 | grep -v ' stays '; } \
	  && $(BIN)/extranet track show exit:jyj \
	  && { $(BIN)/extranet compliance --lab; echo "(compliance with intent: exit $$?)"; } \
	  && mkdir -p var/reports && keys=$$(mktemp -d) && $(BIN)/extranet audit keygen -o $$keys/audit.key \
	  && $(BIN)/extranet audit checkpoint --key $$keys/audit.key -o var/reports/audit-checkpoint.txt \
	  && for f in xlsx docx pdf; do $(BIN)/extranet report progress --month $$(date -u -d '+8 hours' +%Y-%m) --format $$f \
	       -o var/reports/progress.$$f || exit 1; done \
	  && $(BIN)/extranet report progress --month $$(date -u -d '+8 hours' +%Y-%m) | head -30 \
	  && $(BIN)/extranet census export --format xlsx -o var/reports/census.xlsx \
	  && $(BIN)/extranet report connections --format html --output var/reports/connections.html \
	  && git -C var/history log --stat -3 -- '*.cfg' \
	  && rollout=$$($(BIN)/python -c "from extranet.store import open_store; print(open_store(create=False).runs('push dual-stack')[0].id)") \
	  && $(BIN)/extranet evidence $$rollout -o var/reports/evidence-run$$rollout.zip --key $$keys/audit.key \
	  && $(BIN)/extranet evidence verify var/reports/evidence-run$$rollout.zip --verifier $$keys/audit.key.pub \
	  && $(BIN)/extranet audit verify --checkpoint var/reports/audit-checkpoint.txt --verifier $$keys/audit.key.pub; rc=$$?; \
	  rm -rf "$$keys"; $(BIN)/extranet lab down; exit $$rc; \
	else echo "lab: skipped (it needs root for network namespaces)"; fi

bench: venv system-packages
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-build-isolation -e '.[bench]'
	$(BIN)/python -m pytest tests/bench -q -s -p no:cacheprovider

# Re-pin every dependency after editing pyproject.toml (review the diff of requirements.lock).
lock:
	rm -rf /tmp/extranet-lock && $(PYTHON) -m venv /tmp/extranet-lock
	/tmp/extranet-lock/bin/pip install --quiet --disable-pip-version-check '.[test]'
	/tmp/extranet-lock/bin/pip install --quiet --disable-pip-version-check --upgrade setuptools
	/tmp/extranet-lock/bin/pip freeze --all --exclude egov-extranet --exclude pip | sort -f > $(LOCK)
	rm -rf /tmp/extranet-lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
