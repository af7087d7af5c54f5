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
    /// Inputs during the run: zeros (autonomous) or Gaussian noise (driven).
    public var input: InputSource
    /// s_0.
    public var initialState: InitialState
    /// An explicit s_0 (length S) that overrides `initialState`.
    public var start: [Double]?

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
/// Y ← J_t·Y, and every m steps Y = Q·R (Householder QR) with Q kept and log|r_ii| accumulated.
/// After the transient, λ_i = (Σ log|r_ii|) / steps. The exponents are returned descending.
/// With K = S and m = 1, Σλ_i equals the trajectory average of ln|det J_t| to round-off.
public struct LyapunovSpectrum: Sendable {
    /// λ_1 ≥ … ≥ λ_K, nats per step.
    public let exponents: [Double]
    /// The first step at which the state became non-finite (the estimate then stops), if any.
    public let nonfiniteStep: Int?
    /// Steps actually measured.
    public let measuredSteps: Int

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
        let transient = ((max(o.transient, 0) + m - 1) / m) * m
        let total = transient + ((o.steps + m - 1) / m) * m

        var ws = map.makeWorkspace()
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
        let qr = try QRWorkspace(rows: s, cols: k)
        var measured = 0
        var bad: Int? = nil

        for t in 1...total {
            if case .gaussian(let std) = o.input { for i in 0..<d { x[i] = std * rng.normal() } }
            map.jacobian(state, x, into: &jac, workspace: &ws)
            map.step(state, x, into: &next, workspace: &ws)
            if next.contains(where: { !$0.isFinite }) { bad = t; break }
            swap(&state, &next)
            // Y = J · Q with Q, Y column-major S × K, i.e. row-major K × S: Yᵀ = Qᵀ · Jᵀ (the same
            // BLAS kernel call as column-major op(J)·Q).
            gemm(.none, .transpose, m: k, n: s, k: s, q, lda: s, jac, ldb: s, beta: 0, &y, ldc: s)
            swap(&q, &y)
            if t % m == 0 {
                try q.withUnsafeMutableBufferPointer { try qr.factor($0.baseAddress!, leadingDimension: s, rDiagonal: &diag) }
                if t > transient {
                    for i in 0..<k { sums[i].add(Foundation.log(abs(diag[i]))) }
                    measured = t - transient
                }
            }
        }
        nonfiniteStep = bad
        measuredSteps = measured
        exponents = measured > 0 ? sums.map { $0.value / Double(measured) }.sorted(by: >) : []
    }
}
