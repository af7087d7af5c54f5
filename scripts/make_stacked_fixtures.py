#!/usr/bin/env python3
"""PyTorch float64 autograd fixtures for stacked / bidirectional models (Tests/Fixtures/Stacked).

Each fixture: a real nn.RNN / nn.LSTM / nn.GRU(num_layers=L, bidirectional=...) with a Linear head,
its state dict (the names GradLab must load unchanged), inputs, targets, loss, outputs, top-layer
outputs, parameter and input gradients. For full BPTT the fixture also holds every unit's total
∂L/∂h_t^{l,dir}, from a step-by-step re-implementation with nn.*Cell modules sharing the weights
(h_t.retain_grad()), checked against the fused module's loss.
Run: python3 scripts/make_stacked_fixtures.py  (torch 2.x, CPU).
"""
import json, os
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "Stacked")
B, T, D, H, O = 2, 5, 3, 4, 2

def make(cell, L, bidir):
    kw = dict(input_size=D, hidden_size=H, num_layers=L, bidirectional=bidir, batch_first=True)
    if cell == "rnn-tanh": return torch.nn.RNN(nonlinearity="tanh", **kw)
    if cell == "lstm": return torch.nn.LSTM(**kw)
    return torch.nn.GRU(**kw)

def loss_fn(name, y, target):
    if name == "mse": return torch.nn.functional.mse_loss(y, target)
    return torch.nn.functional.cross_entropy(y.reshape(-1, O), target.reshape(-1))

def head_out(head, out, mode):
    y = head(out)
    return y[:, -1] if mode == "last" else y

def manual_units(rnn, cell, L, bidir, x):
    """Step-by-step forward with per-step hidden tensors (retain_grad) for every unit."""
    dirs = 2 if bidir else 1
    inp = x
    hs = []  # per unit: list of T tensors (B, H), time order
    for l in range(L):
        outs = []
        for d in range(dirs):
            sfx = f"_l{l}" + ("_reverse" if d else "")
            Cell = {"rnn-tanh": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[cell]
            c = Cell(inp.shape[-1], H)
            c.weight_ih = getattr(rnn, "weight_ih" + sfx); c.weight_hh = getattr(rnn, "weight_hh" + sfx)
            c.bias_ih = getattr(rnn, "bias_ih" + sfx); c.bias_hh = getattr(rnn, "bias_hh" + sfx)
            h = torch.zeros(B, H); cs = torch.zeros(B, H)
            steps = [None] * T
            order = range(T - 1, -1, -1) if d else range(T)
            for t in order:
                if cell == "lstm":
                    h, cs = c(inp[:, t], (h, cs))
                else:
                    h = c(inp[:, t], h)
                h.retain_grad()
                steps[t] = h
            hs.append(steps)
            outs.append(torch.stack(steps, dim=1))
        inp = torch.cat(outs, dim=-1)
    return inp, hs

def chunk_loss(rnn, head, x, target, mode, k, loss_name, cell):
    hstate = None
    total, outs = 0.0, []
    for s in range(0, T, k):
        e = min(s + k, T)
        out, hstate = rnn(x[:, s:e], hstate)
        outs.append(out.detach())
        hstate = tuple(v.detach() for v in hstate) if cell == "lstm" else hstate.detach()
        if mode == "last" and e < T: continue
        y = head_out(head, out, mode)
        tgt = target if mode == "last" else target[:, s:e]
        l = loss_fn(loss_name, y, tgt)
        l.backward()
        total += l.item()
    return total, torch.cat(outs, dim=1)

def williams_peng_loss(rnn, head, x, target, k1, k2, loss_name, cell):
    ends = list(range(k1, T + 1, k1))
    if ends[-1] != T: ends.append(T)
    prev, total = 0, 0.0
    for e in ends:
        s = max(0, e - k2)
        with torch.no_grad():
            hstate = rnn(x[:, :s])[1] if s > 0 else None
        out, _ = rnn(x[:, s:e], hstate)
        y = head(out)[:, prev - s:]
        l = loss_fn(loss_name, y, target[:, prev:e])
        l.backward()
        total += l.item()
        prev = e
    return total

def fixture(cell, L, bidir, mode, loss_name, trunc, seed):
    torch.manual_seed(seed)
    rnn = make(cell, L, bidir)
    W = (2 if bidir else 1) * H
    head = torch.nn.Linear(W, O)
    x = torch.randn(B, T, D, requires_grad=True)
    tout = 1 if mode == "last" else T
    if loss_name == "mse":
        target = torch.randn(B, O) if mode == "last" else torch.randn(B, T, O)
    else:
        target = torch.randint(0, O, (B,) if mode == "last" else (B, T))
    params = list(rnn.named_parameters()) + [("head." + n, p) for n, p in head.named_parameters()]
    unit_grads = None
    if trunc is None:
        out, _ = rnn(x)
        y = head_out(head, out, mode)
        loss = loss_fn(loss_name, y, target)
        loss.backward()
        loss_value = loss.item()
        # per-unit total ∂L/∂h_t from the step-by-step model
        xm = x.detach().clone()
        out_m, hs = manual_units(rnn, cell, L, bidir, xm)
        lm = loss_fn(loss_name, head_out(head, out_m, mode), target)
        assert abs(lm.item() - loss_value) < 1e-12, (lm.item(), loss_value)
        saved = [p.grad.clone() for _, p in params]
        for _, p in params: p.grad = None
        lm.backward()
        unit_grads = [torch.stack([h.grad for h in steps], dim=1).flatten().tolist() for steps in hs]
        for (_, p), g in zip(params, saved): p.grad = g
        trunc_desc = {"kind": "none"}
    elif trunc[0] == "chunks":
        loss_value, chunked_out = chunk_loss(rnn, head, x, target, mode, trunc[1], loss_name, cell)
        trunc_desc = {"kind": "chunks", "k": trunc[1]}
    else:
        loss_value = williams_peng_loss(rnn, head, x, target, trunc[1], trunc[2], loss_name, cell)
        trunc_desc = {"kind": "williams-peng", "k1": trunc[1], "k2": trunc[2]}
    with torch.no_grad():
        out, _ = rnn(x)
        if trunc is not None and trunc[0] == "chunks":
            out = chunked_out  # each chunk's own forward pass (differs for bidirectional layers)
        y = head_out(head, out, mode)
    f = {
        "cell": cell, "layers": L, "bidirectional": bidir, "outputs": mode, "loss_name": loss_name,
        "truncation": trunc_desc, "B": B, "T": T, "D": D, "H": H, "O": O,
        "order": [n for n, _ in params],
        "parameters": {n: {"shape": list(p.shape), "data": p.detach().flatten().tolist()} for n, p in params},
        "inputs": x.detach().flatten().tolist(),
        "targets": [float(v) for v in target.flatten().tolist()],
        "loss": loss_value,
        "outputs_value": y.flatten().tolist(),
        "hidden": out.flatten().tolist(),
        "grads": {n: p.grad.flatten().tolist() for n, p in params},
        "input_grad": x.grad.flatten().tolist(),
    }
    if unit_grads is not None: f["unit_hidden_grads"] = unit_grads
    return f

def main():
    os.makedirs(OUT, exist_ok=True)
    seed = 0
    cases = []
    for cell in ["rnn-tanh", "lstm", "gru"]:
        for L in [2, 3]:
            for bidir in [False, True]:
                cases.append((cell, L, bidir, "all", "mse", None))
        cases.append((cell, 2, True, "last", "ce", None))
        cases.append((cell, 2, False, "all", "mse", ("chunks", 2)))
        cases.append((cell, 2, True, "all", "mse", ("chunks", 2)))
        cases.append((cell, 3, False, "all", "mse", ("wp", 2, 3)))
    for cell, L, bidir, mode, loss_name, trunc in cases:
        seed += 1
        f = fixture(cell, L, bidir, mode, loss_name, trunc, seed)
        tname = "full" if trunc is None else ("chunks%d" % trunc[1] if trunc[0] == "chunks" else "wp%d-%d" % trunc[1:])
        name = f"{cell}-L{L}-{'bi' if bidir else 'uni'}-{mode}-{loss_name}-{tname}.json"
        with open(os.path.join(OUT, name), "w") as fh:
            json.dump(f, fh)
        print(name, f["loss"])
    state_dict_file()


def state_dict_file():
    """A PyTorch nn.LSTM(num_layers=2, bidirectional=True) + Linear head state dict, saved as it is
    (safetensors, no metadata), with an input and the trace's expected numbers: without targets
    `gradlab trace --outputs last` uses L = Σ (top output at T)."""
    from safetensors.torch import save_file
    import numpy as np
    torch.manual_seed(123)
    rnn = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    head = torch.nn.Linear(8, 2)
    sd = {k: v.detach().contiguous() for k, v in rnn.state_dict().items()}
    sd.update({"head." + k: v.detach().contiguous() for k, v in head.state_dict().items()})
    save_file(sd, os.path.join(OUT, "statedict-lstm-L2-bi.safetensors"))
    x = torch.randn(6, 3, requires_grad=True)
    np.save(os.path.join(OUT, "statedict-lstm-L2-bi-input.npy"), x.detach().numpy())
    out, _ = rnn(x.unsqueeze(0))
    loss = out[0, -1].sum()
    loss.backward()
    expected = {"loss": loss.item(), "input_grad": x.grad.flatten().tolist(),
                "weight_hh_l1_reverse": rnn.weight_hh_l1_reverse.grad.flatten().tolist(),
                "names": list(sd.keys()),
                "rnn_numel": sum(p.numel() for p in rnn.parameters()),
                "head_numel": sum(p.numel() for p in head.parameters())}
    with open(os.path.join(OUT, "statedict-lstm-L2-bi-expected.json"), "w") as fh:
        json.dump(expected, fh)


if __name__ == "__main__":
    main()
