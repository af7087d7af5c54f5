#!/usr/bin/env python3
"""Compares gradlab's per-configuration time estimates (CostModel, printed by `run --dry-run`) with the
measured `cpu_seconds` column of runs.csv (the configuration's thread CPU time, so
other load on the machine does not count), for every mode, on this machine.

    scripts/calibrate_costs.py [--gradlab .build/debug/gradlab] [--work /tmp/gradlab-calibration]

Prints, per configuration, the estimate, the measurement and their ratio; the constants of
Sources/Lab/CostModel.swift (`Rates`) are chosen so that every ratio is within a factor 2
(Tests/LabTests/CostModelTests.swift checks a small subset on every test run).
"""
import argparse, csv, os, re, subprocess, sys

BASE = {
    "gradient-flow": """name: cal-gf
mode: gradient-flow
seed: 1
model: {cell: rnn, activation: tanh, hidden: 8, input: 4}
sequence: {length: 50, input: {kind: gaussian, std: 0.5}, h0: zeros}
loss: {kind: adjoint}
measure: [grad_norm, jacobian_norm]
sweep:
  model.hidden: [8, 32, 96, 192]
  sequence.length: [50, 300]
  model.cell: [rnn, lstm, gru]
""",
    "gradient-flow-extras": """name: cal-gfx
mode: gradient-flow
seed: 1
model: {cell: rnn, activation: tanh, hidden: 8, input: 4}
sequence: {length: 120, input: {kind: gaussian, std: 0.5}, h0: zeros}
loss: {kind: adjoint}
measure: [grad_norm, jacobian_norm, singular_values, lyapunov, contributions]
diagnostics: {lags: all, lyapunov: 4}
sweep:
  model.hidden: [16, 64, 128]
""",
    "lyapunov": """name: cal-ly
mode: lyapunov
seed: 1
model: {cell: rnn, activation: tanh, hidden: 16, input: 1}
sequence: {length: 300, input: {kind: zeros}, h0: gaussian}
diagnostics: {lyapunov: 2, transient: 100}
sweep:
  model.hidden: [16, 64, 256, 512]
  model.cell: [rnn, gru, lstm]
""",
    "lyapunov-all": """name: cal-lya
mode: lyapunov
seed: 1
model: {cell: rnn, activation: tanh, hidden: 16, input: 1}
sequence: {length: 200, input: {kind: gaussian, std: 0.5}, h0: gaussian}
diagnostics: {lyapunov: all, transient: 50}
sweep:
  model.hidden: [16, 64, 128]
""",
    "stacked": """name: cal-st
mode: gradient-flow
seed: 1
model: {cell: rnn, activation: tanh, hidden: 16, input: 4, layers: 2}
sequence: {length: 100, input: {kind: gaussian, std: 0.5}, h0: zeros}
loss: {kind: adjoint}
measure: [grad_norm, jacobian_norm]
sweep:
  model.hidden: [16, 64]
  model.layers: [2, 4]
  model.bidirectional: [false, true]
  model.cell: [rnn, gru, lstm]
""",
    "train": """name: cal-tr
mode: train
seed: 1
model: {cell: rnn, activation: tanh, hidden: 16}
task: {name: adding-arjovsky2016, length: 20}
optimizer: {kind: adam, lr: 0.001}
training: {batch_size: 16, iterations: 100, eval_every: 50}
sweep:
  model.hidden: [8, 48]
  model.cell: [rnn, lstm, gru]
  training.batch_size: [4, 32]
  training.eval_every: [25, 100]
""",
}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gradlab", default=".build/debug/gradlab")
    ap.add_argument("--work", default="/tmp/gradlab-calibration")
    ap.add_argument("--only", default=None)
    a = ap.parse_args()
    gradlab = os.path.abspath(a.gradlab)
    os.makedirs(a.work, exist_ok=True)
    worst = 1.0
    samples = {}
    for name, text in BASE.items():
        if a.only and name != a.only:
            continue
        path = os.path.join(a.work, name + ".yaml")
        out = os.path.join(a.work, name)
        subprocess.run(["rm", "-rf", out])
        open(path, "w").write(text)
        env = dict(os.environ, GRADLAB_COST_FEATURES="1")
        dry = subprocess.run([gradlab, "run", path, "--out", out, "--dry-run"], capture_output=True, text=True, check=True, env=env).stdout
        estimates, features = {}, {}
        for line in dry.splitlines():
            m = re.match(r"\s*(\d+)\s+(.*?)\s+× \d+\s+≈ ([\d.e+-]+) (s|min|h)[^f]*features (\S+) (.*)", line)
            if m:
                estimates[m.group(2)] = float(m.group(3)) * {"s": 1, "min": 60, "h": 3600}[m.group(4)]
                features[m.group(2)] = (m.group(5), [float(x) for x in m.group(6).split()])
        subprocess.run([gradlab, "run", path, "--out", out, "--jobs", "1", "--progress", "none"], capture_output=True, text=True)
        rows = list(csv.DictReader(open(os.path.join(out, "runs.csv"))))
        swept = [k for k in rows[0] if k.startswith(("model.", "sequence.", "training."))]
        for r in rows:
            key = " ".join(f"{k}={r[k]}" for k in swept)
            match = next((k for k in estimates if set(k.split()) == set(key.split())), None)
            est = estimates.get(match)
            got = float(r["cpu_seconds"])
            family, f = features[match]
            samples.setdefault(family, []).append((f, got, name + " " + key))
            ratio = got / est if est else float("nan")
            worst = max(worst, ratio, 1 / ratio if ratio > 0 else 1)
            print(f"{name:22s} {key:70s} est {est:9.4f}  measured {got:9.4f}  ratio {ratio:6.2f}")
    print(f"worst factor {worst:.2f} (current coefficients)")
    fit(samples)

def fit(samples):
    """Non-negative least squares on relative errors: minimises Σ (Σ cᵢ fᵢ / t − 1)²."""
    import numpy as np
    from scipy.optimize import nnls
    for family, rows in samples.items():
        F = np.array([f for f, _, _ in rows])
        t = np.array([s for _, s, _ in rows])
        scale = F.max(axis=0)
        scale[scale == 0] = 1
        A = (F / scale) / t[:, None]
        c, _ = nnls(A, np.ones(len(t)))
        c = c / scale
        ratios = t / (F @ c)
        for (f, got, label), r in zip(rows, ratios):
            if r > 1.6 or r < 0.625:
                print(f"    off: {label}: measured {got:.4f} estimated {got / r:.4f} ratio {r:.2f}")
        print(f"{family}: coefficients [" + ", ".join(f"{x:.3g}" for x in c) + "]"
              + f"  measured/estimated from {ratios.min():.2f} to {ratios.max():.2f}")

if __name__ == "__main__":
    main()
