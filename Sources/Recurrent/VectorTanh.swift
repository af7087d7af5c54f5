/// Vectorised tanh over Float64 buffers (SIMD8<Double>), for the cells' pointwise loops.
///
/// On the x86-64 baseline (SSE2, no FMA) glibc's scalar `tanh` costs ≈ 11–17 ns per element, this
/// ≈ 6–7 ns (random inputs in [−3, 3], a noisy shared machine). Formulation (Cephes /
/// Go `math.Tanh`), on a = |x| and with the sign of x copied back at the end, so tanh(−x) = −tanh(x)
/// and tanh(±0) = ±0 hold exactly:
///
///     a < 0.625:  tanh a = a + a·s·P(s)/Q(s),  s = a²   (Cephes rational, P degree 2, Q degree 3)
///     0.625 ≤ a < 1:  tanh a = (e − 1)/(e + 1),  e = exp(2a)   (e − 1 exact: e ∈ [3.4, 7.4])
///     a ≥ 1:          tanh a = 1 − 2/(e + 1),    e = exp(2·min(a, 20))
///
/// 2/(e + 1) < 2^−54 for a ≥ ~19.06, so the result rounds to exactly 1 there.
/// Tiny and subnormal a return a (a·s underflows or is far below half an ulp of a). NaN propagates.
/// Maximum error 1.34 ulp from the exact value (x87 `tanhl`), 2 ulp from glibc's `tanh` (itself not
/// correctly rounded), measured on 10⁶ inputs in `VectorTanhTests`.
public func vectorTanh(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
    var k = 0
    while k + 8 <= count {
        let t = tanhLanes(SIMD8<Double>(UnsafeBufferPointer(start: x + k, count: 8)))
        for i in 0..<8 { y[k + i] = t[i] }
        k += 8
    }
    if k < count {
        var v = SIMD8<Double>(repeating: 0)
        for i in 0..<(count - k) { v[i] = x[k + i] }
        let t = tanhLanes(v)
        for i in 0..<(count - k) { y[k + i] = t[i] }
    }
}

/// tanh of eight lanes (see `vectorTanh`). Eight rather than four: the 13-step Horner chain of
/// `expLanes` is latency-bound, and more independent lanes keep the (SSE2, 2-wide) units busy.
@inline(__always)
func tanhLanes(_ x: SIMD8<Double>) -> SIMD8<Double> {
    let signMask = SIMD8<UInt64>(repeating: 0x8000_0000_0000_0000)
    let xBits = unsafeBitCast(x, to: SIMD8<UInt64>.self)
    let a = unsafeBitCast(xBits & ~signMask, to: SIMD8<Double>.self)
    let small = a .< 0.625
    var r = SIMD8<Double>(repeating: 0)
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
        // One division for both forms: (e − 1)/(e + 1) below a = 1, 1 + (−2)/(e + 1) from there.
        let far = .!(a .< 1)
        let quotient = (e - 1).replacing(with: -2, where: far) / (e + 1)
        r.replace(with: quotient.replacing(with: 1 + quotient, where: far), where: .!small)
    }
    let signed = unsafeBitCast(unsafeBitCast(r, to: SIMD8<UInt64>.self) | (xBits & signMask), to: SIMD8<Double>.self)
    return signed.replacing(with: x, where: x .!= x)
}

/// e^y for lanes with k = round(y/ln 2) in [−1022, 1023] (|y| ≤ ~708); error ≲ 1 ulp.
///
/// Cody–Waite reduction y = k·ln 2 + r, |r| ≤ ln 2 / 2 (ln 2 split so k·ln2Hi is exact), e^r by its
/// Taylor polynomial of degree 13 (truncation < 10⁻¹⁷ relative), and 2^k built from exponent bits:
/// adding 1.5·2^52 rounds y/ln 2 to an integer k held in the low mantissa bits.
@inline(__always)
func expLanes(_ y: SIMD8<Double>) -> SIMD8<Double> {
    let shifter = SIMD8<Double>(repeating: 0x1.8p52)
    let kShifted = y * 1.4426950408889634074 + shifter
    let k = kShifted - shifter
    let r = (y - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
    var p = SIMD8<Double>(repeating: 1.0 / 6227020800.0)   // 1/13!
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
    let kBits = unsafeBitCast(kShifted, to: SIMD8<UInt64>.self)
    let scale = unsafeBitCast((kBits &+ 1023) &<< 52, to: SIMD8<Double>.self)
    return p * scale
}
