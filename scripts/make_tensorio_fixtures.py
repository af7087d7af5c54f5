#!/usr/bin/env python3
"""Writes the TensorIO test fixtures (Tests/Fixtures/TensorIO) with NumPy and the `safetensors` package.

Values follow closed forms the Swift tests recompute independently:
  float:  v[k] = (k - 3) / 7            (k = flat C-order index; float32 files round that to float32)
  int64:  v[k] = (-1)**k * (2**60 + k)  (beyond 2**53, so exactness is tested)
  int32:  v[k] = k - 2
  uint8:  v[k] = 50 * k
Run:  python3 scripts/make_tensorio_fixtures.py   (numpy; pip install safetensors)
"""
import os
import numpy as np
import numpy.lib.format as fmt
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "TensorIO")
os.makedirs(OUT, exist_ok=True)


def floats(shape, dtype=np.float64):
    n = int(np.prod(shape))
    return ((np.arange(n, dtype=np.float64) - 3) / 7).astype(dtype).reshape(shape)


def int64s(shape):
    k = np.arange(int(np.prod(shape)), dtype=np.int64)
    return (np.where(k % 2 == 0, 1, -1) * (2**60 + k)).astype(np.int64).reshape(shape)


def write_npy(name, array, version):
    with open(os.path.join(OUT, name), "wb") as f:
        fmt.write_array(f, array, version=version)


write_npy("f8_v1.npy", floats((3, 4)), (1, 0))
write_npy("f4_v2.npy", floats((2, 3, 4), np.float32), (2, 0))
write_npy("i8_v3.npy", int64s((5,)), (3, 0))
write_npy("i4_v1.npy", (np.arange(4, dtype=np.int32) - 2).reshape(2, 2), (1, 0))
write_npy("u1_v1.npy", (np.arange(6) * 50).astype(np.uint8), (1, 0))
write_npy("scalar_v1.npy", np.array(2.5), (1, 0))
write_npy("empty_v1.npy", np.zeros((0, 3)), (1, 0))
np.save(os.path.join(OUT, "default.npy"), floats((2, 2)))  # whatever version np.save picks (1.0)
# Files GradLab must refuse with a clear message.
write_npy("fortran_v1.npy", np.asfortranarray(floats((3, 4))), (1, 0))
write_npy("bigendian_v1.npy", floats((3,)).astype(">f8"), (1, 0))
write_npy("complex_v1.npy", floats((3,)).astype(np.complex128), (1, 0))

members = dict(W=floats((3, 4)), b=floats((4,), np.float32), y=int64s((5,)))
np.savez(os.path.join(OUT, "stored.npz"), **members)
np.savez_compressed(os.path.join(OUT, "compressed.npz"), **members)

# ZIP64 everywhere a 4 GiB archive would need it, at a size fit for a fixture: zipfile is told that the
# ZIP64 limits are tiny, so member sizes and offsets go to ZIP64 extra fields and a ZIP64 end record is
# written; the classic end record then gets the 0xFFFF/0xFFFFFFFF sentinels that point readers to it.
import io
import struct
import zipfile

limits = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 100, 1
buffer = io.BytesIO()
np.savez(buffer, **members)
zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = limits
data = bytearray(buffer.getvalue())
eocd = data.rfind(b"PK\x05\x06")
data[eocd + 8:eocd + 20] = struct.pack("<HHII", 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
zipped = zipfile.ZipFile(io.BytesIO(bytes(data)))
assert [i.filename for i in zipped.infolist()] == ["W.npy", "b.npy", "y.npy"]
assert zipped.infolist()[1].extra[:2] == b"\x01\x00"
with open(os.path.join(OUT, "zip64.npz"), "wb") as f:
    f.write(bytes(data))
assert np.array_equal(np.load(os.path.join(OUT, "zip64.npz"))["W"], members["W"])

save_file(
    dict(weight_hh_l0=floats((8, 2)), bias_hh_l0=floats((8,), np.float32), targets=int64s((2, 3))),
    os.path.join(OUT, "model.safetensors"),
    metadata={"cell": "lstm", "activation": "tanh"},
)
print("wrote", sorted(os.listdir(OUT)))
