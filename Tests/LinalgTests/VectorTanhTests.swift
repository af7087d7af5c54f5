import Foundation
import Linalg
import Testing

/// `vectorTanh` (the C kernel, every instruction-set variant this CPU runs) against libm: the double
/// `tanh` and the x87 extended `tanhl` (Float80, 11 more bits), on ~2·10⁶ inputs — a grid over [−30, 30],
/// a denser grid on [−1, 1], log-spaced magnitudes down to 1e-300, and seeded uniform draws in [−3, 3],
/// [−0.5, 0.5] and [−20, 20]; special values exactly; the variants bit for bit against each other.
@Suite struct VectorTanhTests {
    typealias ISA = RecurrentProductKernel.PackedISA

    /// Uniform grid on [−30, 30], a denser grid on [−1, 1], ±10^e for e log-spaced in [−300, 1.5], and
    /// 3 × 300,000 seeded uniform draws in [−3, 3], [−0.5, 0.5] and [−20, 20].
    static let inputs: [Double] = {
        var xs: [Double] = []
        let n = 400_000
        for i in 0...n { xs.append(-30 + 60 * Double(i) / Double(n)) }
        for i in 0...n { xs.append(-1 + 2 * (Double(i) + 0.3) / Double(n)) }
        let m = 100_000
        for i in 0...m {
            let x = Foundation.pow(10, -300 + 301.5 * Double(i) / Double(m))
            xs.append(x); xs.append(-x)
        }
        var rng = RandomStream(seed: 2121)
        for bound in [3.0, 0.5, 20.0] { xs += rng.uniforms(300_000, -bound, bound) }
        return xs
    }()

    /// The variants this CPU runs (the portable one always).
    static let variants = ISA.allCases.filter(\.isSupported)

    static func vectorTanh(_ xs: [Double], isa: ISA = .best) -> [Double] {
        var ys = [Double](repeating: .nan, count: xs.count)
        xs.withUnsafeBufferPointer { x in
            ys.withUnsafeMutableBufferPointer { y in
                if let xp = x.baseAddress, let yp = y.baseAddress { Linalg.vectorTanh(xp, into: yp, count: xs.count, isa: isa) }
            }
        }
        return ys
    }

    /// |y − reference| in ulps of the double nearest the reference.
    static func ulps(_ y: Double, _ reference: Float80) -> Double {
        let nearest = Double(reference)
        return Double(abs(Float80(y) - reference) / Float80(nearest.ulp))
    }

    /// At most 2 ulp from `tanhl` (the exact value to 2⁻⁶⁴ relative) and from glibc's `tanh`.
    @Test func maxErrorAtMostTwoUlps() {
        let xs = Self.inputs, ys = Self.vectorTanh(xs)
        var worstExtended = 0.0, worstDouble = 0.0, worstAt = 0.0, sumExtended = 0.0
        for (x, y) in zip(xs, ys) {
            let e = Self.ulps(y, Foundation.tanhl(Float80(x)))
            sumExtended += e
            if e > worstExtended { worstExtended = e; worstAt = x }
            worstDouble = max(worstDouble, Self.ulps(y, Float80(Foundation.tanh(x))))
        }
        print("vectorTanh (\(ISA.best)): \(xs.count) inputs, max error \(worstExtended) ulp vs tanhl (at x = \(worstAt)), "
              + "mean \(sumExtended / Double(xs.count)), \(worstDouble) ulp vs tanh")
        #expect(worstExtended <= 2)
        #expect(worstDouble <= 2)
    }

    /// Every variant this CPU runs equals the portable one bit for bit on all inputs (NaN aside, none here).
    @Test func variantsAreBitIdentical() {
        let xs = Self.inputs, portable = Self.vectorTanh(xs, isa: .portable)
        for isa in Self.variants where isa != .portable {
            let ys = Self.vectorTanh(xs, isa: isa)
            let differing = zip(ys, portable).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(isa): \(differing) of \(xs.count) values differ from the portable variant")
        }
    }

    /// The AVX-512 variant, bit for bit against the portable one, on the CPUs that run it.
    @Test(.enabled(if: ISA.avx512.isSupported, "this CPU has no AVX-512F: the variant is compiled but cannot run here"))
    func avx512MatchesPortable() {
        let xs = Self.inputs
        #expect(Self.vectorTanh(xs, isa: .avx512).map(\.bitPattern) == Self.vectorTanh(xs, isa: .portable).map(\.bitPattern))
    }

    @Test(arguments: variants)
    func oddAndSaturatedAndTiny(isa: ISA) {
        let xs = Self.inputs.filter { $0 > 0 }
        let pos = Self.vectorTanh(xs, isa: isa), neg = Self.vectorTanh(xs.map { -$0 }, isa: isa)
        #expect(zip(pos, neg).allSatisfy { $0.bitPattern == (-$1).bitPattern })
        for (x, y) in zip(xs, pos) {
            if x >= 19.07 { #expect(y == 1) }
            if x < 0x1p-28 { #expect(y == x) }
        }
    }

    @Test(arguments: variants)
    func specialValues(isa: ISA) {
        let tiny = 0x1p-1074, sub = 0x1p-1030, big = Double.greatestFiniteMagnitude
        let xs: [Double] = [0, -0.0, .infinity, -.infinity, .nan, tiny, -tiny, sub, -sub, 0x1p-29, -0x1p-29,
                            19.07, -19.07, 30, big, -big, 0.625, -0.625, 0.625.nextDown, 1, 1.0.nextDown, -1,
                            20, 20.0.nextDown, -.nan]
        let ys = Self.vectorTanh(xs, isa: isa)
        #expect(ys[0] == 0 && ys[0].sign == .plus)
        #expect(ys[1] == 0 && ys[1].sign == .minus)
        #expect(ys[2] == 1 && ys[3] == -1)
        #expect(ys[4].isNaN && ys[24].isNaN)
        #expect(Array(ys[5...10]) == Array(xs[5...10]))
        #expect(Array(ys[11...15]) == [1, -1, 1, 1, -1])
        #expect(ys[22] == 1 && ys[23] == 1)
        for k in 16...21 { #expect(Self.ulps(ys[k], Foundation.tanhl(Float80(xs[k]))) <= 2) }
    }

    /// Every length 0…19 (whole vectors and tails), in place and out of place, equals the element-wise
    /// values, in every variant.
    @Test(arguments: variants)
    func tailsAndInPlace(isa: ISA) {
        for n in 0...19 {
            let xs = (0..<n).map { Double($0) * 0.37 - 1.3 }
            let expected = xs.map { Self.vectorTanh([$0], isa: isa)[0] }
            #expect(Self.vectorTanh(xs, isa: isa) == expected)
            var buffer = xs
            buffer.withUnsafeMutableBufferPointer { b in
                if let p = b.baseAddress { Linalg.vectorTanh(p, into: p, count: n, isa: isa) }
            }
            #expect(buffer == expected)
            #expect(zip(buffer, xs).allSatisfy { abs($0 - Foundation.tanh($1)) <= 2 * Foundation.tanh($1).ulp })
        }
    }
}
