# ghpublish: `make synth` (offline main job) and `make test` (the whole suite) set
# themselves up in .venv from requirements-dev.txt: the program's pins (requirements.txt,
# all `pulumi up` needs) and the tools beside it (synth's workflow linters, the tests');
# both need only Python 3.11+ and make.
# make exits 2 whenever a command fails; each tool's own exit code (synth: 0 clean, 1 a lint
# finding, 2 an invalid manifest or OUT, 70 a bug) is that of the command line make prints.
PYTHON ?= python3
# VENV=path uses another virtual environment (one without spaces in its path).
VENV ?= .venv
MANIFEST ?= publishing.yaml
OUT ?= build/synth
SHARD ?=
# `make diff` and `make budget` (below).
BASE ?=
FORMAT ?= text
OUTPUT ?=
EXIT_ZERO ?=
STACK ?=
SEED ?=
# make rehearse: OUT if given, else its own folder (decided before OUT is taken literally).
REHEARSE_OUT := $(if $(filter command line environment,$(origin OUT)),$(value OUT),build/rehearse)
# make import: likewise, else build/import.
IMPORT_OUT := $(if $(filter command line environment,$(origin OUT)),$(value OUT),build/import)
# Every value a user gives is taken as its text: make expands nothing in it ($(shell ...),
# $HOME and $$ reach the tool as typed), neither in a command nor in the environment of one
# (a value from the command line is still exported, as make does, but unexpanded). A new
# variable of a target: its default above, its name here.
LITERAL := PYTHON VENV MANIFEST OUT SHARD BASE FORMAT OUTPUT EXIT_ZERO STACK SEED OWNER
$(foreach v,$(LITERAL),$(if $(filter undefined,$(origin $(v))),,$(eval \
  override $(if $(filter command line,$(origin $(v))),export) $(v) := $$(value $(v)))))
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
# $(call q,VALUE): VALUE as one shell word, whatever it holds (spaces, quotes, $).
q = '$(subst ','\'',$(1))'

.PHONY: synth test lint schema golden preview bench budget clean diff fuzz package-schema \
	policy-preview contract ghsim-spec engine rehearse import lock docs docs-samples help

help: ## this list: every target with a description
	@grep -E '^[a-z][a-z-]*:.*## ' $(firstword $(MAKEFILE_LIST)) | \
	  sed -E 's/^([a-z-]+):.*## (.*)/\1\t\2/' | awk -F '\t' '{printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

synth: $(STAMP) ## the stack under the mock engine: plan.json, files, lint, summary
	$(BIN)/python -m tools.synth --manifest $(call q,$(MANIFEST)) --out $(call q,$(OUT)) \
	  --shard $(call q,$(SHARD)) $(if $(SEED),--seed $(call q,$(SEED)))

# `make diff BASE=<git ref>`: the manifest at BASE vs the working tree (tools/diff.py).
# FORMAT=markdown for a job summary, OUTPUT=file appends to a file, EXIT_ZERO=1 exits 0 on
# changes. The tool exits 0 (no change), 3 (changes) or 2 (invalid); make turns 3 into 2.
diff: $(STAMP) ## what the manifest change at BASE..working tree does: resources, files
	$(BIN)/python -m tools.diff --base $(call q,$(BASE)) --manifest $(call q,$(MANIFEST)) \
	  --format $(call q,$(FORMAT)) $(if $(OUTPUT),--output $(call q,$(OUTPUT))) \
	  $(if $(EXIT_ZERO),--exit-zero) $(if $(SHARD),--shard $(call q,$(SHARD))) \
	  $(if $(SEED),--seed $(call q,$(SEED)))

fuzz: $(STAMP) ## the property tests with many more generated manifests (tests/manifest/test_fuzz.py)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/manifest/test_fuzz.py -q

test: $(STAMP) lint ## the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff over the project's Python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lock: $(STAMP) ## regenerate requirements.lock (requirements.txt with hashes) after changing a pin
	$(BIN)/python -m tools.lock

schema: $(STAMP) ## regenerate schema/publishing.schema.json from the manifest model
	$(BIN)/python -m tools.schema

golden: $(STAMP) ## regenerate tests/golden/ from the example manifest (review the diff!)
	$(BIN)/python -m tools.golden

contract: $(STAMP) ## regenerate schema/provider-contract.json from ../shared's provider schemas
	$(BIN)/python -m tools.provider_contract

package-schema: $(STAMP) ## regenerate schema/package.schema.json (the component package)
	$(BIN)/python -m tools.package_schema

# `make engine`: the Pulumi CLI, the github and docker-build providers and a Python language
# host built from Go modules (engine/, tools/engine.py) into a cache outside the checkout,
# ${GHPUBLISH_ENGINE_CACHE:-~/.cache/ghpublish/engine}/<key>/bin; needs Go. The engine tests
# (pytest -m engine) use it.
engine: $(STAMP) ## build the real Pulumi engine pieces (needs Go; cached outside the checkout)
	$(BIN)/python -m tools.engine build

policy-preview: $(STAMP) ## pulumi preview with the policy pack (needs the Pulumi CLI)
	@command -v pulumi >/dev/null 2>&1 || { echo "make policy-preview needs the Pulumi CLI"; exit 2; }
	pulumi preview --diff --policy-pack policy

preview: $(STAMP) ## pulumi preview --diff of the current stack (needs the Pulumi CLI)
	@command -v pulumi >/dev/null 2>&1 || { \
	  echo "make preview needs the Pulumi CLI: curl -fsSL https://get.pulumi.com | sh"; \
	  echo "(or see https://www.pulumi.com/docs/install/), then: pulumi login --local"; \
	  exit 2; }
	pulumi preview --diff

bench: $(STAMP) ## evaluation time at 10, 100, 1,000 repositories against the SDK floor
	$(BIN)/python -m tools.bench

# `make budget`: the GitHub API requests of a drift check and of a first `pulumi up`, per
# resource type, against the token's hour (ghpublish:apiRequestsPerHour of Pulumi.<STACK>.yaml,
# default 5,000); a sharded manifest is priced shard by shard (SHARD= picks one).
budget: $(STAMP) ## estimated API requests per stack or shard, waves for a large first rollout
	$(BIN)/python -m tools.budget --manifest $(call q,$(MANIFEST)) \
	  $(if $(SHARD),--shard $(call q,$(SHARD))) $(if $(STACK),--stack $(call q,$(STACK)))

# `make ghsim-spec`: GitHub's OpenAPI description (@octokit/openapi, pinned in
# scripts/octokit-openapi/package-lock.json) for the GitHub simulator (tools/ghsim), and the
# extract of the operations it serves (node_modules/.ghsim/); the tests need both.
OPENAPI_STAMP := scripts/octokit-openapi/node_modules/.ghsim-installed
ghsim-spec: $(OPENAPI_STAMP) ## install GitHub's OpenAPI description for the simulator (npm ci)
$(OPENAPI_STAMP): $(STAMP) scripts/octokit-openapi/package-lock.json
	NPM_CONFIG_USERCONFIG=/dev/null npm ci --prefix scripts/octokit-openapi --ignore-scripts \
	  --no-audit --no-fund --loglevel=error
	$(BIN)/python -m tools.ghsim --extract
	touch $@

# `make rehearse MANIFEST=... [SEED=state.json] OUT=dir`: the real `pulumi up` of the
# manifest, a second preview and a refresh against the simulated GitHub (tools/rehearse.py),
# with the Pulumi CLI `make engine` built, else the one on PATH. A second rehearse into the
# same OUT continues its stack and GitHub state.
rehearse: $(OPENAPI_STAMP) ## pulumi up, preview, refresh of MANIFEST against a simulated GitHub
	$(BIN)/python -m tools.rehearse --manifest $(call q,$(MANIFEST)) --out $(call q,$(REHEARSE_OUT)) \
	  $(if $(SEED),--seed $(call q,$(SEED)))

# `make import OWNER=<org> [SEED=state.json] OUT=dir`: OUT/publishing.yaml and
# OUT/github-state.json read from an existing organization (tools/import_org.py) with the
# read-only token in GITHUB_TOKEN at GITHUB_API_URL (default https://api.github.com), or from
# the simulated GitHub seeded with SEED. Exits 75 when the hourly budget runs out: run it
# again after the reset and it continues.
OWNER ?=
import: $(STAMP) $(if $(SEED),$(OPENAPI_STAMP)) ## adopt an existing org: publishing.yaml from what GitHub holds
	$(BIN)/python -m tools.import_org --owner $(call q,$(OWNER)) --out $(call q,$(IMPORT_OUT)) \
	  $(if $(SEED),--seed $(call q,$(SEED)))

# `make docs`: the documentation site (docs/, mkdocs.yml) with MkDocs and its Material theme,
# --strict (a broken link, anchor or snippet fails), into build/docs. `make docs-samples`
# regenerates what the pages show of the tools' output (docs/samples/) and the manifest
# reference (docs/reference/manifest.md); tests/test_docs.py checks both are current.
docs: $(STAMP) ## build the documentation site into build/docs (mkdocs build --strict)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir build/docs

docs-samples: $(STAMP) ## regenerate docs/samples/ and the manifest reference from the tools
	$(BIN)/python -m tools.docs_samples
	$(BIN)/python -m tools.docs_reference

clean: ## remove build/ and the .venv make created (never a VENV= given elsewhere)
	rm -rf build .venv
