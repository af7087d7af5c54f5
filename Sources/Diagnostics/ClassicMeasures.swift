import Foundation
import Linalg

/// How far a measured ‖∂h_T/∂h_{T−k}‖₂ stays below Pascanu et al.'s bound (γ‖W_hh‖₂)^k, in decades:
/// gap_k = log10 bound_k − log10 measured_k at each reported lag k ≥ 1 (lag 0 is I, gap 0 by
/// definition). The bound is a theorem, so every gap is ≥ 0 up to rounding (≈ 1e-13·k for the
/// product's renormalisation and the SVD); an exactly zero product (log10 = −∞) satisfies it and
/// is left out of the minimum.
public struct PascanuBoundGap: Sendable, Equatable {
    /// min over lags k ≥ 1 of the gap (nil without a finite one).
    public let minimumLog10: Double?
    /// The gap at the largest reported lag (nil when that product is exactly zero).
    public let largestLagLog10: Double?

    /// `norms` and `bound` at the same lags (as `Diagnosis.jacobianNorms` and `pascanuBoundLog10`).
    public init(norms: [LagNorm], bound: [(lag: Int, value: Double)]) {
        let b = Dictionary(bound.map { ($0.lag, $0.value) }, uniquingKeysWith: { a, _ in a })
        let gaps = norms.filter { $0.lag >= 1 }.compactMap { n -> (Int, Double)? in
            guard let measured = n.spectralLog10, let bk = b[n.lag] else { return nil }
            return (n.lag, bk - measured)
        }
        minimumLog10 = gaps.map(\.1).min()
        let last = norms.filter { $0.lag >= 1 }.max { $0.lag < $1.lag }
        largestLagLog10 = last.flatMap { n in gaps.first { $0.0 == n.lag }?.1 }
    }
}

/// The spread of a singular spectrum of ∂h_T/∂h_{T−k} (Pennington, Schoenholz & Ganguli 2017:
/// dynamical isometry is every σ_i ≈ 1, i.e. no spread): from log10 σ_i, descending,
///
///     spread = log10 σ_max − log10 σ_median   (σ_median: the middle value, or the mean of the two
///                                              middle log10 values for an even count),
///     kept   = #{i : log10 σ_i ≥ log10 σ_max − 2}   (directions within two decades of σ_max).
public struct SingularSpread: Sendable, Equatable {
    public let spreadLog10: Double
    public let kept: Int
    public let count: Int
    public var keptFraction: Double { Double(kept) / Double(count) }

    /// Nil for an empty spectrum or one whose σ_max is not finite (an exactly zero product).
    public init?(log10Values: [Double]) {
        let v = log10Values.sorted(by: >)
        guard let top = v.first, top.isFinite else { return nil }
        let n = v.count
        let median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
        spreadLog10 = top - median
        kept = v.filter { $0 >= top - 2 }.count
        count = n
    }
}

/// log10 ‖W^k‖₂ for k = 0 … K, exactly: P_k = W·P_{k−1} by gemm, renormalised by its Frobenius
/// norm every step with the logarithm of the divisor summed (compensated), ‖P_k‖₂ from its largest
/// singular value (the Gram matrix's top eigenvalue, `SingularValueWorkspace.largest`). No over- or
/// underflow for any k; a nilpotent W (a pure shift) gives −∞ from the step P becomes exactly 0.
public enum MatrixPowerNorms {
    /// log10 ‖W^k‖₂ at `lags` (ascending, each ≥ 0); W square.
    public static func log10Norms(_ w: Matrix, lags: [Int]) throws -> [(lag: Int, value: Double)] {
        let n = w.rows
        guard w.cols == n else { throw LinalgError.shapeMismatch(operation: "matrix powers", detail: "W is \(w.shapeDescription); needs a square matrix") }
        let want = Set(lags), last = lags.max() ?? 0
        var p = Matrix.identity(n).elements, tmp = p
        let svd = try SingularValueWorkspace(rows: n, cols: n)
        var logScale = CompensatedSum(), zero = false
        var out: [(lag: Int, value: Double)] = []
        func record(_ k: Int) throws {
            guard want.contains(k) else { return }
            if zero { out.append((k, -.infinity)); return }
            let sigma = try p.withUnsafeBufferPointer { try svd.largest($0.baseAddress!) }
            out.append((k, Foundation.log10(sigma) + logScale.value / Foundation.log(10.0)))
        }
        try record(0)
        if last >= 1 {
            for k in 1...last {
                if !zero {
                    gemm(.none, .none, m: n, n: n, k: n, w.elements, lda: n, p, ldb: n, beta: 0, &tmp, ldc: n)
                    swap(&p, &tmp)
                    let f = nrm2(p)
                    guard f.isFinite else { throw LinalgError.invalidArgument(operation: "matrix powers", detail: "W^\(k) is not finite (W has non-finite entries)") }
                    if f > 0 { scal(1 / f, &p, count: n * n); logScale.add(Foundation.log(f)) } else { zero = true }
                }
                try record(k)
            }
        }
        return out
    }

    /// The largest ‖W^k‖₂ over `values` (log10 by lag) and the smallest lag attaining it.
    public static func peak(_ values: [(lag: Int, value: Double)]) -> (lag: Int, log10Norm: Double)? {
        var best: (lag: Int, log10Norm: Double)? = nil
        for (k, v) in values where v.isFinite && (best == nil || v > best!.log10Norm) { best = (k, v) }
        return best
    }
}
