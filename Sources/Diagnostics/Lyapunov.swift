import Foundation
import Linalg
import Recurrent

/// Options for a Lyapunov-spectrum estimate by Benettin's QR method.
public struct LyapunovOptions: Sendable {
    /// K: how many exponents (1 … S).
    public var count: Int
    /// Steps measured after the transient.
    public var steps: Int
    /// Steps discarded first (with `.every(m)`, rounded up to a multiple of m).
    public var transient: Int
    /// How often Y is re-orthonormalised: `.automatic` (guarded blocks; the default) or `.every(m)`.
    public var interval: ReorthonormalizationInterval
    /// Inputs during the run: zeros (autonomous) or Gaussian noise (driven); ignored with `inputs`.
    public var input: InputSource
    /// A given input sequence (T × D): step t reads row (t − 1) mod T, so a run longer than T cycles it.
    public var inputs: Matrix?
    /// s_0.
    public var initialState: InitialState
    /// An explicit s_0 (length S) that overrides `initialState`.
    public var start: [Double]?
    /// How Y = Q·R is factored: one CholeskyQR pass (the default: level-3 BLAS; Q orthonormal to
    /// ≈ κ²u, which the sums absorb — `LyapunovFrame`), CholeskyQR2, or Householder; the CholeskyQR
    /// methods fall back to Householder by their guards. All give the same exponents to round-off. Per
    /// step on OpenBLAS 0.3.21 (Zen 3) the kernels of the pass took 1/2.0, 1/1.65, 1/1.16 and 1/1.28 of
    /// Householder's at S = 64, 128, 256, 512, and the whole N = 256 benchmark 1/1.30–1/1.47 of its CPU
    /// time (docs/linalg.md, docs/diagnostics.md).
    public var qrMethod: QRMethod = .choleskyQR
    /// Whether Householder factorisations may keep Q compact and apply it by dormqr (`LyapunovFrame`;
    /// the default). false forms Q after every QR (dgeqrf + dorgqr, then dgemm), as GradLab did before:
    /// for measuring the difference; both give the same exponents to round-off.
    public var compactFrame = true
    /// The smallest state size S at which Q is kept compact: it measured 1.20–1.27× less CPU at
    /// S = 256, but took about twice the explicit path's time at S = 64 (CostModelTests' all-exponent
    /// configuration, ratio 2.36 against the cost model calibrated on the explicit path, 1.82 with
    /// this threshold): dgeqrt/dgemqrt's blocking overhead outweighs the saved dorgqr at small S.
    public var compactFrameMinimumSize = 128

    /// `reorthonormalizeEvery`: m for `.every(m)`; nil (the default) = `.automatic`.
    public init(count: Int, steps: Int, transient: Int = 200, reorthonormalizeEvery: Int? = nil,
                input: InputSource = .zeros, initialState: InitialState = .gaussian) {
        self.count = count
        self.steps = steps
        self.transient = transient
        self.interval = reorthonormalizeEvery.map { .every($0) } ?? .automatic
        self.input = input
        self.initialState = initialState
    }
}

/// The Lyapunov spectrum of a recurrent map, in nats per time step.
///
/// Benettin et al. (1980): Q_0 is a random S×K matrix with orthonormal columns; every step
/// Y ← J_t·Y (dgemm; with Householder the first step of a block applies a compact Q by dgemqrt,
/// `LyapunovFrame`), and at the end of each block Y = Q·R (one CholeskyQR pass by default, CholeskyQR2
/// or Householder by `qrMethod`) with Q kept and log|r_ii| accumulated; with one CholeskyQR pass the
/// sums get log r̃_ii of the last Q minus that of the first (Q = Q̃·R̃, `LyapunovFrame`). Blocks are m
/// steps with `.every(m)`, or chosen by `.automatic` (the default): 1 … 16 steps, each accepted only
/// if min|r_ii|/‖Y‖_F ≥ 10⁻³ and otherwise redone one step at a time (`ReorthonormalizationInterval`);
/// blocks never straddle the end of the transient or of the run. After the transient,
/// λ_i = (Σ log|r_ii|) / steps. The exponents are returned descending. With K = S, Σλ_i equals the
/// trajectory average of ln|det J_t| to round-off (any interval).
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
    /// How many factorisations a CholeskyQR guard sent to Householder (ill-conditioned or exactly
    /// singular Y; 0 with `qrMethod = .householder`).
    public let qrFallbacks: Int

    /// QR factorisations performed (transient included; with `.automatic`, refused blocks included).
    public let qrFactorizations: Int
    /// `.automatic`: blocks the guard refused and redid one step at a time (0 with `.every(m)`).
    public let rejectedBlocks: Int
    /// The most steps between two accepted factorisations.
    public let longestBlock: Int

    /// The smallest |r_ii|.
    static func smallestFactor(_ diag: [Double]) -> Double { diag.reduce(Double.infinity) { min($0, abs($1)) } }

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
        let s = map.stateSize, d = map.inputSize, k = o.count
        // `fixed`: m of `.every(m)`; nil = automatic blocks.
        let fixed: Int? = { if case .every(let m) = o.interval { return max(m, 1) } else { return nil } }()
        guard k >= 1 && k <= s else {
            throw LinalgError.invalidArgument(operation: "Lyapunov spectrum", detail: "asked for \(k) exponents; the state has \(s) dimensions (choose 1 … \(s))")
        }
        guard o.steps >= 1 else {
            throw LinalgError.invalidArgument(operation: "Lyapunov spectrum", detail: "needs at least 1 measured step, got \(o.steps)")
        }
        guard o.steps <= Self.maximumSteps, o.transient <= Self.maximumSteps, (fixed ?? 1) <= Self.maximumSteps else {
            throw LinalgError.invalidArgument(operation: "Lyapunov spectrum", detail: "steps, transient and interval must each be at most \(Self.maximumSteps), got \(o.steps), \(o.transient) and \(fixed ?? 1)")
        }
        let transient = fixed.map { ((max(o.transient, 0) + $0 - 1) / $0) * $0 } ?? max(o.transient, 0)
        let total = transient + (fixed.map { ((o.steps + $0 - 1) / $0) * $0 } ?? o.steps)

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
        // Q_0 (column-major S×K): the identity for a full spectrum (any basis will do), a random
        // orthonormal S×K otherwise, so no direction is privileged by the coordinates.
        let q0 = k == s ? Matrix.identity(s).elements : try rng.normalMatrix(rows: s, cols: k).qr().q.transposed.elements
        let frame = try LyapunovFrame(initial: q0, rows: s, cols: k, method: o.qrMethod,
                                      compact: o.compactFrame && s >= o.compactFrameMinimumSize)
        var diag = [Double](repeating: 0, count: k)
        var sums = [CompensatedSum](repeating: CompensatedSum(), count: k)
        var singular = [Int](repeating: 0, count: k)
        let tolerance = Self.singularTolerance(count: k)
        var measured = 0, factorizations = 0, rejected = 0, longest = 0
        var bad: Int? = nil
        // Automatic blocks remember each step's state and input, so a refused block can be redone.
        let capacity = fixed == nil ? ReorthonormalizationInterval.maximumBlock : 0
        var blockStates = [Double](repeating: 0, count: capacity * s), blockInputs = [Double](repeating: 0, count: capacity * d)
        var planned = 1
        // One CholeskyQR pass: log r̃_ii of Q where the measurement starts (subtracted) and ends (added).
        var opening = [Double](repeating: 0, count: frame.basisMayBeSkewed ? k : 0), closing = opening

        /// Adds the factored block ending at step `end` (Y's norm `scale`) to the sums.
        func accumulate(end: Int, scale: Double) {
            guard end > transient else { return }
            for i in 0..<k {
                if abs(diag[i]) <= tolerance * scale { singular[i] += 1 } else { sums[i].add(Foundation.log(abs(diag[i]))) }
            }
            measured = end - transient
        }
        /// Factors Y (the product of the steps up to `end`) unconditionally, as QR every m steps does;
        /// returns ρ = min|r_ii|/‖Y‖_F and ‖Y‖_F, or nil when Y or R is non-finite.
        func measure(end: Int) throws -> (rho: Double, norm: Double)? {
            let scale = frame.productNorm
            guard scale.isFinite else { return nil }
            try frame.factor(rDiagonal: &diag)
            factorizations += 1
            guard diag.allSatisfy({ $0.isFinite }) else { return nil }
            accumulate(end: end, scale: scale)
            frame.adopt()
            return (Self.smallestFactor(diag) / scale, scale)
        }
        /// The first `count` steps of the block after step `first`, one QR each, from their stored states
        /// and inputs (the Jacobians are recomputed, bit for bit); sets `bad` on a non-finite Y or R.
        func redo(_ count: Int, after first: Int) throws {
            for j in 0..<count {
                blockStates.withUnsafeBufferPointer { sb in
                    blockInputs.withUnsafeBufferPointer { xb in
                        map.jacobian(sb.baseAddress! + j * s, xb.baseAddress! + j * d, into: &jac, workspace: &ws)
                    }
                }
                try frame.start(jacobian: jac)
                guard try measure(end: first + j + 1) != nil else { bad = first + j + 1; return }
            }
        }

        var t = 0
        while t < total {
            if t == transient, frame.basisMayBeSkewed { try frame.basisLogScale(into: &opening) }
            let mb = fixed ?? min(planned, (t < transient ? transient : total) - t)
            var done = 0
            for j in 0..<mb {
                let step = t + j + 1
                if let given = o.inputs {
                    let row = (step - 1) % given.rows
                    for i in 0..<d { x[i] = given[row, i] }
                } else if case .gaussian(let std) = o.input {
                    for i in 0..<d { x[i] = std * rng.normal() }
                }
                if capacity > 0 {
                    for i in 0..<s { blockStates[j * s + i] = state[i] }
                    for i in 0..<d { blockInputs[j * d + i] = x[i] }
                }
                map.jacobian(state, x, into: &jac, workspace: &ws)
                map.step(state, x, into: &next, workspace: &ws)
                if next.contains(where: { !$0.isFinite }) { bad = step; break }
                swap(&state, &next)
                if j == 0 { try frame.start(jacobian: jac) } else { frame.advance(jacobian: jac) }
                done += 1
            }
            if bad != nil {
                // Automatic: the block's finite steps are measured one by one, as QR every step would.
                if fixed == nil, done > 0 { let b = bad; bad = nil; try redo(done, after: t); if bad == nil { bad = b } }
                break
            }
            let end = t + mb
            if fixed != nil || mb == 1 {
                guard let r = try measure(end: end) else { bad = end; break }
                longest = max(longest, mb)
                if fixed == nil { planned = ReorthonormalizationInterval.plannedBlock(rho: r.rho, norm: r.norm, columns: k, steps: 1) }
            } else {
                // The guard: a block is kept only when ρ ≥ τ (and everything is finite); else it is redone.
                let scale = frame.productNorm
                var rho = Double.nan
                if scale.isFinite, scale > 0 {
                    try frame.factor(rDiagonal: &diag)
                    factorizations += 1
                    if diag.allSatisfy({ $0.isFinite }) { rho = Self.smallestFactor(diag) / scale }
                }
                planned = ReorthonormalizationInterval.plannedBlock(rho: rho, norm: scale, columns: k, steps: mb)
                if rho >= ReorthonormalizationInterval.blockGuard {
                    accumulate(end: end, scale: scale)
                    frame.adopt()
                    longest = max(longest, mb)
                } else {
                    rejected += 1
                    try redo(mb, after: t)
                    if bad != nil { break }
                }
            }
            t = end
        }
        if measured > 0, frame.basisMayBeSkewed {
            try frame.basisLogScale(into: &closing)
            for i in 0..<k { sums[i].add(closing[i] - opening[i]) }
        }
        nonfiniteStep = bad
        measuredSteps = measured
        qrFallbacks = frame.fallbacks
        qrFactorizations = factorizations
        rejectedBlocks = rejected
        longestBlock = longest
        let ranked = measured > 0
            ? (0..<k).map { (singular[$0] > 0 ? -Double.infinity : sums[$0].value / Double(measured), singular[$0]) }.sorted { $0.0 > $1.0 }
            : []
        exponents = ranked.map(\.0)
        singularSteps = ranked.map(\.1)
    }
}
