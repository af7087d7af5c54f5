#!/usr/bin/env python3
"""The exp polynomial of the vectorised tanh (Sources/CKernels/VectorTanh.c), reproducible.

e^r ≈ 1 + r + r²·p(r) on |r| ≤ ln 2/2, p(r) = 1/2 + r·h(r) with h of degree 8: the coefficients of h are a
relative-error minimax fit (Lawson-iterated weighted least squares on 300 Chebyshev points, 50 digits,
mpmath). Prints the maximum relative error of e^r with the coefficients rounded to double (exact
arithmetic otherwise) and the C lines of the Horner chain. Usage: python3 scripts/tanh_exp_fit.py
"""
import mpmath as mp

mp.mp.dps = 50
L = mp.log(2) / 2 * (1 + mp.mpf(2) ** -20)   # |r| ≤ ln 2/2, with a margin for the rounding of k·ln 2
DEG = 8
N = 300
pts = [L * mp.cos(mp.pi * (i + mp.mpf(1) / 2) / N) for i in range(N)]
# Want r³·h(r)/e^r ≈ (e^r − 1 − r − r²/2)/e^r: relative error of e^r.
target = [(mp.exp(r) - 1 - r - r * r / 2) / mp.exp(r) for r in pts]
basis = [[r ** (3 + j) / mp.exp(r) for j in range(DEG + 1)] for r in pts]
w = [mp.mpf(1)] * N
for _ in range(60):
    A = mp.matrix([[mp.sqrt(w[i]) * basis[i][j] for j in range(DEG + 1)] for i in range(N)])
    b = mp.matrix([mp.sqrt(w[i]) * target[i] for i in range(N)])
    c, _res = mp.qr_solve(A, b)
    err = [abs(sum(basis[i][j] * c[j] for j in range(DEG + 1)) - target[i]) for i in range(N)]
    s = sum(w[i] * err[i] for i in range(N))
    w = [w[i] * err[i] / s for i in range(N)]
coefficients = [0.5] + [float(c[j]) for j in range(DEG + 1)]   # of r², r³, …, r¹¹
worst = 0
for i in range(8001):
    r = -L + 2 * L * i / 8000
    p = sum(mp.mpf(coefficients[j]) * r ** j for j in range(len(coefficients)))
    worst = max(worst, abs((1 + r + r * r * p) / mp.exp(r) - 1))
print("max relative error of e^r (double coefficients):", mp.nstr(worst, 5), "= 2^" + mp.nstr(mp.log(worst, 2), 5))
for j in reversed(range(len(coefficients))):
    print(f"        p = FMA(p, r, {coefficients[j]!r});   // r^{j + 2}")
