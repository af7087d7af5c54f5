#!/usr/bin/env python3
"""Peer timing for `gradlab plot bench`: 1,000 random walks × 1,000 points → 1600×1000 PNG with matplotlib (Agg).

Times two ways a user would draw it: one `ax.plot` per line, and a single LineCollection. Best of N.
Optional: needs matplotlib (`pip install matplotlib`); GradLab itself never needs Python.
"""
import sys
import time

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection

repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
rng = np.random.default_rng(1)
x = np.arange(1000.0)
ys = np.cumsum(rng.standard_normal((1000, 1000)), axis=1)
colors = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def per_line(path):
    fig, ax = plt.subplots(figsize=(8, 5), dpi=200)  # 1600 × 1000 px
    for i in range(1000):
        ax.plot(x, ys[i], color=colors[i % 8], alpha=0.3, linewidth=0.6)
    ax.set_title("1,000 random walks × 1,000 steps")
    fig.savefig(path, dpi=200)
    plt.close(fig)


def collection(path):
    fig, ax = plt.subplots(figsize=(8, 5), dpi=200)
    segs = np.stack([np.broadcast_to(x, ys.shape), ys], axis=-1)
    ax.add_collection(LineCollection(segs, colors=[colors[i % 8] for i in range(1000)], alpha=0.3, linewidths=0.6))
    ax.autoscale()
    ax.set_title("1,000 random walks × 1,000 steps")
    fig.savefig(path, dpi=200)
    plt.close(fig)


for name, fn in [("matplotlib ax.plot × 1000", per_line), ("matplotlib LineCollection", collection)]:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn("/tmp/gradlab-plot-bench-mpl.png")
        best = min(best, time.perf_counter() - t)
    print(f"{name}: {best:.3f} s (best of {repeats}, matplotlib {matplotlib.__version__})")
