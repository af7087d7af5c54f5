/// Vectorised tanh over Float64 buffers (SIMD4<Double>), for the cells' pointwise loops.
///
/// The scalar glibc `tanh` costs ≈ 14 ns per element; this costs a few ns. Formulation (Cephes /
/// Go `math.Tanh`), on a = |x| and with the sign of x copied back at the end, so tanh(−x) = −tanh(x)
/// and tanh(±0) = ±0 hold exactly:
///
///     a < 0.625:  tanh a = a + a·s·P(s)/Q(s),  s = a²   (Cephes rational, P degree 2, Q degree 3)
///     0.625 ≤ a < 1:  tanh a = (e − 1)/(e + 1),  e = exp(2a)   (e − 1 exact: e ∈ [3.4, 7.4])
///     a ≥ 1:          tanh a = 1 − 2/(e + 1),    e = exp(2·min(a, 20))
///
/// 2/(e + 1) < 2^−54 for a ≥ ~19.06, so the result rounds to exactly 1 there.
/// Tiny and subnormal a return a (a·s underflows or is far below half an ulp of a). NaN propagates.
/// Maximum error ≤ 2 ulp against libm (measured in `VectorTanhTests`).
public func vectorTanh(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
    mapLanes(x, into: y, count: count, tanhLanes)
}

/// y[k] = f(x[k]) four lanes at a time; the tail is padded with zeros. y may equal x.
@inline(__always)
func mapLanes(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int,
              _ f: (SIMD4<Double>) -> SIMD4<Double>) {
    var k = 0
    while k + 4 <= count {
        let t = f(SIMD4<Double>(x[k], x[k + 1], x[k + 2], x[k + 3]))
        y[k] = t[0]; y[k + 1] = t[1]; y[k + 2] = t[2]; y[k + 3] = t[3]
        k += 4
    }
    if k < count {
        var v = SIMD4<Double>(repeating: 0)
        for i in 0..<(count - k) { v[i] = x[k + i] }
        let t = f(v)
        for i in 0..<(count - k) { y[k + i] = t[i] }
    }
}

/// tanh of four lanes (see `vectorTanh`).
@inline(__always)
func tanhLanes(_ x: SIMD4<Double>) -> SIMD4<Double> {
    let signMask = SIMD4<UInt64>(repeating: 0x8000_0000_0000_0000)
    let xBits = unsafeBitCast(x, to: SIMD4<UInt64>.self)
    let a = unsafeBitCast(xBits & ~signMask, to: SIMD4<Double>.self)
    let small = a .< 0.625
    var r = SIMD4<Double>(repeating: 0)
    if any(small) {
        let s = a * a
        let p = (-9.64399179425052238628e-1 * s - 9.92877231001918586564e1) * s - 1.61468768441708447952e3
        let q = ((s + 1.12811678491632931402e2) * s + 2.23548839060100448583e3) * s + 4.84406305325125486048e3
        r = a + a * (s * (p / q))
    }
    if !all(small) {
        // NaN lanes compare false in `.<`; they are restored from x below.
        let clamped = a.replacing(with: 20, where: .!(a .< 20))
        let e = expLanes(clamped + clamped)
        // e − 1 is exact while e < 2^53; past a = 1 (e > 7.4) the 2/(e + 1) form keeps its error
        // below ulp/2 of the result instead.
        let near = (e - 1) / (e + 1), far = 1 - 2 / (e + 1)
        r.replace(with: near.replacing(with: far, where: .!(a .< 1)), where: .!small)
    }
    let signed = unsafeBitCast(unsafeBitCast(r, to: SIMD4<UInt64>.self) | (xBits & signMask), to: SIMD4<Double>.self)
    return signed.replacing(with: x, where: x .!= x)
}

/// e^y for lanes with k = round(y/ln 2) in [−1022, 1023] (|y| ≤ ~708); error ≲ 1 ulp.
/// (`expLanesDown` extends the range down to the subnormals.)
///
/// Cody–Waite reduction y = k·ln 2 + r, |r| ≤ ln 2 / 2 (ln 2 split so k·ln2Hi is exact), e^r by its
/// Taylor polynomial of degree 13 (truncation < 10⁻¹⁷ relative), and 2^k built from exponent bits:
/// adding 1.5·2^52 rounds y/ln 2 to an integer k held in the low mantissa bits. `exponentOffset`
/// (added to k in the exponent bits) lets `expLanesDown` return e^y·2^offset for very negative y.
@inline(__always)
func expLanes(_ y: SIMD4<Double>, exponentOffset: SIMD4<UInt64> = .zero) -> SIMD4<Double> {
    let shifter = SIMD4<Double>(repeating: 0x1.8p52)
    let kShifted = y * 1.4426950408889634074 + shifter
    let k = kShifted - shifter
    let r = (y - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
    var p = SIMD4<Double>(repeating: 1.0 / 6227020800.0)   // 1/13!
    p = p * r + 1.0 / 479001600.0        // 1/12!
    p = p * r + 1.0 / 39916800.0         // 1/11!
    p = p * r + 1.0 / 3628800.0          // 1/10!
    p = p * r + 1.0 / 362880.0           // 1/9!
    p = p * r + 1.0 / 40320.0            // 1/8!
    p = p * r + 1.0 / 5040.0             // 1/7!
    p = p * r + 1.0 / 720.0              // 1/6!
    p = p * r + 1.0 / 120.0              // 1/5!
    p = p * r + 1.0 / 24.0               // 1/4!
    p = p * r + 1.0 / 6.0                // 1/3!
    p = p * r + 0.5                      // 1/2!
    p = p * r + 1
    p = p * r + 1
    let kBits = unsafeBitCast(kShifted, to: SIMD4<UInt64>.self)
    let scale = unsafeBitCast((kBits &+ 1023 &+ exponentOffset) &<< 52, to: SIMD4<Double>.self)
    return p * scale
}
