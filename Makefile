# GradLab: the two commands a newcomer needs are `make demo` and `make test`.
# Both install missing system packages first (scripts/ensure-deps.sh).
SWIFT ?= swift
BIN := .build/release/gradlab

.PHONY: deps build release demo test bench clean

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

## Runs the whole test suite; the last line is Swift Testing's summary.
test: deps
	$(SWIFT) test

clean:
	rm -rf .build
