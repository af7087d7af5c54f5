#!/usr/bin/env python3
"""PyTorch float64 autograd fixtures for the Recurrent module's parity tests.

Writes Tests/Fixtures/Recurrent/<case>.json, one file per (cell, outputs mode, loss):
nn.RNN (tanh, relu), nn.LSTM, nn.GRU with batch_first=True, an nn.Linear head, and MSELoss,
BCEWithLogitsLoss or CrossEntropyLoss (reduction='mean'). Many-to-one applies the head to the last
step's output; many-to-many to every step (CrossEntropy on the (B·T, O) reshape). Each file holds
the parameters (PyTorch names, C-order data), inputs (B, T, D), targets, the loss, the outputs, the
hidden states h_t (B, T, H) and the gradients of every parameter and of the input.
JSON floats are written with repr, so they round-trip exactly.

Usage: python3 scripts/make_recurrent_fixtures.py   (needs torch; the tests do not)
"""
import json
import pathlib

import torch

torch.set_default_dtype(torch.float64)
OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "Recurrent"
B, T, D, H, O = 2, 5, 3, 4, 3


def make_rnn(cell, bias):
    if cell == "rnn-tanh":
        return torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True, bias=bias)
    if cell == "rnn-relu":
        return torch.nn.RNN(D, H, nonlinearity="relu", batch_first=True, bias=bias)
    if cell == "lstm":
        return torch.nn.LSTM(D, H, batch_first=True, bias=bias)
    return torch.nn.GRU(D, H, batch_first=True, bias=bias)


def case(cell, outputs, loss, seed, bias=True):
    torch.manual_seed(seed)
    rnn = make_rnn(cell, bias)
    head = torch.nn.Linear(H, O)
    with torch.no_grad():  # larger than default weights: exercise saturation
        for p in list(rnn.parameters()) + list(head.parameters()):
            p.mul_(1.7)
    x = torch.randn(B, T, D, requires_grad=True)
    out, _ = rnn(x)
    steps = 1 if outputs == "last" else T
    hs = out[:, -1:, :] if outputs == "last" else out
    y = head(hs)                                     # (B, steps, O)
    if loss == "mse":
        target = torch.randn(B, steps, O)
        value = torch.nn.MSELoss()(y, target)
    elif loss == "bce":
        target = torch.rand(B, steps, O)
        value = torch.nn.BCEWithLogitsLoss()(y, target)
    else:
        target = torch.randint(0, O, (B, steps))
        value = torch.nn.CrossEntropyLoss()(y.reshape(B * steps, O), target.reshape(B * steps))
    value.backward()
    params = [(n, p) for n, p in rnn.named_parameters()] + [("head." + n, p) for n, p in head.named_parameters()]
    flat = lambda t: [float(v) for v in t.detach().reshape(-1).tolist()]
    return {
        "cell": cell, "outputs": outputs, "loss_name": loss,
        "B": B, "T": T, "D": D, "H": H, "O": O,
        "parameters": {n: {"shape": list(p.shape), "data": flat(p)} for n, p in params},
        "order": [n for n, _ in params],
        "inputs": flat(x),                           # (B, T, D)
        "targets": flat(target) if loss != "ce" else [int(v) for v in target.reshape(-1).tolist()],  # (B, steps[, O])
        "loss": float(value.detach()),
        "outputs_value": flat(y),                    # (B, steps, O)
        "hidden": flat(out),                         # (B, T, H)
        "grads": {n: flat(p.grad) for n, p in params},
        "input_grad": flat(x.grad),                  # (B, T, D)
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    seed = 100
    for cell in ["rnn-tanh", "rnn-relu", "lstm", "gru"]:
        for outputs in ["last", "all"]:
            for loss in ["mse", "bce", "ce"]:
                seed += 1
                data = case(cell, outputs, loss, seed)
                (OUT / f"{cell}-{outputs}-{loss}.json").write_text(json.dumps(data))
    for cell in ["rnn-tanh", "lstm", "gru"]:
        seed += 1
        data = case(cell, "all", "mse", seed, bias=False)
        (OUT / f"{cell}-all-mse-nobias.json").write_text(json.dumps(data))
    print(f"wrote {len(list(OUT.glob('*.json')))} fixtures to {OUT}")


if __name__ == "__main__":
    main()
