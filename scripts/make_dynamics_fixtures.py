"""Fixtures for the dynamics tests (docs/dynamics.md), Float64, seeded.

1. flipflop-rnn.safetensors: a 16-unit tanh nn.RNN with a Linear(16, 3) head trained with Adam on the
   3-bit flip-flop exactly as Sources/Training/Tasks/FlipFlop.swift defines it (every channel pulses
   ±1 at step 0, afterwards with probability 0.05 per step; target = sign of the last pulse), T = 32.
   `gradlab fixed-points --model` must find its 8 stable attractors, one per corner of {±1}³.
2. lstm-closed-forget.safetensors: a PyTorch nn.LSTM(2, 8) + Linear(8, 1) whose forget-gate biases
   are −6 (b_ih and b_hh each −3): f = σ(≈ −6) ≈ 0.0025, the forget gate is closed and saturated,
   for `gradlab diagnose` (forward pathologies).

Run: python3 scripts/make_dynamics_fixtures.py  (writes Tests/Fixtures/Dynamics/).
"""
import os
import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "Dynamics")
torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)


def flipflop_batch(g, batch, steps, p=0.05):
    x = torch.zeros(batch, steps, 3)
    y = torch.zeros(batch, steps, 3)
    state = torch.zeros(batch, 3)
    for t in range(steps):
        pulse = torch.ones(batch, 3, dtype=torch.bool) if t == 0 else torch.rand(batch, 3, generator=g) < p
        sign = torch.where(torch.rand(batch, 3, generator=g) < 0.5, -1.0, 1.0)
        x[:, t] = torch.where(pulse, sign, 0.0)
        state = torch.where(pulse, sign, state)
        y[:, t] = state
    return x, y


def flipflop():
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    rnn = torch.nn.RNN(3, 16, batch_first=True)
    head = torch.nn.Linear(16, 3)
    opt = torch.optim.Adam(list(rnn.parameters()) + list(head.parameters()), lr=0.01)
    for it in range(600):
        x, y = flipflop_batch(g, 32, 32)
        out, _ = rnn(x)
        loss = ((head(out) - y) ** 2).sum(-1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        x, y = flipflop_batch(g, 500, 64)
        out, _ = rnn(x)
        err = ((head(out) - y).abs() >= 0.5).any(-1).any(-1).double().mean().item()
        held = ((head(out) - y) ** 2).sum(-1).mean().item()
    print(f"flip-flop: training loss {loss.item():.4g}, held-out loss {held:.4g}, wrong sequences {err:.3f}")
    tensors = {k: v.detach().contiguous() for k, v in rnn.state_dict().items()}
    tensors["head.weight"] = head.weight.detach().contiguous()
    tensors["head.bias"] = head.bias.detach().contiguous()
    save_file(tensors, os.path.join(OUT, "flipflop-rnn.safetensors"), metadata={"cell": "rnn", "activation": "tanh"})


def closed_forget_lstm():
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(2, 8)
    head = torch.nn.Linear(8, 1)
    with torch.no_grad():
        lstm.bias_ih_l0[8:16] = -3.0
        lstm.bias_hh_l0[8:16] = -3.0
    tensors = {k: v.detach().contiguous() for k, v in lstm.state_dict().items()}
    tensors["head.weight"] = head.weight.detach().contiguous()
    tensors["head.bias"] = head.bias.detach().contiguous()
    save_file(tensors, os.path.join(OUT, "lstm-closed-forget.safetensors"), metadata={"cell": "lstm"})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    closed_forget_lstm()
    flipflop()
