#!/usr/bin/env python3
"""Writes the `gradlab diagnose` parity fixtures (Tests/Fixtures/Diagnose): PyTorch models saved as
people save them, an input sequence for each, and the Jacobian-product norms PyTorch's autograd gives.

Models (torch.save(model.state_dict(), ...), no GradLab metadata, so the cell must be inferred):
- relu_head.pt: nn.RNN(nonlinearity="relu") + nn.Linear, trained for 200 Adam steps on a toy task
  (float32, as trained models are);
- embed_lstm2.pt: nn.Embedding + 2-layer nn.LSTM + nn.Linear (float32);
- gru_bi.pt: a bare bidirectional nn.GRU (float64);
- tanh2.pt: a bare 2-layer tanh nn.RNN (float64).

Oracle (written to parity.json): with h_0 = 0 and the saved inputs x (T, D), for every layer ℓ and
direction, ‖∂s_T/∂s_{T−k}‖₂ of that unit's own recursion with its inputs (the layer below's outputs)
held fixed, from torch.autograd.functional.jacobian in float64; s = h, or (h, c) for an LSTM. A backward
unit's lag runs from its last step t = 1: ‖∂s_1/∂s_{1+k}‖₂. Float32 weights are widened exactly.

Run:  pip install "torch==2.13.0+cpu"   (the CPU wheel), then  python3 scripts/make_diagnose_fixtures.py
"""
import json
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "Diagnose")
os.makedirs(OUT, exist_ok=True)
T = 24
LAGS = [1, 2, 5, 10, 23]
torch.manual_seed(20261203)


class Classifier(torch.nn.Module):
    def __init__(self, rnn, out, embedding=None):
        super().__init__()
        if embedding is not None:
            self.embedding = embedding
        self.rnn = rnn
        self.fc = torch.nn.Linear(rnn.hidden_size * (2 if rnn.bidirectional else 1), out)


def cell_step(kind, p, x, s, h):
    """One step of a PyTorch cell in float64 from its state-dict tensors p (w_ih, w_hh, b_ih, b_hh)."""
    w_ih, w_hh, b_ih, b_hh = p
    if kind == "lstm":
        hp, cp = s[:h], s[h:]
        g = w_ih @ x + b_ih + w_hh @ hp + b_hh
        i, f, gg, o = g[:h].sigmoid(), g[h:2 * h].sigmoid(), g[2 * h:3 * h].tanh(), g[3 * h:].sigmoid()
        c = f * cp + i * gg
        return torch.cat([o * c.tanh(), c])
    if kind == "gru":
        gi, gh = w_ih @ x + b_ih, w_hh @ s + b_hh
        r = (gi[:h] + gh[:h]).sigmoid()
        z = (gi[h:2 * h] + gh[h:2 * h]).sigmoid()
        n = (gi[2 * h:] + r * gh[2 * h:]).tanh()
        return (1 - z) * n + z * s
    pre = w_ih @ x + b_ih + w_hh @ s + b_hh
    return pre.relu() if kind == "relu" else pre.tanh()


def unit_norms(kind, state_dict, prefix, layers, bidirectional, x):
    """{"layer", "direction", "norms": [[k, ‖∂s_end/∂s_{end∓k}‖₂]]} for every unit, and the sequence
    each layer feeds the next (checked against nn.RNN/LSTM/GRU's own outputs)."""
    h = state_dict[prefix + "weight_hh_l0"].shape[1]
    width = 2 * h if kind == "lstm" else h
    seq = x
    units = []
    for layer in range(layers):
        outs = []
        for reverse in ([False, True] if bidirectional else [False]):
            sfx = f"_l{layer}" + ("_reverse" if reverse else "")
            p = [state_dict[prefix + n + sfx].double() for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            xs = seq.flip(0) if reverse else seq
            states = [torch.zeros(width, dtype=torch.float64)]
            for t in range(T):
                states.append(cell_step(kind, p, xs[t], states[-1], h))
            hs = torch.stack([s[:h] for s in states[1:]])
            outs.append(hs.flip(0) if reverse else hs)
            norms = []
            for k in LAGS:
                start = T - k  # states[start] is s_{T−k} in processing order

                def run(s0, start=start):
                    s = s0
                    for t in range(start, T):
                        s = cell_step(kind, p, xs[t], s, h)
                    return s

                jac = torch.autograd.functional.jacobian(run, states[start].clone())
                norms.append([k, float(torch.linalg.matrix_norm(jac, ord=2))])
            units.append({"layer": layer, "direction": "reverse" if reverse else "forward", "norms": norms})
        seq = torch.cat(outs, dim=1)
    return units, seq


def export(name, module, rnn_prefix, kind, x):
    path = os.path.join(OUT, name + ".pt")
    torch.save(module.state_dict(), path)
    sd = torch.load(path, weights_only=True)
    rnn = module.rnn if hasattr(module, "rnn") else module
    units, top = unit_norms(kind, sd, rnn_prefix, rnn.num_layers, rnn.bidirectional, x)
    with torch.no_grad():
        ref, _ = rnn.double()(x.unsqueeze(1))
    assert torch.allclose(ref.squeeze(1), top, atol=1e-12), name
    np.save(os.path.join(OUT, name + "-input.npy"), x.numpy())
    return {"model": name + ".pt", "input": name + "-input.npy", "cell": "lstm" if kind == "lstm" else ("gru" if kind == "gru" else "rnn"),
            "activation": kind if kind in ("relu", "tanh") else None, "layers": rnn.num_layers,
            "bidirectional": rnn.bidirectional, "steps": T, "units": units}


fixtures = []

# 1. A trained ReLU RNN with a linear read-out: 200 Adam steps on "sum of the first input's feature 0".
relu = Classifier(torch.nn.RNN(3, 6, nonlinearity="relu"), 2)
opt = torch.optim.Adam(relu.parameters(), lr=0.01)
for step in range(200):
    xb = torch.randn(T, 16, 3)
    yb = (xb[0, :, 0] > 0).long()
    out, _ = relu.rnn(xb)
    loss = torch.nn.functional.cross_entropy(relu.fc(out[-1]), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
x = torch.randn(T, 3, dtype=torch.float64)
fixtures.append(export("relu_head", relu, "rnn.", "relu", x))

# 2. Embedding + 2-layer LSTM + Linear; the input is the embedded token sequence.
lstm = Classifier(torch.nn.LSTM(5, 4, num_layers=2), 3, embedding=torch.nn.Embedding(11, 5))
tokens = torch.randint(0, 11, (T,))
x = lstm.embedding.weight.detach().double()[tokens]
fixtures.append(export("embed_lstm2", lstm, "rnn.", "lstm", x))

# 3. A bare bidirectional GRU in float64.
gru = torch.nn.GRU(3, 4, bidirectional=True).double()
x = torch.randn(T, 3, dtype=torch.float64)
fixtures.append(export("gru_bi", gru, "", "gru", x))

# 4. A bare 2-layer tanh RNN in float64, gain raised so the lags do not all vanish.
tanh2 = torch.nn.RNN(3, 5, num_layers=2).double()
with torch.no_grad():
    for n, p in tanh2.named_parameters():
        if n.startswith("weight_hh"):
            p.mul_(2.0)
x = torch.randn(T, 3, dtype=torch.float64)
fixtures.append(export("tanh2", tanh2, "", "tanh", x))

with open(os.path.join(OUT, "parity.json"), "w") as f:
    json.dump({"torch": torch.__version__, "lags": LAGS, "fixtures": fixtures}, f, indent=1)
print("wrote", [x["model"] for x in fixtures])
