#!/usr/bin/env python3
"""Regenerates Tests/Fixtures/Training/orthogonal_expm.json from PyTorch autograd (float64).

Orthogonal parametrization (expRNN): X (n x n, strictly upper triangle used), A = triu1(X) - triu1(X)^T,
W = torch.linalg.matrix_exp(A).
- "frechet" cases: L = sum(W * G) for a random G, so dL/dW = G; records W and dL/dX.
- "rnn" case: a tanh RNN h_t = tanh(W_ih x_t + b_ih + W h_{t-1} + b_hh), h_0 = 0, y = head(h_T),
  MSE against targets; records every tensor, the inputs (time-major T x B x D), the loss and dL/dX.
Run: python3 scripts/mitigations_fixtures.py   (needs torch; tests never do)
"""
import json, os
import torch

torch.set_default_dtype(torch.float64)
out_dir = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "Training")
g = torch.Generator().manual_seed(1919)


def weight(x):
    u = torch.triu(x, 1)
    return torch.linalg.matrix_exp(u - u.T)


def rows(t):
    return t.detach().tolist()


cases = []
for n, scale in [(4, 1.0), (7, 3.0), (12, 0.5)]:
    x = (torch.randn(n, n, generator=g) * scale).requires_grad_()
    G = torch.randn(n, n, generator=g)
    w = weight(x)
    (w * G).sum().backward()
    cases.append({"n": n, "x": rows(x), "g": rows(G), "w": rows(w), "dx": rows(torch.triu(x.grad, 1))})

T, B, D, H = 6, 3, 2, 5
x = (torch.randn(H, H, generator=g) * 0.7).requires_grad_()
w_ih = torch.randn(H, D, generator=g) * 0.5
b_ih = torch.randn(H, generator=g) * 0.1
b_hh = torch.randn(H, generator=g) * 0.1
head_w = torch.randn(1, H, generator=g) * 0.5
head_b = torch.randn(1, generator=g) * 0.1
inputs = torch.randn(T, B, D, generator=g)
targets = torch.randn(B, 1, generator=g)
W = weight(x)
h = torch.zeros(B, H)
for t in range(T):
    h = torch.tanh(inputs[t] @ w_ih.T + b_ih + h @ W.T + b_hh)
y = h @ head_w.T + head_b
loss = torch.nn.functional.mse_loss(y, targets)
loss.backward()
rnn = {"x": rows(x), "w_hh": rows(W), "weight_ih": rows(w_ih), "bias_ih": rows(b_ih), "bias_hh": rows(b_hh),
       "head_weight": rows(head_w), "head_bias": rows(head_b), "inputs": rows(inputs), "targets": rows(targets),
       "loss": loss.item(), "dx": rows(torch.triu(x.grad, 1))}

with open(os.path.join(out_dir, "orthogonal_expm.json"), "w") as f:
    json.dump({"torch": torch.__version__, "frechet": cases, "rnn": rnn}, f)
print("wrote orthogonal_expm.json")


# flossing.json: gradient flossing (Engelken 2023) on a tanh RNN, exponents from torch.linalg.qr.
def flossing_case(H, D, T, k, alpha, target, scale):
    w = (torch.randn(H, H, generator=g) * scale / H ** 0.5).requires_grad_()
    w_ih = (torch.randn(H, D, generator=g) * 0.5).requires_grad_()
    b_ih = (torch.randn(H, generator=g) * 0.1).requires_grad_()
    b_hh = (torch.randn(H, generator=g) * 0.1).requires_grad_()
    xs = torch.randn(T, D, generator=g)
    h = torch.zeros(H)
    q = torch.eye(H)[:, :k]
    logs = torch.zeros(k)
    for t in range(T):
        h = torch.tanh(w_ih @ xs[t] + b_ih + w @ h + b_hh)
        a = torch.diag(1 - h * h) @ w @ q
        q, r = torch.linalg.qr(a)
        logs = logs + torch.log(torch.abs(torch.diagonal(r)))
    lam = logs / T
    loss = alpha * ((lam - target) ** 2).sum()
    loss.backward()
    return {"hidden": H, "inputs_dim": D, "window": T, "exponents": k, "weight": alpha, "target": target,
            "weight_hh": rows(w), "weight_ih": rows(w_ih), "bias_ih": rows(b_ih), "bias_hh": rows(b_hh),
            "inputs": rows(xs), "lambdas": rows(lam), "loss": loss.item(),
            "d_weight_hh": rows(w.grad), "d_weight_ih": rows(w_ih.grad), "d_bias_ih": rows(b_ih.grad), "d_bias_hh": rows(b_hh.grad)}


floss = [flossing_case(5, 2, 8, 2, 0.7, 0.1, 1.5), flossing_case(8, 3, 30, 3, 1.0, 0.0, 3.0), flossing_case(6, 1, 12, 6, 0.5, -0.2, 0.8)]
with open(os.path.join(out_dir, "flossing.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": floss}, f)
print("wrote flossing.json")


# orthogonal_cayley.json: scoRNN's W = (I + A)^-1 (I - A) D (D = diag(1.., -1 x k), the last k entries -1),
# by torch.linalg.solve; and orthogonal_gated.json: gate-blockwise expm / Cayley for LSTM and GRU through
# torch.nn.LSTM / torch.nn.GRU (torch.func.functional_call), every H x H block of weight_hh parametrized alone.
g2 = torch.Generator().manual_seed(2018)


def cayley(x, k=0):
    u = torch.triu(x, 1)
    a = u - u.T
    n = x.shape[0]
    eye = torch.eye(n)
    d = torch.ones(n)
    if k > 0:
        d[n - k:] = -1.0
    return torch.linalg.solve(eye + a, eye - a) * d  # columns scaled: W0 @ diag(d)


transform = []
for n, scale, k in [(4, 1.0, 0), (7, 3.0, 2), (12, 0.5, 1), (9, 10.0, 0)]:
    x = (torch.randn(n, n, generator=g2) * scale).requires_grad_()
    G = torch.randn(n, n, generator=g2)
    w = cayley(x, k)
    (w * G).sum().backward()
    transform.append({"n": n, "negative_ones": k, "x": rows(x), "g": rows(G), "w": rows(w), "dx": rows(torch.triu(x.grad, 1))})

T, B, D, H = 6, 3, 2, 5
x = (torch.randn(H, H, generator=g2) * 0.7).requires_grad_()
w_ih = torch.randn(H, D, generator=g2) * 0.5
b_ih = torch.randn(H, generator=g2) * 0.1
b_hh = torch.randn(H, generator=g2) * 0.1
head_w = torch.randn(1, H, generator=g2) * 0.5
head_b = torch.randn(1, generator=g2) * 0.1
inputs = torch.randn(T, B, D, generator=g2)
targets = torch.randn(B, 1, generator=g2)
W = cayley(x, 1)
h = torch.zeros(B, H)
for t in range(T):
    h = torch.tanh(inputs[t] @ w_ih.T + b_ih + h @ W.T + b_hh)
loss = torch.nn.functional.mse_loss(h @ head_w.T + head_b, targets)
loss.backward()
rnn = {"negative_ones": 1, "x": rows(x), "w_hh": rows(W), "weight_ih": rows(w_ih), "bias_ih": rows(b_ih), "bias_hh": rows(b_hh),
       "head_weight": rows(head_w), "head_bias": rows(head_b), "inputs": rows(inputs), "targets": rows(targets),
       "loss": loss.item(), "dx": rows(torch.triu(x.grad, 1))}
with open(os.path.join(out_dir, "orthogonal_cayley.json"), "w") as f:
    json.dump({"torch": torch.__version__, "transform": transform, "rnn": rnn}, f)
print("wrote orthogonal_cayley.json")


def gated_case(cell, kind):
    G = {"lstm": 4, "gru": 3}[cell]
    T, B, D, H = 7, 3, 2, 4
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](D, H)
    x = (torch.randn(G * H, H, generator=g2) * 0.8).requires_grad_()
    w_ih = torch.randn(G * H, D, generator=g2) * 0.5
    b_ih = torch.randn(G * H, generator=g2) * 0.1
    b_hh = torch.randn(G * H, generator=g2) * 0.1
    head_w = torch.randn(1, H, generator=g2) * 0.5
    head_b = torch.randn(1, generator=g2) * 0.1
    inputs = torch.randn(T, B, D, generator=g2)
    targets = torch.randn(B, 1, generator=g2)
    blocks = [x[i * H:(i + 1) * H] for i in range(G)]
    W = torch.cat([weight(b) if kind == "expm" else cayley(b) for b in blocks])
    params = {"weight_ih_l0": w_ih, "weight_hh_l0": W, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}
    out, _ = torch.func.functional_call(module, params, (inputs,))
    loss = torch.nn.functional.mse_loss(out[-1] @ head_w.T + head_b, targets)
    loss.backward()
    dx = torch.cat([torch.triu(x.grad[i * H:(i + 1) * H], 1) for i in range(G)])
    return {"cell": cell, "kind": kind, "x": rows(x), "w_hh": rows(W), "weight_ih": rows(w_ih), "bias_ih": rows(b_ih),
            "bias_hh": rows(b_hh), "head_weight": rows(head_w), "head_bias": rows(head_b), "inputs": rows(inputs),
            "targets": rows(targets), "loss": loss.item(), "dx": rows(dx)}


gated = [gated_case(c, k) for c in ["lstm", "gru"] for k in ["expm", "cayley"]]
with open(os.path.join(out_dir, "orthogonal_gated.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": gated}, f)
print("wrote orthogonal_gated.json")
