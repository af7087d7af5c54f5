#!/usr/bin/env python3
"""Independent Lyapunov spectra of stacked models (Tests/Fixtures/Lyapunov), for GradLab's ModelLyapunov.

Every fixture holds a model's state dict (PyTorch names), the run's input sequence x_1 … x_n (n =
transient + steps), every unit's s_0 (k = layer·dirs + dir; [h; c] for LSTM), and the full spectrum of
each direction's stack computed here without GradLab: its own forward pass, its own one-step
Jacobians, its own Benettin loop (Q_0 = I, Y = J·Q, numpy.linalg.qr every step, log|r_ii| summed
after the transient, divided by the measured steps, sorted descending).

- rnn-tanh-L2: the Jacobian of the 2-layer tanh stack in closed form, NumPy only:
      J[0,0] = diag(1 − h0²) W_hh0,  J[1,1] = diag(1 − h1²) W_hh1,  J[1,0] = diag(1 − h1²) W_ih1 J[0,0]
- lstm-L2, gru-L2-bi: the stacked step written in torch float64 ops (own gate equations, PyTorch
  gate order) and its Jacobian by torch.autograd.functional.jacobian; QR in NumPy.
  Bidirectional: the forward units' stack, and the backward units' stack over the reversed inputs;
  above layer 0 each reads the other direction's outputs from one full forward pass, held fixed.

`round_off_sensitivity`: per exponent, the largest change when every J_t is multiplied entry-wise by
(1 + 1e-15·N(0, 1)) (two probes): the agreement any implementation can reach (the test allows 1e-8 plus
10× this; it is ~1e-10 for the tanh stack, ~3e-7 for the last pair of the GRU's forward stack).
Also `mean_log_abs_det`: (1/steps)·Σ_t Σ_ℓ ln|det J_t^ℓℓ| over the measured steps (the block-triangular
identity Σλ = mean ln|det J|), per direction.
Run: python3 scripts/make_lyapunov_fixtures.py  (numpy, torch 2.x CPU).
"""
import json, os
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "Lyapunov")
G = {"rnn-tanh": 1, "lstm": 4, "gru": 3}


def weights(rng, cell, layers, dirs, d, h, gain):
    p = {}
    g = G[cell]
    for l in range(layers):
        for r in range(dirs):
            sfx = f"_l{l}" + ("_reverse" if r else "")
            din = d if l == 0 else dirs * h
            p["weight_ih" + sfx] = rng.normal(0, 1 / np.sqrt(din), (g * h, din))
            p["weight_hh" + sfx] = rng.normal(0, gain / np.sqrt(h), (g * h, h))
            p["bias_ih" + sfx] = rng.normal(0, 0.1, g * h)
            p["bias_hh" + sfx] = rng.normal(0, 0.1, g * h)
    return p


def cell_step(cell, p, sfx, s, x, h):
    """One step of one unit in torch ops: s is h (rnn, gru) or [h; c] (lstm)."""
    wih, whh = torch.tensor(p["weight_ih" + sfx]), torch.tensor(p["weight_hh" + sfx])
    bih, bhh = torch.tensor(p["bias_ih" + sfx]), torch.tensor(p["bias_hh" + sfx])
    hp = s[:h]
    zx, zh = wih @ x + bih, whh @ hp + bhh
    if cell == "rnn-tanh":
        return torch.tanh(zx + zh)
    if cell == "lstm":
        z = zx + zh
        i, f, gg, o = torch.sigmoid(z[:h]), torch.sigmoid(z[h:2 * h]), torch.tanh(z[2 * h:3 * h]), torch.sigmoid(z[3 * h:])
        c = f * s[h:] + i * gg
        return torch.cat([o * torch.tanh(c), c])
    r = torch.sigmoid(zx[:h] + zh[:h])
    z = torch.sigmoid(zx[h:2 * h] + zh[h:2 * h])
    n = torch.tanh(zx[2 * h:] + r * zh[2 * h:])
    return (1 - z) * n + z * hp


def stack_step(cell, p, layers, dirs, rev, s, xin, d, h, ss):
    """The direction's stacked step: xin = [x (D); companions (H per layer ≥ 1)]."""
    sfx = lambda l: f"_l{l}" + ("_reverse" if rev else "")
    out = []
    below = None
    for l in range(layers):
        if l == 0:
            inp = xin[:d]
        elif dirs == 1:
            inp = below
        else:
            comp = xin[d + (l - 1) * h: d + l * h]
            inp = torch.cat([comp, below]) if rev else torch.cat([below, comp])
        new = cell_step(cell, p, sfx(l), s[l * ss:(l + 1) * ss], inp, h)
        out.append(new)
        below = new[:h]
    return torch.cat(out)


def benettin(step, jac, s0, drive, transient, steps, ss, layers, noise=0.0, seed=0):
    """Benettin's QR on the direction's stack; `noise` > 0 multiplies every Jacobian entry by
    (1 + noise·N(0, 1)) (the conditioning probe below)."""
    g = np.random.default_rng(seed)
    n = s0.shape[0]
    q = np.eye(n)
    sums = np.zeros(n)
    logdet = 0.0
    s = s0.copy()
    for t in range(transient + steps):
        j = jac(s, drive[t])
        if noise > 0:
            j = j * (1 + noise * g.normal(size=j.shape))
        s = step(s, drive[t])
        q, r = np.linalg.qr(j @ q)
        if t >= transient:
            sums += np.log(np.abs(np.diag(r)))
            logdet += sum(np.linalg.slogdet(j[l * ss:(l + 1) * ss, l * ss:(l + 1) * ss])[1] for l in range(layers))
    return sorted((sums / steps).tolist(), reverse=True), logdet / steps


def tanh_closed_form(p, d, h):
    """Step and Jacobian of the 2-layer tanh stack in NumPy."""
    w = lambda n: p[n]

    def step(s, x):
        h0 = np.tanh(w("weight_ih_l0") @ x + w("bias_ih_l0") + w("weight_hh_l0") @ s[:h] + w("bias_hh_l0"))
        h1 = np.tanh(w("weight_ih_l1") @ h0 + w("bias_ih_l1") + w("weight_hh_l1") @ s[h:] + w("bias_hh_l1"))
        return np.concatenate([h0, h1])

    def jac(s, x):
        n = step(s, x)
        d0, d1 = 1 - n[:h] ** 2, 1 - n[h:] ** 2
        j = np.zeros((2 * h, 2 * h))
        j[:h, :h] = d0[:, None] * w("weight_hh_l0")
        j[h:, h:] = d1[:, None] * w("weight_hh_l1")
        j[h:, :h] = (d1[:, None] * w("weight_ih_l1")) @ j[:h, :h]
        return j
    return step, jac


def make(name, cell, layers, bidir, d, h, gain, transient, steps, seed, closed_form=False):
    rng = np.random.default_rng(seed)
    dirs = 2 if bidir else 1
    ss = 2 * h if cell == "lstm" else h
    p = weights(rng, cell, layers, dirs, d, h, gain)
    n_run = transient + steps
    x = rng.normal(0, 0.5, (n_run, d))
    starts = []
    for _ in range(layers * dirs):
        s = np.zeros(ss)
        s[:h] = rng.normal(0, 1, h)
        starts.append(s)
    # One full forward pass (all units, time order) for the companions of a bidirectional model.
    outputs = {}
    inp = x
    for l in range(layers):
        nxt = np.zeros((n_run, dirs * h))
        for r in range(dirs):
            sfx = f"_l{l}" + ("_reverse" if r else "")
            s = torch.tensor(starts[l * dirs + r])
            order = range(n_run - 1, -1, -1) if r else range(n_run)
            hs = np.zeros((n_run, h))
            for t in order:
                s = cell_step(cell, p, sfx, s, torch.tensor(inp[t]), h)
                hs[t] = s[:h].numpy()
            outputs[(l, r)] = hs
            nxt[:, r * h:(r + 1) * h] = hs
        inp = nxt
    result = {"name": name, "cell": cell, "layers": layers, "bidirectional": bidir, "input_size": d, "hidden_size": h,
              "transient": transient, "steps": steps,
              "parameters": {k: {"shape": list(v.shape), "data": v.ravel().tolist()} for k, v in p.items()},
              "inputs": x.tolist(), "initial_states": [s.tolist() for s in starts], "directions": []}
    for r in range(dirs):
        drive = np.zeros((n_run, d + (layers - 1) * h if dirs == 2 else d))
        for tau in range(n_run):
            t = n_run - 1 - tau if r else tau
            drive[tau, :d] = x[t]
            if dirs == 2:
                for l in range(layers - 1):
                    drive[tau, d + l * h: d + (l + 1) * h] = outputs[(l, 1 - r)][t]
        s0 = np.concatenate([starts[l * dirs + r] for l in range(layers)])
        if closed_form:
            step, jac = tanh_closed_form(p, d, h)
        else:
            f = lambda s, xi: stack_step(cell, p, layers, dirs, r == 1, s, xi, d, h, ss)
            step = lambda s, xi: f(torch.tensor(s), torch.tensor(xi)).numpy()
            jac = lambda s, xi: torch.autograd.functional.jacobian(lambda v: f(v, torch.tensor(xi)), torch.tensor(s)).numpy()
        exps, logdet = benettin(step, jac, s0, drive, transient, steps, ss, layers)
        # Conditioning: how far each finite-time exponent moves when every J_t is perturbed by relative
        # round-off (1e-15). A pair of adjacent directions that nearly trade places at some step splits
        # its sum ill-conditioned; no implementation can agree beyond this.
        probes = [benettin(step, jac, s0, drive, transient, steps, ss, layers, noise=1e-15, seed=k)[0] for k in (1, 2)]
        sensitivity = np.max(np.abs(np.array(probes) - np.array(exps)), axis=0).tolist()
        result["directions"].append({"direction": "reverse" if r else "forward", "exponents": exps,
                                     "mean_log_abs_det": logdet, "round_off_sensitivity": sensitivity})
        print(f"{name} {'reverse' if r else 'forward'}: λ = {np.round(exps[:4], 4)} …, Σλ − mean ln|det J| = {sum(exps) - logdet:.2e}, "
              f"round-off sensitivity ≤ {max(sensitivity):.1e}")
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".json"), "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    make("rnn-tanh-L2", "rnn-tanh", 2, False, 3, 8, 1.8, 50, 300, seed=1, closed_form=True)
    make("lstm-L2", "lstm", 2, False, 3, 5, 1.5, 30, 200, seed=2)
    make("gru-L2-bi", "gru", 2, True, 3, 4, 1.5, 30, 200, seed=3)
