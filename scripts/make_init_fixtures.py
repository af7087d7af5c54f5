#!/usr/bin/env python3
"""Records PyTorch's initializer definitions for the Initializers tests (Tests/Fixtures/Initializers).

torch.nn.init draws with torch's own generator, so instead of comparing random draws this script records
(1) the exact distribution parameters each init function passes to Tensor.uniform_/normal_, by patching
those methods; (2) orthogonal_'s output for a Gaussian draw we supply (normal_ patched to copy it in);
(3) calculate_gain; (4) the U(-1/sqrt(H), 1/sqrt(H)) bound nn.RNN/LSTM/GRU.reset_parameters uses.
Run: python3 scripts/make_init_fixtures.py   (needs torch, e.g. pip install torch==2.13.0+cpu)
"""
import json
import math
import os
from unittest import mock

import numpy as np
import torch
import torch.nn.init as init

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "Initializers")
os.makedirs(OUT, exist_ok=True)


def recorded(fn, rows, cols, **kw):
    """The (distribution, parameters) fn passes to uniform_/normal_ for a rows x cols weight."""
    calls = []
    orig_u, orig_n = torch.Tensor.uniform_, torch.Tensor.normal_

    def u(self, a=0.0, b=1.0, generator=None):
        calls.append(["uniform", float(a), float(b)])
        return orig_u(self, a, b)

    def n(self, mean=0.0, std=1.0, generator=None):
        calls.append(["normal", float(mean), float(std)])
        return orig_n(self, mean, std)

    with mock.patch.object(torch.Tensor, "uniform_", u), mock.patch.object(torch.Tensor, "normal_", n):
        fn(torch.empty(rows, cols), **kw)
    assert len(calls) == 1, calls
    return calls[0]


distributions = []
for rows, cols in [(8, 8), (12, 5), (3, 20)]:
    cases = [
        ("xavier-uniform", {}, init.xavier_uniform_, {}),
        ("xavier-uniform", {"gain": 1.7}, init.xavier_uniform_, {"gain": 1.7}),
        ("xavier-normal", {"gain": 0.5}, init.xavier_normal_, {"gain": 0.5}),
        ("kaiming-uniform", {}, init.kaiming_uniform_, {}),
        ("kaiming-normal", {}, init.kaiming_normal_, {}),
        ("kaiming-uniform", {"mode": "fan_out", "nonlinearity": "relu"}, init.kaiming_uniform_,
         {"mode": "fan_out", "nonlinearity": "relu"}),
        ("kaiming-normal", {"nonlinearity": "leaky_relu", "negative_slope": 0.2}, init.kaiming_normal_,
         {"nonlinearity": "leaky_relu", "a": 0.2}),
        ("kaiming-normal", {"mode": "fan_out", "nonlinearity": "tanh"}, init.kaiming_normal_,
         {"mode": "fan_out", "nonlinearity": "tanh"}),
        ("kaiming-uniform", {"nonlinearity": "sigmoid"}, init.kaiming_uniform_, {"nonlinearity": "sigmoid"}),
        ("uniform", {"a": -0.3, "b": 0.7}, init.uniform_, {"a": -0.3, "b": 0.7}),
        ("uniform", {}, init.uniform_, {}),
        ("gaussian", {"std": 0.25}, init.normal_, {"std": 0.25}),
    ]
    for kind, spec, fn, kw in cases:
        dist, p1, p2 = recorded(fn, rows, cols, **kw)
        distributions.append({"kind": kind, "spec": spec, "rows": rows, "cols": cols, "distribution": dist,
                              "parameters": [p1, p2]})

# nn.RNN / LSTM / GRU default initialisation of every parameter: record the bound per module.
module_bounds = []
for cls, name in [(torch.nn.RNN, "rnn"), (torch.nn.LSTM, "lstm"), (torch.nn.GRU, "gru")]:
    for hidden in [7, 16]:
        calls = []
        orig = torch.Tensor.uniform_
        def u(self, a=0.0, b=1.0, generator=None, _calls=calls):
            _calls.append([float(a), float(b)])
            return orig(self, a, b)
        with mock.patch.object(torch.Tensor, "uniform_", u):
            cls(input_size=3, hidden_size=hidden)
        assert len({tuple(c) for c in calls}) == 1
        module_bounds.append({"cell": name, "hidden": hidden, "bounds": calls[0]})

# orthogonal_ applied to a Gaussian draw we control.
orthogonal = []
rng = np.random.default_rng(20261123)
for rows, cols, gain in [(5, 5, 1.0), (7, 3, 1.0), (3, 7, 2.0), (1, 4, 1.0)]:
    g = rng.standard_normal((rows, cols))
    def n(self, mean=0.0, std=1.0, generator=None, _g=g):
        self.copy_(torch.from_numpy(_g.copy()))
        return self
    with mock.patch.object(torch.Tensor, "normal_", n):
        w = init.orthogonal_(torch.empty(rows, cols), gain=gain)
    orthogonal.append({"rows": rows, "cols": cols, "gain": gain, "gaussian": g.reshape(-1).tolist(),
                       "q": w.reshape(-1).tolist()})

gains = {nl: init.calculate_gain(nl.replace("-", "_")) for nl in ["linear", "sigmoid", "tanh", "relu", "leaky-relu"]}
gains["leaky-relu(0.2)"] = init.calculate_gain("leaky_relu", 0.2)
gains["leaky-relu(0)"] = init.calculate_gain("leaky_relu", 0)

with open(os.path.join(OUT, "torch_init.json"), "w") as f:
    json.dump({"torch": torch.__version__, "distributions": distributions, "module_bounds": module_bounds,
               "orthogonal": orthogonal, "gains": gains}, f, indent=1)
print("wrote", len(distributions), "distributions,", len(orthogonal), "orthogonal cases")
