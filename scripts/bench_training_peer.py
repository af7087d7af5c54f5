#!/usr/bin/env python3
"""PyTorch peer of `gradlab-bench train` (float64): N training iterations of a vanilla tanh RNN.

Workload (same inputs as GradLab through the generator of ../shared/bench/peers.py):
  D = 2, hidden H, steps T, batch B, head O = 1. Streams of `peers.gauss(seed, k, shape, scale)`:
  1 W_ih (H, 2)·1/sqrt(2); 2 W_hh (H, H)·1/sqrt(H); 3 b_ih (H,)·0.1; 4 head.weight (1, H)·1/sqrt(H);
  5 X (T, B, 2)·1; 6 targets (B,)·1. b_hh and head.bias start at 0.
  One iteration: y = head(h_T); L = mean_b (y_b - target_b)^2; backward; clip_grad_norm_(1.0);
  Adam(lr=1e-3) step. A timed call runs N iterations from the initial parameters.
Checksums: the loss of the last iteration and the sum of W_hh after N iterations.
CLI as peers.py: run --workload train --impl torch --sizes H,T,B,N [--reps R] [--threads k]
  [--seed s] [--json path] [--no-wait]; one JSON line per size: {impl, size, median, min, checksums}.
"""
import argparse, json, os, statistics, sys, time

p = argparse.ArgumentParser()
sub = p.add_subparsers(dest="cmd", required=True)
r = sub.add_parser("run")
r.add_argument("--workload", default="train", choices=["train"])
r.add_argument("--impl", default="torch", choices=["torch"])
r.add_argument("--sizes", nargs="+", default=["32,50,20,20", "128,50,20,20"])
r.add_argument("--reps", type=int, default=3)
r.add_argument("--threads", type=int, default=1)
r.add_argument("--seed", type=int, default=42)
r.add_argument("--json")
r.add_argument("--no-wait", action="store_true")
args = p.parse_args()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)
import math
import numpy as np
import torch

# peers.py's generator (importing peers.py would run its command line): SplitMix64 outputs
# mix(state + k·γ), k = 1…n; u = (out >> 11)·2^-53; Box–Muller cosine branch; stream k of seed s
# has state s·256 + k. GradLab's `PeerInputs.normals` is the same generator.
_G, _M1, _M2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def gauss(seed, k, shape, scale):
    n = int(np.prod(shape))
    with np.errstate(over="ignore"):
        z = np.uint64((seed << 8) + k) + np.arange(1, 2 * n + 1, dtype=np.uint64) * _G
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return (np.sqrt(-2.0 * np.log(1.0 - u[0::2])) * np.cos(2.0 * np.pi * u[1::2]) * scale).reshape(shape)

torch.set_num_threads(args.threads)
torch.set_default_dtype(torch.float64)


def workload(H, T, B, N, seed):
    t = lambda a: torch.tensor(a)
    init = {
        "weight_ih_l0": t(gauss(seed, 1, (H, 2), 1 / math.sqrt(2))),
        "weight_hh_l0": t(gauss(seed, 2, (H, H), 1 / math.sqrt(H))),
        "bias_ih_l0": t(gauss(seed, 3, (H,), 0.1)),
        "bias_hh_l0": torch.zeros(H),
    }
    head_w, X, y = t(gauss(seed, 4, (1, H), 1 / math.sqrt(H))), t(gauss(seed, 5, (T, B, 2), 1.0)), t(gauss(seed, 6, (B,), 1.0))

    def run():
        rnn = torch.nn.RNN(2, H)  # time-major input (T, B, D)
        head = torch.nn.Linear(H, 1)
        with torch.no_grad():
            for k, v in init.items():
                getattr(rnn, k).copy_(v)
            head.weight.copy_(head_w)
            head.bias.zero_()
        params = list(rnn.parameters()) + list(head.parameters())
        opt = torch.optim.Adam(params, lr=1e-3)
        loss = None
        for _ in range(N):
            opt.zero_grad()
            out, _ = rnn(X)
            loss = ((head(out[-1]).squeeze(1) - y) ** 2).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        return float(loss.detach()), float(rnn.weight_hh_l0.detach().sum())
    return run


lines = []
for size in args.sizes:
    H, T, B, N = (int(v) for v in size.split(","))
    run = workload(H, T, B, N, args.seed)
    run()  # warm-up
    times, checks = [], None
    for _ in range(args.reps):
        t0 = time.perf_counter()
        checks = run()
        times.append(time.perf_counter() - t0)
    rec = {"impl": args.impl, "size": size, "median": statistics.median(times), "min": min(times),
           "checksums": {"loss": checks[0], "whh_sum": checks[1]}}
    print(json.dumps(rec))
    lines.append(json.dumps(rec))
if args.json:
    with open(args.json, "w") as f:
        f.write("\n".join(lines) + "\n")
