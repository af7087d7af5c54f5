#!/usr/bin/env python3
"""Sweep scaling: wall time of `gradlab run --jobs 1` against `--jobs 2` (issue 21, item 5).

Runs a diagnostics sweep (experiments/vanishing-vs-radius.yaml as it is) and a
training sweep (experiments/clipping-comparison.yaml, 3000 iterations, 4 replicates), each long
enough (tens of seconds per job count) that process start and store creation do not decide the
ratio, with one and with two jobs, interleaved (1, 2, 1, 2, ...), ROUNDS times each, every run into a fresh directory, and prints the median wall
times and the speedup t(1 job) / t(2 jobs). Each job uses one BLAS thread (gradlab's default,
--blas-threads 1). Prints the load average before and after: on a loaded machine the speedup is
bounded by the cores the other processes leave free, so measure on an idle machine.

Usage: scripts/bench_sweep_scaling.py [--gradlab .build/release/gradlab] [--rounds 2] [--markdown]
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

SWEEPS = {
    # The whole file: 6 spectral radii x 3 activations x (zip) 2 sizes x 5 replicates = 180
    # configurations of exact BPTT with Jacobian norms and singular values (tens of seconds on one job).
    "diagnostics (gradient-flow, 180 configurations)": ["experiments/vanishing-vs-radius.yaml"],
    # 4 clipping methods x 4 replicates = 16 configurations of 3000 iterations (H = 32, T = 30, B = 20).
    "training (clipping comparison, 16 configurations x 3000 iterations)": ["experiments/clipping-comparison.yaml",
        "--set", "training.iterations=3000", "--set", "replicates=4"],
}


def run(gradlab, args, jobs, root):
    out = tempfile.mkdtemp(prefix=f"scaling-j{jobs}-", dir=root)
    shutil.rmtree(out)
    start = time.perf_counter()
    done = subprocess.run([gradlab, "run", *args, "--out", out, "--jobs", str(jobs), "--blas-threads", "1", "--set", "plots=[]"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"gradlab run {' '.join(args)} --jobs {jobs} failed:\n{done.stderr}")
    shutil.rmtree(out, ignore_errors=True)
    return elapsed


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gradlab", default=".build/release/gradlab")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--markdown", action="store_true")
    a = p.parse_args()
    root = tempfile.mkdtemp(prefix="gradlab-scaling-")
    load_before = open("/proc/loadavg").read().split()[:3]
    rows = []
    for name, args in SWEEPS.items():
        times = {1: [], 2: []}
        run(a.gradlab, args, 2, root)   # warm-up (page cache, first-touch)
        for _ in range(a.rounds):
            for jobs in (1, 2):
                times[jobs].append(run(a.gradlab, args, jobs, root))
        t1, t2 = statistics.median(times[1]), statistics.median(times[2])
        ratios = [x / y for x, y in zip(times[1], times[2])]
        rows.append((name, t1, t2, t1 / t2, min(ratios), max(ratios)))
    shutil.rmtree(root, ignore_errors=True)
    load_after = open("/proc/loadavg").read().split()[:3]
    cores = os.cpu_count()
    if a.markdown:
        print(f"| sweep | --jobs 1 | --jobs 2 | speedup (median) | per-round range |")
        print("|---|---|---|---|---|")
        for n, t1, t2, s, lo, hi in rows:
            print(f"| {n} | {t1:.2f} s | {t2:.2f} s | **{s:.2f}×** | {lo:.2f}–{hi:.2f} |")
    else:
        for n, t1, t2, s, lo, hi in rows:
            print(f"{n}: jobs 1 {t1:.2f} s, jobs 2 {t2:.2f} s, speedup {s:.2f}x (rounds {lo:.2f}-{hi:.2f})")
    print(f"\n{cores} CPUs; load average before {' '.join(load_before)}, after {' '.join(load_after)}; "
          f"{a.rounds} interleaved rounds, medians.")


if __name__ == "__main__":
    main()
