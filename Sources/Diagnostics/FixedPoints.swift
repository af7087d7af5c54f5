import Foundation
import Linalg
import Recurrent

/// Settings of the fixed- and slow-point search (`FixedPointSearch`).
///
/// Conventions: q(s) = ½‖F(s, x*) − s‖² on the whole state (h, or [h; c] for an LSTM). A converged
/// minimum with q ≤ `fixedTolerance` is a fixed point, with q ≤ `slowTolerance` a slow point; others
/// are dropped. Two points are the same when ‖s₁ − s₂‖∞ ≤ `distinctDistance`·max(1, ‖s₁‖∞).
/// An eigenvalue λ of ∂F/∂s at a point is marginal when ||λ| − 1| ≤ `marginalBand`, unstable when
/// |λ| > 1 + `marginalBand`.
public struct FixedPointOptions: Sendable, Equatable {
    /// q below which a minimum is a fixed point (default 1e-20: ‖F(s) − s‖ ≤ 1.4e-10).
    public var fixedTolerance: Double = 1e-20
    /// q below which a minimum is a slow point (default 1e-6).
    public var slowTolerance: Double = 1e-6
    /// Levenberg–Marquardt iterations per start (each: one Jacobian, one SVD, a line search).
    public var maxIterations: Int = 200
    /// The de-duplication distance (relative, max-norm).
    public var distinctDistance: Double = 1e-6
    /// The marginal band around |λ| = 1.
    public var marginalBand: Double = 1e-3

    public init() {}
}

/// What a point's linearisation says about it.
public enum PointStability: String, Sendable, Equatable, CaseIterable {
    /// Every |λ| < 1 − band: an attractor.
    case stable
    /// No unstable mode, at least one |λ| within the band of 1: a line/ring attractor direction (long memory).
    case marginal
    /// Some but not all modes unstable.
    case saddle
    /// Every mode unstable: a repeller.
    case unstable
}

/// One fixed or slow point s* of s ↦ F(s, x*), with its linearisation.
public struct FixedPoint: Sendable {
    /// s* (`stateSize` entries: h, or [h; c]).
    public var state: [Double]
    /// q(s*) = ½‖F(s*) − s*‖².
    public var q: Double
    /// q ≤ fixedTolerance (else a slow point).
    public var isFixed: Bool
    /// Eigenvalues of J = ∂F/∂s at s*, LAPACK dgeev order (re, im).
    public var eigenvalues: [(re: Double, im: Double)]
    /// The number of eigenvalues with |λ| > 1 + band.
    public var unstableModes: Int
    /// The number with ||λ| − 1| ≤ band.
    public var marginalModes: Int
    public var stability: PointStability
    /// How many starts converged to this point (a rough basin size).
    public var hits: Int
    /// Iterations of the start that found it.
    public var iterations: Int

    /// max |λ|.
    public var spectralRadius: Double { eigenvalues.map { hypot($0.re, $0.im) }.max() ?? 0 }
}

/// The outcome of a search: distinct points (fixed first, then slow; each by q) and counts.
public struct FixedPointReport: Sendable {
    public var points: [FixedPoint]
    /// Starts tried.
    public var starts: Int
    /// Starts whose minimum had q above the slow tolerance (discarded).
    public var discarded: Int
    public var options: FixedPointOptions
    /// x*, the constant input.
    public var input: [Double]
}

/// Fixed and slow points of a recurrent map under a constant input x*, found by minimising
/// q(s) = ½‖r(s)‖², r(s) = F(s, x*) − s, with the cell's exact one-step Jacobian.
///
/// Method (Levenberg–Marquardt with a backtracking line search): with A = ∂r/∂s = J − I (S × S) and its
/// SVD A = U Σ Vᵀ, the damped Gauss–Newton step is δ(μ) = −V diag(σᵢ/(σᵢ² + μ)) Uᵀ r (μ = 0 is the
/// Newton step −A⁻¹r). A step s + α·δ is accepted at the largest α ∈ {1, ½, …, 2⁻¹⁰} with
/// q(s + αδ) ≤ q(s) + 10⁻⁴·α·∇qᵀδ (Armijo; ∇q = Aᵀr); a full step shrinks μ by 10 (to 0 below
/// 10⁻¹⁴σ₁²), a failed search raises it by 10. Near a fixed point where A is invertible the iteration
/// is Newton's (quadratic); at a slow point (a minimum with q > 0) it is Gauss–Newton's. It stops at
/// q ≤ 10⁻³⁰·max(1, ‖s‖²), when ‖∇q‖ ≤ 10⁻¹⁵·max(1, ‖s‖), when μ exceeds 10¹⁰σ₁² or after
/// `maxIterations`.
public struct FixedPointSearch<Cell: RecurrentCell> {
    public let cell: Cell
    public let input: [Double]
    public let options: FixedPointOptions
    private let n: Int
    private let workspace: CellWorkspace

    /// `input` is x* (D entries).
    public init(cell: Cell, input: [Double], options: FixedPointOptions = FixedPointOptions()) throws {
        guard input.count == cell.inputSize else {
            throw RecurrentError("the constant input has \(input.count) entries, the model needs D = \(cell.inputSize)")
        }
        guard input.allSatisfy(\.isFinite) else { throw RecurrentError("the constant input contains NaN or infinite values") }
        self.cell = cell
        self.input = input
        self.options = options
        n = cell.stateSize
        workspace = cell.makeWorkspace()
    }

    /// r(s) = F(s, x*) − s written to `out`; returns q = ½‖r‖² (∞ when F(s) is not finite).
    public func residual(_ s: [Double], into out: inout [Double]) -> Double {
        var ws = workspace
        input.withUnsafeBufferPointer { x in
            s.withUnsafeBufferPointer { sp in
                out.withUnsafeMutableBufferPointer { o in
                    cell.step(sp.baseAddress!, x.baseAddress!, into: o.baseAddress!, workspace: &ws)
                }
            }
        }
        var q = 0.0
        for i in 0..<n {
            out[i] -= s[i]
            q += out[i] * out[i]
        }
        return q.isFinite ? 0.5 * q : .infinity
    }

    /// J = ∂F/∂s at (s, x*), S × S.
    public func jacobian(at s: [Double]) -> Matrix {
        var ws = workspace
        var j = Matrix(rows: n, cols: n)
        input.withUnsafeBufferPointer { x in
            s.withUnsafeBufferPointer { sp in
                j.withUnsafeMutableBufferPointer { jp in
                    cell.jacobian(sp.baseAddress!, x.baseAddress!, into: jp.baseAddress!, workspace: &ws)
                }
            }
        }
        return j
    }

    /// Minimises q from `start`; returns the final state, its q and the iterations used.
    public func minimize(from start: [Double]) throws -> (state: [Double], q: Double, iterations: Int) {
        guard start.count == n else {
            throw RecurrentError("an initial state has \(start.count) entries, the model's state has \(n)")
        }
        var s = start
        var r = [Double](repeating: 0, count: n)
        var trial = s, mapped = r
        var q = residual(s, into: &r)
        guard q.isFinite else { return (s, q, 0) }
        var mu = -1.0
        var iterations = 0
        let identity = Matrix.identity(n)
        while iterations < options.maxIterations {
            let scale = max(1, s.reduce(0) { $0 + $1 * $1 })
            if q <= 1e-30 * scale { break }
            iterations += 1
            let a = try jacobian(at: s).adding(identity, scaledBy: -1)
            let svd = try a.svd()
            let sigma1 = max(svd.s.first ?? 0, .leastNormalMagnitude)
            if mu < 0 { mu = 1e-8 * sigma1 * sigma1 }
            let ur = try matvec(svd.u, r, trans: .transpose)
            let gradient = try matvec(a, r, trans: .transpose)
            if gradient.reduce(0, { $0 + $1 * $1 }).squareRoot() <= 1e-15 * scale.squareRoot() { break }
            var accepted = false
            while !accepted && mu <= 1e10 * sigma1 * sigma1 {
                var y = ur
                for k in 0..<n { y[k] = -ur[k] * svd.s[k] / (svd.s[k] * svd.s[k] + mu) }
                let delta = try matvec(svd.vt, y, trans: .transpose)
                let slope = zip(gradient, delta).reduce(0) { $0 + $1.0 * $1.1 }
                var alpha = 1.0
                for _ in 0...10 {
                    for i in 0..<n { trial[i] = s[i] + alpha * delta[i] }
                    let qt = residual(trial, into: &mapped)
                    if qt.isFinite && qt <= q + 1e-4 * alpha * slope && (qt < q || slope == 0) {
                        s = trial
                        r = mapped
                        q = qt
                        accepted = true
                        break
                    }
                    alpha *= 0.5
                }
                if !accepted {
                    mu = max(mu, 1e-14 * sigma1 * sigma1) * 10
                } else if alpha == 1 {
                    mu = mu / 10 < 1e-14 * sigma1 * sigma1 ? 0 : mu / 10
                }
            }
            if !accepted { break }
        }
        return (s, q, iterations)
    }

    /// Minimises from every start, keeps fixed and slow points, de-duplicates, linearises.
    public func run(starts: [[Double]]) throws -> FixedPointReport {
        var found: [FixedPoint] = []
        var discarded = 0
        for start in starts {
            let (s, q, iterations) = try minimize(from: start)
            guard q.isFinite, q <= options.slowTolerance else { discarded += 1; continue }
            let isFixed = q <= options.fixedTolerance
            let norm = max(1, s.map(abs).max() ?? 0)
            if let k = found.firstIndex(where: { p in
                zip(p.state, s).allSatisfy { abs($0 - $1) <= options.distinctDistance * norm }
            }) {
                found[k].hits += 1
                if q < found[k].q { found[k].state = s; found[k].q = q; found[k].isFixed = isFixed }
                continue
            }
            found.append(FixedPoint(state: s, q: q, isFixed: isFixed, eigenvalues: [], unstableModes: 0,
                                    marginalModes: 0, stability: .stable, hits: 1, iterations: iterations))
        }
        for k in found.indices { try linearize(&found[k]) }
        found.sort { ($0.isFixed ? 0 : 1, $0.q) < ($1.isFixed ? 0 : 1, $1.q) }
        return FixedPointReport(points: found, starts: starts.count, discarded: discarded, options: options, input: input)
    }

    /// Eigenvalues of ∂F/∂s at the point and its classification.
    public func linearize(_ p: inout FixedPoint) throws {
        let lambda = try jacobian(at: p.state).eigenvalues()
        p.eigenvalues = lambda.map { (re: $0.real, im: $0.imaginary) }
        let band = options.marginalBand
        let moduli = p.eigenvalues.map { hypot($0.re, $0.im) }
        p.unstableModes = moduli.filter { $0 > 1 + band }.count
        p.marginalModes = moduli.filter { abs($0 - 1) <= band }.count
        if p.unstableModes == n && n > 0 { p.stability = .unstable }
        else if p.unstableModes > 0 { p.stability = .saddle }
        else if p.marginalModes > 0 { p.stability = .marginal }
        else { p.stability = .stable }
    }
}
