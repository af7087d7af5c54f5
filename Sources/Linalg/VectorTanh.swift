import CKernels

/// y[i] = tanh(x[i]) for i < count, Float64 buffers (y may equal x; no other overlap), for the cells'
/// pointwise loops: GradLab's C kernel (`Sources/CKernels/VectorTanh.c`) in the instruction-set variant
/// `isa` (default: the widest this CPU runs; the portable one when it does not run `isa`).
///
/// Formulation (Cephes / Go `math.Tanh`, fused multiply-adds), on a = |x| with the sign of x copied
/// back, so tanh(−x) = −tanh(x) and tanh(±0) = ±0 hold exactly:
///
///     a < 0.625:      tanh a = a + (a·s)·P(s)/Q(s),  s = a²   (Cephes rational, P degree 2, Q degree 3)
///     0.625 ≤ a < 1:  tanh a = (e − 1)/(e + 1),      e = exp(2a)
///     a ≥ 1:          tanh a = 1 − 2/(e + 1),        e = exp(2·min(a, 20))
///
/// exp by Cody–Waite reduction to |r| ≤ ln 2/2 and a degree-11 polynomial. Contract: at most 2 ulp from
/// glibc's `tanh` and from the exact value (x87 `tanhl`), measured in `VectorTanhTests`; |x| ≥ 19.07
/// gives ±1 exactly, |x| < 2^−28 (subnormals included) gives x, ±inf gives ±1, NaN propagates.
/// The portable, AVX2 and AVX-512 variants are bit-identical (one body, the same operations in the same
/// order), and an element's value does not depend on `count` or its position. No allocation.
///
/// The portable variant calls `fma()` per lane: on a CPU without FMA it is slower than libm's `tanh`.
@inline(__always)
public func vectorTanh(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int,
                       isa: RecurrentProductKernel.PackedISA = .best) {
    precondition(count >= 0, "vectorTanh: negative count")
    gl_tanh(isa.c, count, x, y)
}
