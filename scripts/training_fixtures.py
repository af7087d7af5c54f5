#!/usr/bin/env python3
"""Regenerates Tests/Fixtures/Training/*.json from PyTorch (float64).

optimizers.json: for each optimizer configuration, the initial parameters (two tensors: a 3x2
weight and a 3x1 bias), three steps of gradients, and the parameters after each step.
clipping.json: clip_grad_norm_ and clip_grad_value_ results for a few gradient lists.
schedules.json: learning rates of StepLR and CosineAnnealingLR for 12 steps.
Run: python3 scripts/training_fixtures.py   (needs torch; tests never do)
"""
import json, math, os
import torch

torch.set_default_dtype(torch.float64)
out_dir = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "Training")
os.makedirs(out_dir, exist_ok=True)
g = torch.Generator().manual_seed(20131)
shapes = [(3, 2), (3, 1)]
init = [torch.randn(s, generator=g) for s in shapes]
grads = [[torch.randn(s, generator=g) * (0.5 + k) for s in shapes] for k in range(3)]

configs = [
    ("sgd", torch.optim.SGD, dict(lr=0.1)),
    ("sgd-momentum", torch.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("sgd-nesterov", torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("rmsprop", torch.optim.RMSprop, dict()),
    ("rmsprop-centered-momentum", torch.optim.RMSprop,
     dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.5, centered=True)),
    ("adam", torch.optim.Adam, dict()),
    ("adam-amsgrad", torch.optim.Adam,
     dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.01, amsgrad=True)),
]
mats = lambda ts: [t.tolist() for t in ts]
cases = []
for name, cls, kw in configs:
    params = [t.clone().requires_grad_(True) for t in init]
    opt = cls(params, **kw)
    after = []
    for step in grads:
        for p, gr in zip(params, step):
            p.grad = gr.clone()
        opt.step()
        after.append(mats([p.detach() for p in params]))
    cases.append(dict(name=name, options={k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()},
                      after=after))
json.dump(dict(torch=torch.__version__, initial=mats(init), gradients=[mats(s) for s in grads],
               cases=cases), open(os.path.join(out_dir, "optimizers.json"), "w"), indent=1)

clip_cases = []
def clip_case(name, tensors, max_norm=None, clip_value=None):
    ps = [torch.zeros_like(torch.tensor(t), requires_grad=True) for t in tensors]
    for p, t in zip(ps, tensors):
        p.grad = torch.tensor(t)
    entry = dict(name=name, gradients=[p.grad.tolist() for p in ps])
    if max_norm is not None:
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
        entry.update(max_norm=max_norm, total=float(total))
    else:
        torch.nn.utils.clip_grad_value_(ps, clip_value)
        entry.update(clip_value=clip_value)
    entry["clipped"] = [p.grad.tolist() for p in ps]
    clip_cases.append(entry)
clip_case("norm-above", [[[3.0, 0.0], [0.0, 0.0]], [[4.0], [0.0]]], max_norm=1.0)
clip_case("norm-below", [[[0.3, 0.1], [0.0, -0.2]], [[0.1], [0.0]]], max_norm=1.0)
clip_case("norm-random", [init[0].tolist(), init[1].tolist()], max_norm=0.5)
clip_case("value", [[[3.0, -0.2], [0.05, -7.0]], [[0.5], [-0.5]]], clip_value=0.4)
json.dump(dict(torch=torch.__version__, cases=clip_cases),
          open(os.path.join(out_dir, "clipping.json"), "w"), indent=1)

def rates(make):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.5)
    sched = make(opt)
    lrs = []
    for _ in range(12):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step(); sched.step()
    return lrs
json.dump(dict(torch=torch.__version__, base=0.5,
               step=dict(every=3, gamma=0.5, rates=rates(lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5))),
               cosine=dict(period=10, minimum=0.01,
                           rates=rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 10, 0.01)))),
          open(os.path.join(out_dir, "schedules.json"), "w"), indent=1)
print("wrote", out_dir)
