#!/usr/bin/env python3
"""Reference singular values of long products of random matrices, in 200-digit arithmetic (mpmath).

Writes Tests/Fixtures/Linalg/product-singular-values.json: for each case the factors B_1 … B_k (row-major,
n×n, float64 as drawn by NumPy) and log10 σ_i(B_k ⋯ B_1), descending, from the exact product formed
and decomposed with mpmath at 200 significant digits (so values far below σ_max·1e-16 are exact).
Run from the repository root: python3 scripts/product_singular_values_reference.py
"""
import json
import mpmath
import numpy as np

mpmath.mp.dps = 200


def reference(name, factors):
    """The fixture entry for B_k ⋯ B_1: the factors and log10 σ of their exact product (200 digits)."""
    n = factors[0].shape[0]
    product = mpmath.eye(n)
    for b in factors:
        product = mpmath.matrix(b.tolist()) * product
    sigma = mpmath.svd_r(product, compute_uv=False)
    values = sorted((float(mpmath.log10(s)) for s in sigma), reverse=True)
    return {"name": name, "n": n, "k": len(factors), "factors": [b.flatten().tolist() for b in factors],
            "log10_singular_values": values}


def case(name, n, k, seed, scale):
    rng = np.random.default_rng(seed)
    return reference(name, [rng.standard_normal((n, n)) * scale / np.sqrt(n) for _ in range(k)])


def tanh_case(name, n, k, seed, gain):
    """Jacobians J_t = diag(1 − h_t²)·W of a tanh RNN h_t = tanh(W h_{t−1} + x_t), gain so large that many
    units saturate: each factor is itself graded (tanh′ down to ~1e-8)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((n, n)) * gain / np.sqrt(n)
    h = rng.standard_normal(n)
    factors = []
    for _ in range(k):
        h = np.tanh(w @ h + rng.standard_normal(n))
        factors.append(np.diag(1 - h * h) @ w)
    return reference(name, factors)


cases = [
    case("gaussian n=6 k=120", 6, 120, 1, 1.0),     # spans ~70 decades
    case("gaussian n=4 k=300 gain 0.7", 4, 300, 2, 0.7),  # every value small, ~150 decades apart
    case("gaussian n=8 k=8", 8, 8, 3, 1.0),          # a short product: mild spread
    tanh_case("saturated tanh n=8 k=40 gain 4", 8, 40, 4, 4.0),
]
with open("Tests/Fixtures/Linalg/product-singular-values.json", "w") as fh:
    json.dump({"generator": "scripts/product_singular_values_reference.py (mpmath 200 digits)", "cases": cases}, fh)
for c in cases:
    v = c["log10_singular_values"]
    print(c["name"], "log10 σ from", round(v[0], 2), "to", round(v[-1], 2))
