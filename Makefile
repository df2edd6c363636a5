# ghpublish: `make synth` (offline main job) and `make test` (the whole suite) set
# themselves up from requirements.txt in .venv; both need only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANIFEST ?= publishing.yaml
OUT ?= build/synth
STAMP := $(VENV)/.requirements-installed

.PHONY: synth test lint schema golden preview clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

synth: $(STAMP) ## the stack under the mock engine: plan.json, files, lint, summary
	$(BIN)/python -m tools.synth --manifest $(MANIFEST) --out $(OUT)

test: $(STAMP) lint ## the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff over the project's Python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

schema: $(STAMP) ## regenerate schema/publishing.schema.json from the manifest model
	$(BIN)/python -m tools.schema

golden: $(STAMP) ## regenerate tests/golden/ from the example manifest (review the diff!)
	$(BIN)/python -m tools.golden

preview: $(STAMP) ## pulumi preview --diff of the current stack (needs the Pulumi CLI)
	@command -v pulumi >/dev/null 2>&1 || { \
	  echo "make preview needs the Pulumi CLI: curl -fsSL https://get.pulumi.com | sh"; \
	  echo "(or see https://www.pulumi.com/docs/install/), then: pulumi login --local"; \
	  exit 2; }
	pulumi preview --diff

clean:
	rm -rf build $(VENV)
