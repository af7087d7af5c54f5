# GradLab: the two commands a newcomer needs are `make demo` and `make test`.
# Both install missing system packages first (scripts/ensure-deps.sh).
SWIFT ?= swift
BIN := .build/release/gradlab

.PHONY: deps build release demo gallery test fuzz fuzz-long bench clean

deps:
	@bash scripts/ensure-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## Runs the main job: the release build, then the quick-start experiment (runs/quickstart/, charts in plots/),
## then its one-page HTML report (prints its path).
demo: release
	$(BIN) run experiments/quickstart.yaml --out runs/quickstart
	$(BIN) report runs/quickstart -o runs/quickstart/report.html

## The gallery of classic results (docs/gallery.md): the release build, every experiments/classic/*.yaml
## into runs/classic/<name> (--jobs = cores; an interrupted gallery continues where it stopped), their
## charts into plots/classic/<name>/ (PNG + SVG), then docs/gallery.md assembled from docs/gallery/*.md
## with the tables printed by `gradlab table` from the run store (scripts/make-gallery.sh).
gallery: release
	bash scripts/make-gallery.sh

## Runs the whole test suite; the last line is Swift Testing's summary.
test: deps
	$(SWIFT) test

## The fuzz suite (docs/fuzzing.md): mutated experiment and tensor files through gradlab under a 1 GiB
## address-space limit and a 5 s timeout; 2,000 cases per format within FUZZ_SECONDS. gradlab is the
## debug build of `make test` (FUZZ_CONFIG=release for the faster binary); the runner, which generates
## the cases, is always built in release (a minute: it needs only Foundation). Failing cases are written
## to runs/fuzz-failures/ with a one-line reproduction. FUZZ_FLAGS adds runner flags (--seed, --cases, …).
FUZZ_SECONDS ?= 360
FUZZ_CONFIG ?= debug
FUZZ_FLAGS ?=
fuzz: deps
	$(SWIFT) build -c $(FUZZ_CONFIG) --product gradlab
	$(SWIFT) build -c release --product _gradlab-fuzz
	.build/release/_gradlab-fuzz --gradlab .build/$(FUZZ_CONFIG)/gradlab --seconds $(FUZZ_SECONDS) $(FUZZ_FLAGS)

## The longer budget: 10,000 experiment files and 2,500 files of each tensor format (30 minutes at most).
fuzz-long:
	$(MAKE) fuzz FUZZ_SECONDS=1800 FUZZ_FLAGS="--long $(FUZZ_FLAGS)"

clean:
	rm -rf .build
