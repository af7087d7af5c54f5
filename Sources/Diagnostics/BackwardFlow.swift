import Foundation
import Linalg
import Recurrent

/// What the backward sweep over a trajectory measures.
public struct BackwardFlowOptions: Sendable {
    /// Lags k at which ‖∂s_T/∂s_{T−k}‖ is reported (spectral and Frobenius); nil = no products.
    public var jacobianLags: LagSelection?
    /// Lags at which the whole singular spectrum of ∂s_T/∂s_{T−k} is reported.
    public var singularValueLags: [Int]
    /// ∂L/∂h_T (length H); nil = no gradient norms. The c-part of an LSTM adjoint starts at 0.
    public var adjoint: [Double]?

    public init(jacobianLags: LagSelection? = .all, singularValueLags: [Int] = [], adjoint: [Double]? = nil) {
        self.jacobianLags = jacobianLags
        self.singularValueLags = singularValueLags
        self.adjoint = adjoint
    }
}

/// A norm at one lag, as log10 (nil when the product is exactly zero, i.e. log10 = −∞).
public struct LagNorm: Sendable, Equatable {
    public let lag: Int
    /// log10 ‖∂s_T/∂s_{T−k}‖₂.
    public let spectralLog10: Double?
    /// log10 ‖∂s_T/∂s_{T−k}‖_F.
    public let frobeniusLog10: Double?
}

/// The gradient flowing back through time, measured exactly in log space.
///
/// Conventions (DESIGN.md): J_t = ∂s_t/∂s_{t−1}; lag k = T − t; ∂s_T/∂s_t = J_T J_{T−1} ⋯ J_{t+1},
/// accumulated backwards as P_k = P_{k−1}·J_{T−k+1} with P_0 = I. After every product P is divided by
/// its Frobenius norm and the logarithm of the divisor is added to a running scale, so products as
/// large as 1.5^10000 or as small as 0.5^10000 never overflow or underflow. The adjoint
/// a_{t−1} = J_tᵀ a_t is renormalised the same way. The singular spectra come from a separate graded
/// factorisation of Pᵀ (`ProductSingularValues`, updated only up to the largest requested lag), which
/// resolves every singular value to high relative accuracy, not just those within 10^16 of σ_max.
public struct BackwardFlow: Sendable {
    /// Norms of ∂s_T/∂s_{T−k} at the selected lags (ascending k).
    public var jacobianNorms: [LagNorm] = []
    /// log10 ‖∂L/∂h_t‖ for t = 0 … T (index t); nil where the adjoint is exactly zero.
    public var gradNormLog10: [Double?] = []
    /// log10 of every singular value of ∂s_T/∂s_{T−k}, descending, keyed by lag k.
    public var singularValuesLog10: [Int: [Double]] = [:]

    /// Runs the sweep over the finite part of `trajectory` (T' = trajectory.steps), full or checkpointed
    /// (`Trajectory.reverseSweep`: the same states either way, so the same numbers bit for bit).
    public init<M: RecurrentMap>(map: M, trajectory: Trajectory, options: BackwardFlowOptions) throws {
        let s = map.stateSize, h = map.hiddenSize, T = trajectory.steps
        if let g = options.adjoint, g.count != h {
            throw LinalgError.shapeMismatch(operation: "BackwardFlow", detail: "adjoint has \(g.count) entries, the map has H = \(h)")
        }
        let lagList = options.jacobianLags?.lags(upTo: T) ?? []
        let wantLag = Set(lagList), wantSV = Set(options.singularValueLags.filter { $0 <= T })
        let doProducts = !lagList.isEmpty   // the plain product serves the norms only
        let ln10 = Foundation.log(10.0)

        var ws = map.makeWorkspace()
        var jac = [Double](repeating: 0, count: s * s)
        var prod = [Double](repeating: 0, count: doProducts ? s * s : 0)
        var tmp = prod
        for i in 0..<(doProducts ? s : 0) { prod[i * s + i] = 1 }
        var logScale = CompensatedSum(), productIsZero = false
        let svd = try SingularValueWorkspace(rows: s, cols: s)
        let lastSVLag = wantSV.max() ?? -1
        let spectrum = lastSVLag >= 0 ? try ProductSingularValues(size: s) : nil

        var adj = [Double](repeating: 0, count: options.adjoint == nil ? 0 : s)
        var adjNext = adj
        var adjLog = CompensatedSum(), adjIsZero = false
        if let g = options.adjoint { for i in 0..<h { adj[i] = g[i] } }
        gradNormLog10 = options.adjoint == nil ? [] : [Double?](repeating: nil, count: T + 1)

        func recordProduct(lag k: Int) throws {
            if wantLag.contains(k) {
                if productIsZero {
                    jacobianNorms.append(LagNorm(lag: k, spectralLog10: nil, frobeniusLog10: nil))
                } else {
                    let sigma = try prod.withUnsafeBufferPointer { try svd.largest($0.baseAddress!) }
                    jacobianNorms.append(LagNorm(lag: k, spectralLog10: Foundation.log10(sigma) + logScale.value / ln10,
                                                 frobeniusLog10: Foundation.log10(nrm2(prod)) + logScale.value / ln10))
                }
            }
        }
        func recordSpectrum(lag k: Int) throws {
            if wantSV.contains(k), let spectrum { singularValuesLog10[k] = try spectrum.singularValuesLog10() }
        }
        func recordGrad(step t: Int) {
            guard options.adjoint != nil, !adjIsZero else { return }
            let nh = adj.withUnsafeBufferPointer { nrm2($0.baseAddress!, count: h) }
            gradNormLog10[t] = nh > 0 ? Foundation.log10(nh) + adjLog.value / ln10 : nil
        }

        if doProducts { try recordProduct(lag: 0) }
        try recordSpectrum(lag: 0)
        recordGrad(step: T)
        try trajectory.reverseSweep(map: map) { t, previous, x in
            jac.withUnsafeMutableBufferPointer { j in
                map.jacobian(previous, x, into: j.baseAddress!, workspace: &ws)
            }
            // Pᵀ ← Jᵀ·Pᵀ: the row-major J read column-major is Jᵀ.
            if let spectrum, T - t + 1 <= lastSVLag {
                try jac.withUnsafeBufferPointer { try spectrum.multiply(left: $0.baseAddress!) }
                try recordSpectrum(lag: T - t + 1)
            }
            if doProducts && !productIsZero {
                // tmp = prod · J  (row-major S×S)
                gemm(.none, .none, m: s, n: s, k: s, prod, lda: s, jac, ldb: s, beta: 0, &tmp, ldc: s)
                swap(&prod, &tmp)
                let f = nrm2(prod)
                if f > 0 && f.isFinite {
                    scal(1 / f, &prod, count: s * s)
                    logScale.add(Foundation.log(f))
                } else if f == 0 { productIsZero = true }
                try recordProduct(lag: T - t + 1)
            }
            if options.adjoint != nil && !adjIsZero {
                // adjNext = Jᵀ · adj
                gemv(.transpose, rows: s, cols: s, jac, adj, beta: 0, &adjNext)
                swap(&adj, &adjNext)
                let f = nrm2(adj)
                if f > 0 {
                    scal(1 / f, &adj, count: s)
                    adjLog.add(Foundation.log(f))
                } else { adjIsZero = true }
                recordGrad(step: t - 1)
            }
            return true
        }
    }
}
