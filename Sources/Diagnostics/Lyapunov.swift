import Foundation
import Linalg
import Recurrent

/// Options for a Lyapunov-spectrum estimate by Benettin's QR method.
public struct LyapunovOptions: Sendable {
    /// K: how many exponents (1 … S).
    public var count: Int
    /// Steps measured after the transient.
    public var steps: Int
    /// Steps discarded first (rounded up to a multiple of `reorthonormalizeEvery`).
    public var transient: Int
    /// QR re-orthonormalisation interval m (1 = every step).
    public var reorthonormalizeEvery: Int
    /// Inputs during the run: zeros (autonomous) or Gaussian noise (driven); ignored with `inputs`.
    public var input: InputSource
    /// A given input sequence (T × D): step t reads row (t − 1) mod T, so a run longer than T cycles it.
    public var inputs: Matrix?
    /// s_0.
    public var initialState: InitialState
    /// An explicit s_0 (length S) that overrides `initialState`.
    public var start: [Double]?
    /// How Y = Q·R is factored: Householder (the default: measured faster on this machine's OpenBLAS
    /// 0.3.21 at N = 256), or CholeskyQR2 (level-3 BLAS) with its guard's Householder fallback. Both
    /// give the same exponents to round-off (docs/diagnostics.md).
    public var qrMethod: QRMethod = .householder

    public init(count: Int, steps: Int, transient: Int = 200, reorthonormalizeEvery: Int = 1,
                input: InputSource = .zeros, initialState: InitialState = .gaussian) {
        self.count = count
        self.steps = steps
        self.transient = transient
        self.reorthonormalizeEvery = reorthonormalizeEvery
        self.input = input
        self.initialState = initialState
    }
}

/// The Lyapunov spectrum of a recurrent map, in nats per time step.
///
/// Benettin et al. (1980): Q_0 is a random S×K matrix with orthonormal columns; every step
/// Y ← J_t·Y, and every m steps Y = Q·R (Householder, or CholeskyQR2 by `qrMethod`) with Q kept and log|r_ii| accumulated.
/// After the transient, λ_i = (Σ log|r_ii|) / steps. The exponents are returned descending.
/// With K = S and m = 1, Σλ_i equals the trajectory average of ln|det J_t| to round-off.
///
/// **Exactly singular factors.** A Jacobian with exactly zero directions (a dead ReLU unit, tanh′
/// rounded to 0) makes some r_ii exactly 0 in exact arithmetic; Householder QR then returns a
/// round-off value of size ≈ u·‖Y‖ (u = 2⁻⁵³), whose logarithm (≈ −36) would pass for a measurement.
/// A factor with |r_ii| ≤ `singularTolerance`·‖Y‖_F, i.e. K·u·‖Y‖_F (the size of the backward error of
/// forming Y and factoring it), is indistinguishable from zero in Float64 and is counted as exactly
/// singular: that direction's exponent is −∞ (the product of the measured factors has a zero there),
/// and `singularSteps` says at how many measured steps it happened. Nothing is averaged over
/// round-off. A non-finite state or factor stops the run (`nonfiniteStep`); no NaN is ever returned.
public struct LyapunovSpectrum: Sendable {
    /// λ_1 ≥ … ≥ λ_K, nats per step; −∞ for a direction with an exactly singular factor.
    public let exponents: [Double]
    /// For each exponent (same order): the measured steps at which its factor r_ii was exactly
    /// singular (0 for a finite exponent).
    public let singularSteps: [Int]
    /// The first step at which the state became non-finite (the estimate then stops), if any.
    public let nonfiniteStep: Int?
    /// Steps actually measured.
    public let measuredSteps: Int
    /// How many factorisations CholeskyQR2's guard sent to Householder (ill-conditioned or exactly
    /// singular Y; 0 with `qrMethod = .householder`).
    public let qrFallbacks: Int

    /// The largest measured steps, transient or interval accepted (sums of them cannot overflow).
    public static let maximumSteps = Int.max / 8

    /// How many exponents are −∞.
    public var negativeInfiniteCount: Int { exponents.filter { $0 == -.infinity }.count }

    /// |r_ii| ≤ singularTolerance(K)·‖Y‖_F counts as an exact zero: K·u, u = 2⁻⁵³ the unit round-off.
    public static func singularTolerance(count k: Int) -> Double { Double(max(k, 1)) * Double.ulpOfOne / 2 }

    public var maximum: Double? { exponents.first }
    public var mean: Double? { exponents.isEmpty ? nil : exponents.reduce(0, +) / Double(exponents.count) }

    /// Kaplan–Yorke dimension: j + (λ_1 + … + λ_j)/|λ_{j+1}| with j the largest index whose partial sum
    /// is ≥ 0; 0 when λ_1 < 0; K when every partial sum is ≥ 0 (the estimate is then a lower bound).
    public var kaplanYorkeDimension: Double { Self.kaplanYorkeDimension(exponents) }

    /// The Kaplan–Yorke dimension of descending exponents (see `kaplanYorkeDimension`).
    public static func kaplanYorkeDimension(_ exponents: [Double]) -> Double {
        var sum = 0.0
        for (j, l) in exponents.enumerated() {
            if sum + l < 0 { return l == 0 ? Double(j) : Double(j) + sum / abs(l) }
            sum += l
        }
        return Double(exponents.count)
    }

    public init<M: RecurrentMap>(map: M, options o: LyapunovOptions, rng: inout RandomStream) throws {
        let s = map.stateSize, d = map.inputSize, k = o.count, m = max(o.reorthonormalizeEvery, 1)
        guard k >= 1 && k <= s else {
            throw LinalgError.invalidArgument(operation: "Lyapunov spectrum", detail: "asked for \(k) exponents; the state has \(s) dimensions (choose 1 … \(s))")
        }
        guard o.steps >= 1 else {
            throw LinalgError.invalidArgument(operation: "Lyapunov spectrum", detail: "needs at least 1 measured step, got \(o.steps)")
        }
        guard o.steps <= Self.maximumSteps, o.transient <= Self.maximumSteps, m <= Self.maximumSteps else {
            throw LinalgError.invalidArgument(operation: "Lyapunov spectrum", detail: "steps, transient and interval must each be at most \(Self.maximumSteps), got \(o.steps), \(o.transient) and \(m)")
        }
        let transient = ((max(o.transient, 0) + m - 1) / m) * m
        let total = transient + ((o.steps + m - 1) / m) * m

        var ws = map.makeWorkspace()
        if let x = o.inputs, x.cols != d || x.rows < 1 {
            throw LinalgError.shapeMismatch(operation: "Lyapunov spectrum", detail: "the inputs are \(x.shapeDescription); the map needs T × \(d) with T ≥ 1")
        }
        if let start = o.start, start.count != s {
            throw LinalgError.shapeMismatch(operation: "Lyapunov spectrum", detail: "the start state has \(start.count) entries; the map's state has \(s)")
        }
        var state = o.start ?? makeInitialState(o.initialState, hiddenSize: map.hiddenSize, stateSize: s, rng: &rng)
        var next = state
        var x = [Double](repeating: 0, count: d)
        var jac = [Double](repeating: 0, count: s * s)
        // Q and Y are column-major S×K (the row-major K×S buffer), as LAPACK wants them. Q_0 is the
        // identity for a full spectrum (any basis will do) and a random orthonormal S×K otherwise, so
        // no direction is privileged by the coordinates.
        var q = k == s ? Matrix.identity(s).elements : try rng.normalMatrix(rows: s, cols: k).qr().q.transposed.elements
        var y = q
        var diag = [Double](repeating: 0, count: k)
        var sums = [CompensatedSum](repeating: CompensatedSum(), count: k)
        let qr = try QRWorkspace(rows: s, cols: k, method: o.qrMethod)
        var singular = [Int](repeating: 0, count: k)
        let tolerance = Self.singularTolerance(count: k)
        var measured = 0
        var bad: Int? = nil

        for t in 1...total {
            if let given = o.inputs {
                let row = (t - 1) % given.rows
                for i in 0..<d { x[i] = given[row, i] }
            } else if case .gaussian(let std) = o.input {
                for i in 0..<d { x[i] = std * rng.normal() }
            }
            map.jacobian(state, x, into: &jac, workspace: &ws)
            map.step(state, x, into: &next, workspace: &ws)
            if next.contains(where: { !$0.isFinite }) { bad = t; break }
            swap(&state, &next)
            // Y = J · Q with Q, Y column-major S × K, i.e. row-major K × S: Yᵀ = Qᵀ · Jᵀ (the same
            // BLAS kernel call as column-major op(J)·Q).
            gemm(.none, .transpose, m: k, n: s, k: s, q, lda: s, jac, ldb: s, beta: 0, &y, ldc: s)
            swap(&q, &y)
            if t % m == 0 {
                let scale = frobeniusNorm(q, rows: k, cols: s, ld: s)
                guard scale.isFinite else { bad = t; break }
                try q.withUnsafeMutableBufferPointer { try qr.factor($0.baseAddress!, leadingDimension: s, rDiagonal: &diag) }
                guard diag.allSatisfy({ $0.isFinite }) else { bad = t; break }
                if t > transient {
                    for i in 0..<k {
                        if abs(diag[i]) <= tolerance * scale { singular[i] += 1 } else { sums[i].add(Foundation.log(abs(diag[i]))) }
                    }
                    measured = t - transient
                }
            }
        }
        nonfiniteStep = bad
        measuredSteps = measured
        qrFallbacks = qr.fallbacks
        let ranked = measured > 0
            ? (0..<k).map { (singular[$0] > 0 ? -Double.infinity : sums[$0].value / Double(measured), singular[$0]) }.sorted { $0.0 > $1.0 }
            : []
        exponents = ranked.map(\.0)
        singularSteps = ranked.map(\.1)
    }
}
