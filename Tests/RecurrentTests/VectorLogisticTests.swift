import Foundation
import Testing
@testable import Recurrent

/// `vectorLogistic` against σ evaluated in Float80 with libm's `expl`, and the scalar `logistic`.
@Suite struct VectorLogisticTests {
    /// σ(z) in extended precision, the scalar formula's split.
    static func reference(_ z: Double) -> Float80 {
        let x = Float80(z)
        if z >= 0 { return 1 / (1 + Foundation.expl(-x)) }
        let e = Foundation.expl(x)
        return e / (1 + e)
    }

    static func vectorLogistic(_ zs: [Double]) -> [Double] {
        var ys = [Double](repeating: .nan, count: zs.count)
        zs.withUnsafeBufferPointer { z in
            ys.withUnsafeMutableBufferPointer { y in Recurrent.vectorLogistic(z.baseAddress!, into: y.baseAddress!, count: zs.count) }
        }
        return ys
    }

    /// Uniform on [−40, 40] and on [−760, 760] (subnormal and zero results), ±10^e for e in [−300, 2.8].
    @Test func maxErrorAtMostTwoAndAHalfUlps() {
        var zs: [Double] = []
        for i in 0...200_000 { zs.append(-40 + 80 * Double(i) / 200_000) }
        for i in 0...100_000 { zs.append(-760 + 1520 * (Double(i) + 0.1) / 100_000) }
        for i in 0...50_000 {
            let z = Foundation.pow(10, -300 + 302.8 * Double(i) / 50_000)
            zs.append(z); zs.append(-z)
        }
        let ys = Self.vectorLogistic(zs)
        var worst = 0.0, worstAt = 0.0, worstScalar = 0.0
        for (z, y) in zip(zs, ys) {
            let e = VectorTanhTests.ulps(y, Self.reference(z))
            if e > worst { worst = e; worstAt = z }
            worstScalar = max(worstScalar, VectorTanhTests.ulps(logistic(z), Self.reference(z)))
        }
        print("vectorLogistic: \(zs.count) inputs, max error \(worst) ulp (at z = \(worstAt)); scalar logistic \(worstScalar) ulp")
        // e/(1 + e) rounds three times: the scalar `logistic` on libm's exp is itself 2.06 ulp off.
        #expect(worst <= 2.5)
        #expect(worst <= worstScalar + 0.5)
    }

    @Test func specialValues() {
        let zs: [Double] = [0, -0.0, .infinity, -.infinity, .nan, 800, -800, -745, 37, 0x1p-1074]
        let ys = Self.vectorLogistic(zs)
        #expect(ys[0] == 0.5 && ys[1] == 0.5)
        #expect(ys[2] == 1 && ys[3] == 0)
        #expect(ys[4].isNaN)
        #expect(ys[5] == 1 && ys[6] == 0)
        #expect(ys[7] > 0 && ys[7] == logistic(-745))
        #expect(ys[8] == logistic(37) && ys[9] == 0.5)
    }
}
