#!/usr/bin/env python3
"""Independent transcription of xoshiro256** and SplitMix64 (Blackman & Vigna's reference C code)
with GradLab's seeding rule, printing the values pinned in Tests/LinalgTests/RandomTests.swift.

    python3 scripts/rng_reference.py [SEED [STREAM]]
"""
import sys

M = (1 << 64) - 1


def mix(z):
    z = (z + 0x9E3779B97F4A7C15) & M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def xoshiro(state):
    s0, s1, s2, s3 = state
    while True:
        r = (rotl((s1 * 5) & M, 7) * 9) & M
        t = (s1 << 17) & M
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
        yield r


def seeded_state(seed, stream):
    """RandomStream(seed:stream:): SplitMix64 seeded with seed ^ mix(stream + 0x6A09E667F3BCC909)."""
    state = seed ^ mix((stream + 0x6A09E667F3BCC909) & M)
    out = []
    for _ in range(4):
        state = (state + 0x9E3779B97F4A7C15) & M
        out.append(mix((state - 0x9E3779B97F4A7C15) & M))
    return out


if __name__ == "__main__":
    g = xoshiro([1, 2, 3, 4])
    print("reference state {1,2,3,4}:", [next(g) for _ in range(4)])
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 42
    stream = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    g = xoshiro(seeded_state(seed, stream))
    print(f"seed {seed}, stream {stream}:", [next(g) for _ in range(3)])
