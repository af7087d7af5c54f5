#!/usr/bin/env bash
# Browser check of `gradlab report` (docs/report.md), run by .ci/run after `make test`.
#
# Writes the report of a small gradient-flow sweep and of a two-run comparison, then loads each page in
# headless Chromium from file:// and checks:
#   --dump-dom    the page's script ran (data-script="ran", sort buttons in every header) and the runs
#                 tables hold one row per stored run (counted from each run's runs.csv);
#   --screenshot  the picture is not blank (scripts/png_variance.py: luminance std above a threshold).
# Installs Debian's chromium when missing; where it cannot be installed this FAILS (exit 1), it never
# passes silently. Screenshots stay in $OUT (default .build/report-check) for a person to look at.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-.build/report-check}
GRADLAB=${GRADLAB:-.build/debug/gradlab}
MIN_STD=${MIN_STD:-8}

fail() { echo "error: check-report-browser: $*" >&2; exit 1; }

browser=""
for name in chromium chromium-browser google-chrome; do
  if command -v "$name" >/dev/null 2>&1; then browser=$(command -v "$name"); break; fi
done
if [ -z "$browser" ]; then
  echo "check-report-browser: chromium is missing; installing Debian's chromium"
  if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq || true
    $SUDO apt-get install -y -qq chromium >/dev/null || true
  fi
  browser=$(command -v chromium || true)
  [ -n "$browser" ] || fail "headless Chromium could not be installed (apt-get install chromium failed), so the report was not checked in a browser"
fi
echo "check-report-browser: browser $("$browser" --version 2>/dev/null || echo "$browser")"

[ -x "$GRADLAB" ] || swift build --product gradlab
rm -rf "$OUT" && mkdir -p "$OUT"

# Two small runs of the quick start (shorter sequences, two replicates) that differ in the cell's
# initial spectrum (orthogonal vs Gaussian W_hh): one report each, and their comparison.
"$GRADLAB" run experiments/quickstart.yaml --out "$OUT/orthogonal" --progress none \
  --set sequence.length=40 --set replicates=2 >/dev/null
"$GRADLAB" run experiments/quickstart.yaml --out "$OUT/gaussian" --progress none \
  --set sequence.length=40 --set replicates=2 --set init.weight_hh.kind=gaussian >/dev/null
"$GRADLAB" report "$OUT/orthogonal" >/dev/null
"$GRADLAB" report "$OUT/gaussian" >/dev/null
"$GRADLAB" report "$OUT/orthogonal" "$OUT/gaussian" -o "$OUT/comparison.html" >/dev/null

chrome() {
  # A fresh profile per call; --no-sandbox because CI runs as root.
  local profile; profile=$(mktemp -d)
  timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --user-data-dir="$profile" --no-first-run --virtual-time-budget=5000 "$@" 2>/dev/null
  local rc=$?
  rm -rf "$profile"
  return $rc
}

check_page() { # page, expected rows of each runs table (space-separated)
  local page=$1; shift
  local url="file://$(realpath "$page")"
  local dom="${page%.html}.dom.html" png="${page%.html}.png"
  chrome --dump-dom "$url" > "$dom" || fail "$page: chromium --dump-dom failed"
  grep -q 'data-script="ran"' "$dom" || fail "$page: the page's script did not run"
  grep -q '<button type="button" class="sort">' "$dom" || fail "$page: no sortable headers after the script ran"
  grep -qE '<output class="shown">[0-9]+ of [0-9]+ runs shown</output>' "$dom" || fail "$page: the filters did not come up"
  local i=1
  for expected in "$@"; do
    local rows
    rows=$(python3 - "$dom" "runs$i" <<'PY'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<table id="%s".*?<tbody>(.*?)</tbody>' % re.escape(sys.argv[2]), html, re.S)
print(len(re.findall(r"<tr[ >]", m.group(1))) if m else -1)
PY
)
    [ "$rows" = "$expected" ] || fail "$page: table runs$i has $rows rows after scripts ran, expected $expected"
    i=$((i + 1))
  done
  chrome --screenshot="$png" --window-size=1280,2000 "$url" >/dev/null || fail "$page: chromium --screenshot failed"
  [ -s "$png" ] || fail "$page: no screenshot written"
  python3 scripts/png_variance.py "$png" "$MIN_STD" || fail "$page: the screenshot looks blank"
  echo "check-report-browser: $page ok (rows $*; screenshot $png)"
}

rows() { echo $(( $(wc -l < "$1/runs.csv") - 1 )); }
check_page "$OUT/orthogonal/report.html" "$(rows "$OUT/orthogonal")"
check_page "$OUT/gaussian/report.html" "$(rows "$OUT/gaussian")"
check_page "$OUT/comparison.html" "$(rows "$OUT/orthogonal")" "$(rows "$OUT/gaussian")"
grep -qiE 'https?:' "$OUT/orthogonal/report.html" "$OUT/comparison.html" && fail "a report references http(s)"
echo "check-report-browser: 3 pages checked in headless Chromium"
echo "check-report-browser: 3 passed, 0 failed"
