#!/usr/bin/env python3
"""PyTorch float64 autograd fixtures for the cells PyTorch has no module for (Tests/Fixtures/Cells).

IndRNN (Li et al. 2018), written here by hand as a torch module with the names GradLab loads:
per layer l and direction, weight_ih_l{l} (H x D_l), weight_hh_l{l} (the recurrent *vector* u, H),
bias_ih_l{l}, bias_hh_l{l} (H), `_reverse` for the backward direction, and a Linear head:

    h_t = phi(W_ih x_t + b_ih + u * h_{t-1} + b_hh)      (* element-wise)

The layer-normalised RNN (Ba, Kiros & Hinton 2016, section 3.1), written by hand the same way, with
nn.RNN's names plus nn.LayerNorm's weight/bias per layer, weight_ln_l{l} (g, H) and bias_ln_l{l} (b, H):

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    h_t = phi(g * (a_t - mean(a_t)) / sqrt(var(a_t) + 1e-5) + b)      (biased variance, eps inside)

(the hand-written normalisation is checked against torch.nn.functional.layer_norm at every step).

Each fixture (same JSON layout as Tests/Fixtures/Stacked): state dict, inputs, targets, loss, outputs,
top-layer outputs, autograd parameter and input gradients; for full BPTT every unit's total dL/dh_t
(h_t.retain_grad()). Truncations: PyTorch's chunked recipe (detached h_n between chunks) and
BPTT(k1, k2) (Williams & Peng), exactly as scripts/make_stacked_fixtures.py does for nn.RNN.
LRU (Orvieto et al. 2023), written here with torch's complex128 arithmetic as the paper's appendix code
and the PyTorch re-implementations do, names nu_log, theta_log, gamma_log (N), B_re, B_im (N x D_l),
C_re, C_im (D_l x N), D (D_l), suffixed _l{l} (and _reverse) as GradLab's files, and a Linear head:

    lambda = exp(-exp(nu_log) + i exp(theta_log)),  h_t = lambda * h_{t-1} + exp(gamma_log) * (B x_t),
    y_t = Re(C h_t) + D * x_t

Layer l reads layer l-1's read-outs [y_fwd; y_bwd] (D_l = dirs * D_{l-1}); the head reads the top's.
The recorded state is GradLab's real form s_t = [Re h_t; Im h_t] (2N): each step rebuilds h from s, so
s_t.grad is the total dL/ds_t; "hidden" is the top layer's states. Fixtures lru-*.json: the same eight
cases as the other cells (one to three layers, bidirectional, full BPTT, chunks, BPTT(k1, k2)) and four
more (bidirectional single layers, full and chunked; three layers many-to-one; chunks through two layers).
Run: python3 scripts/make_cell_fixtures.py [indrnn|lnrnn|lru]  (torch 2.x, CPU; all three when omitted).
"""
import json, os
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "Cells")
B, T, D, H, O = 2, 7, 3, 4, 2


class IndRNN(torch.nn.Module):
    """A stacked, optionally bidirectional IndRNN with nn.RNN's calling convention:
    forward(x (B, T, D), h0 (L*dirs, B, H) or None) -> (out (B, T, dirs*H), h_n (L*dirs, B, H))."""

    def __init__(self, input_size, hidden_size, num_layers, bidirectional, nonlinearity):
        super().__init__()
        self.H, self.L, self.dirs = hidden_size, num_layers, 2 if bidirectional else 1
        self.phi = torch.relu if nonlinearity == "relu" else torch.tanh
        self.record = None
        for l in range(num_layers):
            d_in = input_size if l == 0 else self.dirs * hidden_size
            for d in range(self.dirs):
                sfx = f"_l{l}" + ("_reverse" if d else "")
                k = hidden_size ** -0.5
                setattr(self, "weight_ih" + sfx, torch.nn.Parameter(torch.empty(hidden_size, d_in).uniform_(-k, k)))
                # u in (-1, 1): some units grow, some decay, some alternate in sign
                setattr(self, "weight_hh" + sfx, torch.nn.Parameter(torch.empty(hidden_size).uniform_(-1, 1)))
                setattr(self, "bias_ih" + sfx, torch.nn.Parameter(torch.empty(hidden_size).uniform_(-k, k)))
                setattr(self, "bias_hh" + sfx, torch.nn.Parameter(torch.empty(hidden_size).uniform_(-k, k)))

    def forward(self, x, h0=None):
        b, t, _ = x.shape
        inp, finals = x, []
        for l in range(self.L):
            outs = []
            for d in range(self.dirs):
                sfx = f"_l{l}" + ("_reverse" if d else "")
                w, u = getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)
                bi, bh = getattr(self, "bias_ih" + sfx), getattr(self, "bias_hh" + sfx)
                h = torch.zeros(b, self.H) if h0 is None else h0[l * self.dirs + d]
                steps = [None] * t
                for s in (range(t - 1, -1, -1) if d else range(t)):
                    h = self.phi(inp[:, s] @ w.T + bi + u * h + bh)
                    if self.record is not None:
                        h.retain_grad()
                    steps[s] = h
                if self.record is not None:
                    self.record.append(steps)
                finals.append(h)
                outs.append(torch.stack(steps, dim=1))
            inp = torch.cat(outs, dim=-1)
        return inp, torch.stack(finals)


class LayerNormRNN(torch.nn.Module):
    """A stacked, optionally bidirectional LN-RNN with nn.RNN's calling convention (see IndRNN)."""

    EPS = 1e-5

    def __init__(self, input_size, hidden_size, num_layers, bidirectional, nonlinearity):
        super().__init__()
        self.H, self.L, self.dirs = hidden_size, num_layers, 2 if bidirectional else 1
        self.phi = torch.relu if nonlinearity == "relu" else torch.tanh
        self.record = None
        for l in range(num_layers):
            d_in = input_size if l == 0 else self.dirs * hidden_size
            for d in range(self.dirs):
                sfx = f"_l{l}" + ("_reverse" if d else "")
                k = hidden_size ** -0.5
                setattr(self, "weight_ih" + sfx, torch.nn.Parameter(torch.empty(hidden_size, d_in).uniform_(-k, k)))
                setattr(self, "weight_hh" + sfx, torch.nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-2 * k, 2 * k)))
                setattr(self, "bias_ih" + sfx, torch.nn.Parameter(torch.empty(hidden_size).uniform_(-k, k)))
                setattr(self, "bias_hh" + sfx, torch.nn.Parameter(torch.empty(hidden_size).uniform_(-k, k)))
                # gain and shift away from LayerNorm's 1 and 0, so that their gradients are tested
                setattr(self, "weight_ln" + sfx, torch.nn.Parameter(torch.empty(hidden_size).uniform_(0.5, 1.5)))
                setattr(self, "bias_ln" + sfx, torch.nn.Parameter(torch.empty(hidden_size).uniform_(-0.5, 0.5)))

    def step(self, x, h, sfx):
        p = lambda n: getattr(self, n + sfx)
        a = x @ p("weight_ih").T + p("bias_ih") + h @ p("weight_hh").T + p("bias_hh")
        mu = a.mean(-1, keepdim=True)
        var = ((a - mu) ** 2).mean(-1, keepdim=True)
        y = p("weight_ln") * (a - mu) / torch.sqrt(var + self.EPS) + p("bias_ln")
        ref = torch.nn.functional.layer_norm(a, (self.H,), p("weight_ln"), p("bias_ln"), self.EPS)
        assert torch.allclose(y, ref, rtol=0, atol=1e-12)
        return self.phi(y)

    def forward(self, x, h0=None):
        b, t, _ = x.shape
        inp, finals = x, []
        for l in range(self.L):
            outs = []
            for d in range(self.dirs):
                sfx = f"_l{l}" + ("_reverse" if d else "")
                h = torch.zeros(b, self.H) if h0 is None else h0[l * self.dirs + d]
                steps = [None] * t
                for s in (range(t - 1, -1, -1) if d else range(t)):
                    h = self.step(inp[:, s], h, sfx)
                    if self.record is not None:
                        h.retain_grad()
                    steps[s] = h
                if self.record is not None:
                    self.record.append(steps)
                finals.append(h)
                outs.append(torch.stack(steps, dim=1))
            inp = torch.cat(outs, dim=-1)
        return inp, torch.stack(finals)


def loss_fn(name, y, target):
    if name == "mse": return torch.nn.functional.mse_loss(y, target)
    return torch.nn.functional.cross_entropy(y.reshape(-1, O), target.reshape(-1))


def head_out(head, out, mode):
    y = head(out)
    return y[:, -1] if mode == "last" else y


def chunk_loss(rnn, head, x, target, mode, k, loss_name):
    """PyTorch's recipe; returns the loss, the top layer's h per chunk (an LRU's states) and the outputs."""
    hstate, total, outs, ys = None, 0.0, [], []
    for s in range(0, T, k):
        e = min(s + k, T)
        out, hstate = rnn(x[:, s:e], hstate)
        outs.append(getattr(rnn, "top_states", out).detach())
        ys.append(head(out).detach())
        hstate = hstate.detach()
        if mode == "last" and e < T: continue
        y = head_out(head, out, mode)
        l = loss_fn(loss_name, y, target if mode == "last" else target[:, s:e])
        l.backward()
        total += l.item()
    y = torch.cat(ys, dim=1)
    return total, torch.cat(outs, dim=1), y[:, -1] if mode == "last" else y


def williams_peng_loss(rnn, head, x, target, k1, k2, loss_name):
    ends = list(range(k1, T + 1, k1))
    if ends[-1] != T: ends.append(T)
    prev, total = 0, 0.0
    for e in ends:
        s = max(0, e - k2)
        with torch.no_grad():
            hstate = rnn(x[:, :s])[1] if s > 0 else None
        out, _ = rnn(x[:, s:e], hstate)
        l = loss_fn(loss_name, head(out)[:, prev - s:], target[:, prev:e])
        l.backward()
        total += l.item()
        prev = e
    return total


def fixture(cell, L, bidir, mode, loss_name, trunc, seed):
    torch.manual_seed(seed)
    dirs = 2 if bidir else 1
    if cell == "lru":
        # N = 4 complex units (GradLab's H = 2N); the head reads the top read-outs, dirs * D_{L-1} = dirs^L * D.
        rnn, W = LRU(D, N_LRU, L, bidir), dirs ** L * D
    else:
        module = LayerNormRNN if cell.startswith("lnrnn") else IndRNN
        rnn, W = module(D, H, L, bidir, cell.split("-")[1]), dirs * H
    head = torch.nn.Linear(W, O)
    x = torch.randn(B, T, D, requires_grad=True)
    if loss_name == "mse":
        target = torch.randn(B, O) if mode == "last" else torch.randn(B, T, O)
    else:
        target = torch.randint(0, O, (B,) if mode == "last" else (B, T))
    params = list(rnn.named_parameters()) + [("head." + n, p) for n, p in head.named_parameters()]
    unit_grads = None
    if trunc is None:
        rnn.record = []
        out, _ = rnn(x)
        loss = loss_fn(loss_name, head_out(head, out, mode), target)
        loss.backward()
        loss_value = loss.item()
        unit_grads = [torch.stack([h.grad for h in steps], dim=1).flatten().tolist() for steps in rnn.record]
        rnn.record = None
        trunc_desc = {"kind": "none"}
    elif trunc[0] == "chunks":
        loss_value, chunked_out, chunked_y = chunk_loss(rnn, head, x, target, mode, trunc[1], loss_name)
        trunc_desc = {"kind": "chunks", "k": trunc[1]}
    else:
        loss_value = williams_peng_loss(rnn, head, x, target, trunc[1], trunc[2], loss_name)
        trunc_desc = {"kind": "williams-peng", "k1": trunc[1], "k2": trunc[2]}
    with torch.no_grad():
        out, _ = rnn(x)
        y = head_out(head, out, mode)
        # what GradLab calls the top layer's h: its outputs, or an LRU's states [Re h; Im h] (fwd, bwd)
        hidden = rnn.top_states if cell == "lru" else out
        if trunc is not None and trunc[0] == "chunks":
            y, hidden = chunked_y, chunked_out
    f = {
        "cell": cell, "layers": L, "bidirectional": bidir, "outputs": mode, "loss_name": loss_name,
        "truncation": trunc_desc, "B": B, "T": T, "D": D, "H": 2 * N_LRU if cell == "lru" else H, "O": O,
        "order": [n for n, _ in params],
        "parameters": {n: {"shape": list(p.shape), "data": p.detach().flatten().tolist()} for n, p in params},
        "inputs": x.detach().flatten().tolist(),
        "targets": [float(v) for v in target.flatten().tolist()],
        "loss": loss_value,
        "outputs_value": y.flatten().tolist(),
        "hidden": hidden.flatten().tolist(),
        "grads": {n: p.grad.flatten().tolist() for n, p in params},
        "input_grad": x.grad.flatten().tolist(),
    }
    if unit_grads is not None: f["unit_hidden_grads"] = unit_grads
    return f


def state_dict_file():
    """A hand-written IndRNN (2 layers, relu) + Linear head saved as a bare safetensors state dict
    (no metadata): GradLab must infer the cell from weight_hh_l0's 1-D shape."""
    from safetensors.torch import save_file
    torch.manual_seed(321)
    rnn = IndRNN(3, 4, 2, False, "relu")
    head = torch.nn.Linear(4, 2)
    sd = {k: v.detach().contiguous() for k, v in rnn.state_dict().items()}
    sd.update({"head." + k: v.detach().contiguous() for k, v in head.state_dict().items()})
    save_file(sd, os.path.join(OUT, "statedict-indrnn-L2.safetensors"))


N_LRU = 4


class LRU(torch.nn.Module):
    """A stacked, optionally bidirectional LRU with nn.RNN's calling convention:
    forward(x (B, T, D), s0 (L*dirs, B, 2N) or None) -> (out (B, T, dirs*D_{L-1}), s_n (L*dirs, B, 2N)).

    Layer l reads D_l values: D_0 = D, D_l = dirs*D_{l-1}, the read-outs y_t = Re(C h_t) + D * x_t of
    layer l-1 concatenated [fwd; bwd] (the state is not what the next layer reads). After a forward,
    `top_states` (B, T, dirs*2N) holds the top layer's real states [Re h; Im h] (fwd, then bwd)."""

    def __init__(self, d, n, num_layers, bidirectional, r_min=0.5, r_max=0.99, max_phase=torch.pi):
        super().__init__()
        self.N, self.L, self.dirs, self.record = n, num_layers, 2 if bidirectional else 1, None
        P = torch.nn.Parameter
        d_l = d
        for l in range(num_layers):
            for r in range(self.dirs):
                sfx = f"_l{l}" + ("_reverse" if r else "")
                u1, u2 = torch.rand(n), torch.rand(n)
                nu_log = torch.log(-0.5 * torch.log(u1 * (r_max ** 2 - r_min ** 2) + r_min ** 2))
                theta_log = torch.log(max_phase * u2)
                lam = torch.exp(-torch.exp(nu_log) + 1j * torch.exp(theta_log))
                setattr(self, "nu_log" + sfx, P(nu_log))
                setattr(self, "theta_log" + sfx, P(theta_log))
                setattr(self, "gamma_log" + sfx, P(torch.log(torch.sqrt(1 - torch.abs(lam) ** 2))))
                setattr(self, "B_re" + sfx, P(torch.randn(n, d_l) / (2 * d_l) ** 0.5))
                setattr(self, "B_im" + sfx, P(torch.randn(n, d_l) / (2 * d_l) ** 0.5))
                setattr(self, "C_re" + sfx, P(torch.randn(d_l, n) / n ** 0.5))
                setattr(self, "C_im" + sfx, P(torch.randn(d_l, n) / n ** 0.5))
                setattr(self, "D" + sfx, P(torch.randn(d_l)))
            d_l = self.dirs * d_l

    def forward(self, x, s0=None):
        b, t, _ = x.shape
        n = self.N
        inp, finals = x, []
        for l in range(self.L):
            outs, tops = [], []
            for r in range(self.dirs):
                p = lambda name: getattr(self, name + f"_l{l}" + ("_reverse" if r else ""))
                lam = torch.exp(-torch.exp(p("nu_log")) + 1j * torch.exp(p("theta_log")))
                bn = torch.complex(p("B_re"), p("B_im")) * torch.exp(p("gamma_log"))[:, None]
                c = torch.complex(p("C_re"), p("C_im"))
                s = torch.zeros(b, 2 * n) if s0 is None else s0[l * self.dirs + r]
                ys, states = [None] * t, [None] * t
                for k in (range(t - 1, -1, -1) if r else range(t)):
                    h = torch.complex(s[:, :n], s[:, n:])
                    h = lam * h + inp[:, k].to(torch.complex128) @ bn.T
                    s = torch.cat([h.real, h.imag], dim=-1)
                    if self.record is not None:
                        s.retain_grad()
                    states[k] = s
                    h = torch.complex(s[:, :n], s[:, n:])  # y_t reads s_t, so s_t.grad is the total dL/ds_t
                    ys[k] = (h @ c.T).real + p("D") * inp[:, k]
                if self.record is not None:
                    self.record.append(states)
                finals.append(s)
                outs.append(torch.stack(ys, dim=1))
                tops.append(torch.stack(states, dim=1))
            inp = torch.cat(outs, dim=-1)
        self.top_states = torch.cat(tops, dim=-1)
        return inp, torch.stack(finals)


def lru_state_dict_file():
    """A single LRU module + Linear head saved as a bare safetensors state dict with the reference
    implementations' bare names (nu_log, ..., D; no _l0, no metadata)."""
    from safetensors.torch import save_file
    torch.manual_seed(654)
    rnn = LRU(3, 4, 1, False, 0.9, 0.999, torch.pi / 10)
    head = torch.nn.Linear(3, 2)
    sd = {k[:-3]: v.detach().contiguous() for k, v in rnn.state_dict().items()}
    sd.update({"head." + k: v.detach().contiguous() for k, v in head.state_dict().items()})
    save_file(sd, os.path.join(OUT, "statedict-lru.safetensors"))


def lru_files():
    """A whole model (an LRU module `lru`, 2 bidirectional layers, and a Linear `fc` on the 2 * 6 top
    read-outs) saved as a safetensors state dict (no metadata: the cell is inferred from nu_log_l0) and as a
    torch.save'd .pt dict, with the expected outputs on a fixed input."""
    from safetensors.torch import save_file
    torch.manual_seed(655)
    rnn = LRU(3, 4, 2, True, 0.9, 0.999, torch.pi / 10)
    fc = torch.nn.Linear(12, 2)
    sd = {"lru." + k: v.detach().contiguous() for k, v in rnn.state_dict().items()}
    sd.update({"fc." + k: v.detach().contiguous() for k, v in fc.state_dict().items()})
    save_file(sd, os.path.join(OUT, "statedict-lru-L2-bi.safetensors"))
    torch.save(sd, os.path.join(OUT, "statedict-lru-L2-bi.pt"))
    x = torch.linspace(-1, 1, 15).reshape(1, 5, 3)
    with torch.no_grad():
        y = fc(rnn(x)[0])
    with open(os.path.join(OUT, "statedict-lru-L2-bi-outputs.json"), "w") as fh:
        json.dump({"inputs": x.flatten().tolist(), "outputs": y.flatten().tolist()}, fh)
    import numpy as np
    np.save(os.path.join(OUT, "statedict-lru-L2-bi-input.npy"), x[0].numpy())  # (T, D) = (5, 3) for `gradlab trace`


def lnrnn_files():
    """A whole model (an LN-RNN module `rnn`, 2 layers, tanh, and a Linear `fc`) saved as a safetensors
    state dict (no metadata: the cell is inferred from weight_ln_l0) and as a torch.save'd .pt dict."""
    from safetensors.torch import save_file
    torch.manual_seed(654)
    rnn = LayerNormRNN(3, 4, 2, False, "tanh")
    fc = torch.nn.Linear(4, 2)
    sd = {"rnn." + k: v.detach().contiguous() for k, v in rnn.state_dict().items()}
    sd.update({"fc." + k: v.detach().contiguous() for k, v in fc.state_dict().items()})
    save_file(sd, os.path.join(OUT, "statedict-lnrnn-L2.safetensors"))
    torch.save(sd, os.path.join(OUT, "statedict-lnrnn-L2.pt"))
    # the expected outputs of the file's model on a fixed input (x: (B=1, T=5, D=3))
    x = torch.linspace(-1, 1, 15).reshape(1, 5, 3)
    with torch.no_grad():
        y = fc(rnn(x)[0])
    with open(os.path.join(OUT, "statedict-lnrnn-L2-outputs.json"), "w") as fh:
        json.dump({"inputs": x.flatten().tolist(), "outputs": y.flatten().tolist()}, fh)


def main(cells):
    """The fixtures of `cells`: seeds 101-116 (IndRNN), 201-216 (LN-RNN), 117-128 (LRU)."""
    os.makedirs(OUT, exist_ok=True)
    seed, cases = {"indrnn": 100, "lnrnn": 200, "lru": 116}[cells[0].split("-")[0]], []
    for cell in cells:
        cases += [(cell, 1, False, "all", "mse", None), (cell, 1, False, "last", "ce", None),
                  (cell, 1, False, "all", "mse", ("chunks", 3)), (cell, 1, False, "all", "mse", ("wp", 2, 3)),
                  (cell, 2, False, "all", "mse", None), (cell, 2, True, "all", "mse", None),
                  (cell, 2, True, "all", "mse", ("chunks", 3)), (cell, 3, False, "all", "mse", ("wp", 3, 4))]
        if cell == "lru":
            # bidirectional single layers, a three-layer many-to-one, chunks through two layers
            cases += [(cell, 1, True, "all", "mse", None), (cell, 1, True, "last", "ce", ("chunks", 3)),
                      (cell, 3, False, "last", "ce", None), (cell, 2, False, "all", "mse", ("chunks", 3))]
    for cell, L, bidir, mode, loss_name, trunc in cases:
        seed += 1
        f = fixture(cell, L, bidir, mode, loss_name, trunc, seed)
        tname = "full" if trunc is None else ("chunks%d" % trunc[1] if trunc[0] == "chunks" else "wp%d-%d" % trunc[1:])
        name = f"{cell}-L{L}-{'bi' if bidir else 'uni'}-{mode}-{loss_name}-{tname}.json"
        with open(os.path.join(OUT, name), "w") as fh:
            json.dump(f, fh)
        print(name, f["loss"])
    if cells[0].startswith("indrnn"):
        state_dict_file()
    elif cells[0] == "lru":
        lru_state_dict_file()
        lru_files()
    else:
        lnrnn_files()


if __name__ == "__main__":
    # python3 scripts/make_cell_fixtures.py [indrnn|lnrnn|lru]  (all three when omitted)
    import sys
    which = sys.argv[1:] or ["indrnn", "lnrnn", "lru"]
    if "indrnn" in which: main(["indrnn-relu", "indrnn-tanh"])
    if "lnrnn" in which: main(["lnrnn-tanh", "lnrnn-relu"])
    if "lru" in which: main(["lru"])
