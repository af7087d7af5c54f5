#!/usr/bin/env bash
# Regenerates plots/depth-vs-time/ (the README's depth × time charts) from a real run of
# experiments/depth-vs-time.yaml: runs it into a scratch directory and copies its charts under the
# names the README uses. Usage: scripts/render-depth-vs-time.sh [path/to/gradlab]  (about 1 min on 2 cores)
set -euo pipefail
GRADLAB=${1:-.build/debug/gradlab}
RUN=$(mktemp -d)/depth-vs-time
"$GRADLAB" run experiments/depth-vs-time.yaml --out "$RUN" --jobs 2 > /dev/null
mkdir -p plots/depth-vs-time
cp "$RUN/plots/1-depth-time-heatmap-gaussian_norm_1.png" plots/depth-vs-time/heatmap-gaussian-norm-1.png
cp "$RUN/plots/1-depth-time-heatmap-gaussian_gain_1.png" plots/depth-vs-time/heatmap-gaussian-gain-1.png
cp "$RUN/plots/1-depth-time-heatmap-orthogonal.png" plots/depth-vs-time/heatmap-orthogonal.png
cp "$RUN/plots/2-norm-vs-lag.png" plots/depth-vs-time/norm-vs-lag.png
cp "$RUN/plots/3-depth-profile.png" plots/depth-vs-time/depth-profile.png
echo "plots/depth-vs-time/ regenerated from $RUN"
