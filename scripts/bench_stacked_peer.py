#!/usr/bin/env python3
"""PyTorch peer for `gradlab-bench stacked`: float64 nn.RNN/LSTM/GRU(num_layers=L, bidirectional=...)
forward + backward of L = sum of the top layer's outputs (every step), input (T, B, D) ~ N(0, 1).
Prints one JSON line: {"median": s, "min": s, "loss": L}. 1 warm-up, then --reps timed calls.
Usage: bench_stacked_peer.py --cell rnn --layers 4 --hidden 128 --steps 200 --batch 8 --input 32 [--bidirectional]
"""
import argparse, json, os, time
ap = argparse.ArgumentParser()
ap.add_argument("--cell", default="rnn"); ap.add_argument("--layers", type=int, default=2)
ap.add_argument("--hidden", type=int, default=64); ap.add_argument("--steps", type=int, default=100)
ap.add_argument("--batch", type=int, default=1); ap.add_argument("--input", type=int, default=32)
ap.add_argument("--bidirectional", action="store_true"); ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--threads", type=int, default=1)
a = ap.parse_args()
os.environ["OMP_NUM_THREADS"] = str(a.threads)
import torch
torch.set_num_threads(a.threads)
torch.set_default_dtype(torch.float64)
torch.manual_seed(0)
Module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[a.cell]
m = Module(a.input, a.hidden, num_layers=a.layers, bidirectional=a.bidirectional)
x = torch.randn(a.steps, a.batch, a.input)
def once():
    m.zero_grad()
    out, _ = m(x)
    loss = out.sum()
    loss.backward()
    return loss.item()
once()
times = []
for _ in range(a.reps):
    t0 = time.perf_counter(); loss = once(); times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps({"median": times[len(times) // 2], "min": times[0], "loss": loss}))
