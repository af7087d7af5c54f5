#!/usr/bin/env python3
"""Writes the PyTorch-checkpoint fixtures of the TensorIO tests (Tests/Fixtures/TensorIO/torch).

Every `<name>.pt` written by torch.save has a `<name>.safetensors` beside it holding the same tensors
(contiguous copies; float16/bfloat16 widened exactly to float64, bool as uint8, since GradLab's
safetensors reader has neither), so the Swift tests compare the two bit for bit without torch.
The `hostile_*.pt` files are built from raw pickle bytes (no torch needed for those) and must be refused
with a clear message; `hostile_os_system.pt` would create MARKER if it were ever executed.

Run:  pip install "torch==2.13.0+cpu" safetensors   (the CPU wheel), then
      python3 scripts/make_torch_fixtures.py
"""
import io
import os
import pickle
import shutil
import struct
import zipfile

import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "TensorIO", "torch")
MARKER = "/tmp/gradlab-torch-fixture-executed"
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)


def path(name):
    return os.path.join(OUT, name)


def export(name, tensors):
    """torch.save(tensors) to name.pt and the same values to name.safetensors (contiguous copies)."""
    torch.save(tensors, path(name + ".pt"))
    flat = tensors["model"] if "model" in tensors else tensors
    plain = {}
    for k, v in flat.items():
        v = v.detach().contiguous().clone()
        if v.dtype in (torch.float16, torch.bfloat16):
            v = v.to(torch.float64)  # exact widening
        elif v.dtype == torch.bool:
            v = v.to(torch.uint8)
        plain[k] = v
    save_file(plain, path(name + ".safetensors"))
    os.chmod(path(name + ".safetensors"), 0o644)
    back = torch.load(path(name + ".pt"), weights_only=True)
    assert list(back) == list(tensors)


torch.manual_seed(20261202)
export("rnn_tanh", torch.nn.RNN(3, 4, nonlinearity="tanh").state_dict())
export("rnn_relu_f64", torch.nn.RNN(3, 4, nonlinearity="relu").double().state_dict())
export("lstm2", torch.nn.LSTM(3, 4, num_layers=2).state_dict())
export("gru_bi_f64", torch.nn.GRU(3, 4, bidirectional=True).double().state_dict())
export("gru_f16", torch.nn.GRU(2, 3).half().state_dict())
export("rnn_bf16", torch.nn.RNN(2, 3).bfloat16().state_dict())


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(10, 3)
        self.rnn = torch.nn.LSTM(3, 4, batch_first=True)
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.rnn(self.embedding(x))[0])


model = Model()
export("model", model.state_dict())

# A checkpoint dict after one Adam step: the optimizer state holds tensors, ints, floats, bools, None,
# tuples and lists; only "model" is a dict of tensors.
opt = torch.optim.Adam(model.parameters(), lr=0.01)
model(torch.tensor([[1, 2, 3]])).sum().backward()
opt.step()
checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
              "note": "lr 0.01", "losses": [1.5, 0.75], "big": 2**70}
export("checkpoint", checkpoint)
torch.save({"model": model.state_dict(), "ema": model.state_dict(), "epoch": 3}, path("ambiguous.pt"))

# Views saved as they are: a transposed matrix, a strided slice with a storage offset, a broadcast
# (stride 0), int64 beyond 2^53 and a bool mask; and two tensors sharing one storage.
base = torch.arange(24, dtype=torch.float64).reshape(4, 6) / 7 - 1
export("views", {
    "transposed": base.t(),
    "slice": base[1:, ::2],
    "broadcast": torch.tensor([0.5, -1.25, 3.0]).expand(2, 3),
    "steps": torch.tensor([2**60 + 1, -(2**60) - 3], dtype=torch.int64),
    "mask": torch.tensor([True, False, True]),
})
assert not torch.load(path("views.pt"))["transposed"].is_contiguous()
shared = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 3
export("shared", {"whole": shared, "rows": shared[1:], "column": shared[:, 2]})
torch.save({"p": torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))}, path("parameter.pt"))
torch.save(torch.nn.RNN(2, 2).state_dict(), path("legacy.pt"), _use_new_zipfile_serialization=False)
data = open(path("rnn_tanh.pt"), "rb").read()
open(path("truncated.pt"), "wb").write(data[: len(data) // 2])


# Hostile files: raw protocol-2 pickles in a torch.save-shaped zip.
def pstr(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def pint(i):
    if 0 <= i < 2**31:
        return b"J" + struct.pack("<i", i)
    b = pickle.encode_long(i)
    return b"\x8a" + bytes([len(b)]) + b


def ptuple(items):
    return b"(" + b"".join(items) + b"t"


def ptensor(key, numel, offset, size, stride, storage="FloatStorage"):
    pid = ptuple([pstr("storage"), b"ctorch\n" + storage.encode() + b"\n", pstr(key), pstr("cpu"), pint(numel)])
    return (b"ctorch._utils\n_rebuild_tensor_v2\n(" + pid + b"Q" + pint(offset)
            + ptuple(map(pint, size)) + ptuple(map(pint, stride))
            + b"\x89ccollections\nOrderedDict\n)Rt" + b"R")


def pstate_dict(entries):
    body = b"".join(pstr(name) + t for name, t in entries)
    return b"\x80\x02ccollections\nOrderedDict\n)R(" + body + b"u."


def write_zip(name, pickle_bytes, storages):
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/byteorder", "little")
        for key, raw in storages.items():
            z.writestr("archive/data/" + key, raw)
        z.writestr("archive/version", "3\n")


four = struct.pack("<4f", 1.0, 2.0, 3.0, 4.0)
# The builder is checked on a good file first: torch.load (weights_only) must read it.
write_zip("handmade.pt", pstate_dict([("w", ptensor("0", 4, 1, [3], [1]))]), {"0": four})
assert torch.load(path("handmade.pt"), weights_only=True)["w"].tolist() == [2.0, 3.0, 4.0]

command = pstr("touch " + MARKER)
write_zip("hostile_os_system.pt", b"\x80\x02cos\nsystem\n" + command + b"\x85R.", {})
write_zip("hostile_eval.pt", b"\x80\x02cbuiltins\neval\n" + pstr(f"__import__('os').system('touch {MARKER}')") + b"\x85R.", {})
write_zip("hostile_stack_global.pt", b"\x80\x04\x8c\x02os\x8c\x06system\x93" + command + b"\x85R.", {})
write_zip("hostile_inst.pt", b"\x80\x02(" + command + b"ios\nsystem\n.", {})
write_zip("hostile_opcode.pt", b"\x80\x02\xff.", {})
write_zip("hostile_offset.pt", pstate_dict([("w", ptensor("0", 4, 10, [2], [1]))]), {"0": four})
write_zip("hostile_huge.pt", pstate_dict([("w", ptensor("0", 4, 0, [2**62], [1]))]), {"0": four})
write_zip("hostile_overflow.pt", pstate_dict([("w", ptensor("0", 4, 0, [2**62, 2**62], [1, 1]))]), {"0": four})
write_zip("hostile_expand.pt", pstate_dict([("w", ptensor("0", 4, 0, [2**20, 2**20], [0, 0]))]), {"0": four})
write_zip("hostile_missing.pt", pstate_dict([("w", ptensor("7", 4, 0, [4], [1]))]), {"0": four})
write_zip("hostile_ragged.pt", pstate_dict([("w", ptensor("0", 4, 0, [3], [1]))]), {"0": four[:13]})
write_zip("hostile_numel.pt", pstate_dict([("w", ptensor("0", 9, 0, [3], [1]))]), {"0": four})
assert not os.path.exists(MARKER)

print("wrote", sorted(os.listdir(OUT)))
