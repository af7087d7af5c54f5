import Foundation
import Testing
@testable import Recurrent

/// `vectorTanh` against libm: the double `tanh` and the x87 extended `tanhl` (Float80, 11 more bits),
/// on ~10⁶ inputs over [−30, 30] and log-spaced magnitudes down to 1e-300; special values exactly.
@Suite struct VectorTanhTests {
    /// Uniform on [−30, 30], a denser grid on [−1, 1], and ±10^e for e log-spaced in [−300, 1.5].
    static func inputs() -> [Double] {
        var xs: [Double] = []
        let n = 400_000
        for i in 0...n { xs.append(-30 + 60 * Double(i) / Double(n)) }
        for i in 0...n { xs.append(-1 + 2 * (Double(i) + 0.3) / Double(n)) }
        let m = 100_000
        for i in 0...m {
            let x = Foundation.pow(10, -300 + 301.5 * Double(i) / Double(m))
            xs.append(x); xs.append(-x)
        }
        return xs
    }

    static func vectorTanh(_ xs: [Double]) -> [Double] {
        var ys = [Double](repeating: .nan, count: xs.count)
        xs.withUnsafeBufferPointer { x in
            ys.withUnsafeMutableBufferPointer { y in Recurrent.vectorTanh(x.baseAddress!, into: y.baseAddress!, count: xs.count) }
        }
        return ys
    }

    /// |y − reference| in ulps of the double nearest the reference.
    static func ulps(_ y: Double, _ reference: Float80) -> Double {
        let nearest = Double(reference)
        return Double(abs(Float80(y) - reference) / Float80(nearest.ulp))
    }

    @Test func maxErrorAtMostTwoUlps() {
        let xs = Self.inputs(), ys = Self.vectorTanh(xs)
        var worstExtended = 0.0, worstDouble = 0.0, worstAt = 0.0
        for (x, y) in zip(xs, ys) {
            let e = Self.ulps(y, Foundation.tanhl(Float80(x)))
            if e > worstExtended { worstExtended = e; worstAt = x }
            worstDouble = max(worstDouble, Self.ulps(y, Float80(Foundation.tanh(x))))
        }
        print("vectorTanh: \(xs.count) inputs, max error \(worstExtended) ulp vs tanhl (at x = \(worstAt)), \(worstDouble) ulp vs tanh")
        #expect(worstExtended <= 2)
        #expect(worstDouble <= 2)
    }

    @Test func oddAndSaturatedAndTiny() {
        let xs = Self.inputs().filter { $0 > 0 }
        let pos = Self.vectorTanh(xs), neg = Self.vectorTanh(xs.map { -$0 })
        #expect(zip(pos, neg).allSatisfy { $0 == -$1 })
        for (x, y) in zip(xs, pos) {
            if x >= 19.07 { #expect(y == 1) }
            if x < 0x1p-28 { #expect(y == x) }
        }
    }

    @Test func specialValues() {
        let tiny = 0x1p-1074, sub = 0x1p-1030, big = Double.greatestFiniteMagnitude
        let xs: [Double] = [0, -0.0, .infinity, -.infinity, .nan, tiny, -tiny, sub, -sub, 0x1p-29, -0x1p-29,
                            19.07, -19.07, 30, big, -big, 0.625, -0.625, 0.625.nextDown]
        let ys = Self.vectorTanh(xs)
        #expect(ys[0] == 0 && ys[0].sign == .plus)
        #expect(ys[1] == 0 && ys[1].sign == .minus)
        #expect(ys[2] == 1 && ys[3] == -1)
        #expect(ys[4].isNaN)
        #expect(Array(ys[5...10]) == Array(xs[5...10]))
        #expect(Array(ys[11...15]) == [1, -1, 1, 1, -1])
        for k in 16...18 { #expect(Self.ulps(ys[k], Foundation.tanhl(Float80(xs[k]))) <= 2) }
    }

    /// Every length 0…19 (whole SIMD blocks and tails), in place and out of place, equals the
    /// element-wise values.
    @Test func tailsAndInPlace() {
        for n in 0...19 {
            let xs = (0..<n).map { Double($0) * 0.37 - 1.3 }
            let expected = xs.map { Self.vectorTanh([$0])[0] }
            #expect(Self.vectorTanh(xs) == expected)
            var buffer = xs
            buffer.withUnsafeMutableBufferPointer { b in
                if let p = b.baseAddress { Recurrent.vectorTanh(p, into: p, count: n) }
            }
            #expect(buffer == expected)
            #expect(zip(buffer, xs).allSatisfy { abs($0 - Foundation.tanh($1)) <= 2 * Foundation.tanh($1).ulp })
        }
    }
}
