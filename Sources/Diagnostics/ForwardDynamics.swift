import Foundation
import Linalg
import Recurrent

/// Thresholds of the forward diagnosis (docs/dynamics.md states them).
public struct ForwardThresholds: Sendable, Equatable {
    /// A unit (or gate) is saturated when φ′(z)/sup φ′ < this: tanh 1 − h² < 0.01 ⇔ |h| > 0.99499;
    /// sigmoid 4σ(1 − σ) < 0.01 ⇔ σ < 0.0025 or σ > 0.9975.
    public var saturation = 0.01
    /// The regime is `saturating` from the first step where at least this fraction of units (for a
    /// gated cell: of some gate's units) is saturated.
    public var saturatedFraction = 0.5
    /// `exploding` from the first step where the RMS of h (or of an LSTM's c) exceeds this, or a state is not finite.
    public var explodingRMS = 100.0
    /// `vanishing` when the RMS of h stays below this from some step to the end.
    public var vanishingRMS = 1e-3
    /// `dead` (ReLU) when at least `saturatedFraction` of the units have z ≤ 0 at every step.
    public init() {}
}

/// The forward regime of a run, with the step it began (1-based; nil for `stable`).
public enum ForwardRegime: String, Sendable, Equatable, CaseIterable {
    case stable, saturating, exploding, vanishing, dead
}

/// Per-step forward statistics of one sequence through a single-layer cell: the quantities behind
/// vanishing gradients that the backward measurements cannot show (docs/dynamics.md).
///
/// Step t = 1…T (arrays indexed t − 1; after a non-finite state the arrays stop):
/// - `hNorm[t]` = ‖h_t‖₂, `cNorm[t]` = ‖c_t‖₂ (LSTM);
/// - vanilla cells: `saturated[t]` = fraction of units with φ′(z)/sup φ′ < threshold (tanh, sigmoid;
///   0 for relu and linear, whose φ′ does not decay), `inactive[t]` = fraction with z ≤ 0 (relu,
///   leaky-relu), `preactivationQ[t]` = q_t = (1/H) Σᵢ z_{t,i}² (the mean-field variance);
/// - gated cells: per gate (LSTM i, f, g, o; GRU r, z, n) the mean gate value `gateMean[g][t]` and the
///   saturated fraction `gateSaturated[g][t]` (σ gates by 4σ(1 − σ), tanh gates by 1 − g²).
public struct ForwardDynamics: Sendable {
    public let family: CellFamily
    public let hiddenSize: Int
    public var hNorm: [Double] = []
    public var cNorm: [Double] = []
    public var saturated: [Double] = []
    public var inactive: [Double] = []
    public var preactivationQ: [Double] = []
    /// Gate names in `family.gateNames` order (empty for a vanilla cell).
    public var gateNames: [String] = []
    public var gateMean: [[Double]] = []
    public var gateSaturated: [[Double]] = []
    /// Units with z ≤ 0 at every step (relu, leaky-relu; 0 otherwise).
    public var deadUnits = 0
    /// The first step whose state was not finite.
    public var nonfiniteStep: Int?
    /// The mean-field fixed point q* of the vanilla cell's variance map (see `Theory.meanFieldVariance`).
    public var meanFieldQ: Double?
    public var regime: ForwardRegime = .stable
    public var regimeStep: Int?

    /// Runs the cell over `inputs` (T × D) from `initialState` and measures every step.
    /// `meanField: false` skips q* (`meanFieldQ` stays nil): its quadrature costs more than a short run.
    public init<C: RecurrentCell>(cell: C, family: CellFamily, activation: Activation?, inputs: Matrix,
                                  initialState: [Double], thresholds: ForwardThresholds = ForwardThresholds(), meanField: Bool = true) throws {
        let h = cell.hiddenSize, s = cell.stateSize, d = cell.inputSize
        guard initialState.count == s, inputs.cols == d else {
            throw RecurrentError("forward diagnosis: state has \(initialState.count) entries (needs \(s)), inputs are \(inputs.shapeDescription) (needs D = \(d))")
        }
        guard !family.takesActivation || activation != nil else {
            throw RecurrentError("forward diagnosis: a \(family.rawValue) cell needs its activation φ for the saturation counts")
        }
        self.family = family
        hiddenSize = h
        // An LRU has no gates and no point-wise map (cache width 0): like the vanilla cell, no gate series.
        gateNames = family.takesActivation || family == .lru ? [] : family.gateNames
        gateMean = gateNames.map { _ in [] }
        gateSaturated = gateNames.map { _ in [] }
        var ws = cell.makeWorkspace()
        var previous = initialState, next = [Double](repeating: 0, count: s)
        var alwaysInactive = [Bool](repeating: true, count: h)
        let relu: Bool
        switch activation { case .relu?, .leakyRelu?: relu = true; default: relu = false }
        for t in 0..<inputs.rows {
            let x = inputs.row(t)
            cell.step(previous, x, into: &next, workspace: &ws)
            guard next.allSatisfy(\.isFinite) else { nonfiniteStep = t + 1; break }
            let cache = ws.lastStepCache
            hNorm.append(nrm2(Array(next[0..<h])))
            if family == .lstm { cNorm.append(nrm2(Array(next[h..<2 * h]))) }
            if family.takesActivation, let phi = activation {
                var sat = 0, off = 0, q = 0.0
                for i in 0..<h {
                    let z = cache[i]
                    q += z * z
                    let bound = phi.derivativeBound
                    if phi == .tanh || phi == .sigmoid, phi.derivative(z: z, h: next[i]) / bound < thresholds.saturation { sat += 1 }
                    if z <= 0 { off += 1 } else { alwaysInactive[i] = false }
                }
                saturated.append(Double(sat) / Double(h))
                inactive.append(relu ? Double(off) / Double(h) : 0)
                preactivationQ.append(q / Double(h))
            } else {
                for g in gateNames.indices {
                    let isTanh = (family == .lstm && g == 2) || (family == .gru && g == 2)
                    var sum = 0.0, sat = 0
                    for i in 0..<h {
                        let v = cache[g * h + i]
                        sum += v
                        let slope = isTanh ? 1 - v * v : 4 * v * (1 - v)
                        if slope < thresholds.saturation { sat += 1 }
                    }
                    gateMean[g].append(sum / Double(h))
                    gateSaturated[g].append(Double(sat) / Double(h))
                }
            }
            swap(&previous, &next)
        }
        if relu && !hNorm.isEmpty { deadUnits = alwaysInactive.filter { $0 }.count }
        if meanField, family == .rnn, let phi = activation {
            meanFieldQ = Theory.meanFieldVariance(activation: phi, weights: cell.weights, inputs: inputs)
        }
        classify(thresholds)
    }

    /// The regime, checked in the order exploding, saturating, dead, vanishing (else stable).
    mutating func classify(_ th: ForwardThresholds) {
        let root = Double(hiddenSize).squareRoot()
        let steps = hNorm.count
        func first(_ ok: (Int) -> Bool) -> Int? { (0..<steps).first(where: ok).map { $0 + 1 } }
        if let t = first({ hNorm[$0] / root > th.explodingRMS || (!cNorm.isEmpty && cNorm[$0] / root > th.explodingRMS) }) ?? nonfiniteStep {
            regime = .exploding; regimeStep = t; return
        }
        let saturation = family.takesActivation ? saturated : (0..<steps).map { t in gateSaturated.map { $0[t] }.max() ?? 0 }
        if let t = first({ saturation[$0] >= th.saturatedFraction }) { regime = .saturating; regimeStep = t; return }
        if Double(deadUnits) >= th.saturatedFraction * Double(hiddenSize) { regime = .dead; regimeStep = 1; return }
        if steps > 0, hNorm[steps - 1] / root < th.vanishingRMS {
            var t = steps
            while t > 1 && hNorm[t - 2] / root < th.vanishingRMS { t -= 1 }
            regime = .vanishing; regimeStep = t; return
        }
        regime = .stable; regimeStep = nil
    }
}

extension Theory {
    /// The mean-field fixed point q* of the pre-activation variance map of a vanilla cell,
    ///
    ///     q ↦ σ_w²·E[φ(√q·ξ)²] + σ_b² + σ_x²,   ξ ~ N(0, 1),
    ///
    /// with σ_w² = ‖W_hh‖_F²/H (the per-entry variance times H), σ_b² = (1/H)‖b_ih + b_hh‖², and
    /// σ_x² = (1/(T·H)) Σ_t ‖W_ih x_t‖² (the input drive, measured on `inputs`). Iterated from q = 1
    /// until a step moves less than 1e-14·max(1, q) (at most 100 000 steps).
    public static func meanFieldVariance(activation phi: Activation, weights w: CellWeights, inputs: Matrix) -> Double {
        let h = Double(w.hiddenSize)
        let sw = w.hiddenWeight.elements.reduce(0) { $0 + $1 * $1 } / h
        let sb = zip(w.inputBias, w.hiddenBias).reduce(0) { $0 + ($1.0 + $1.1) * ($1.0 + $1.1) } / h
        var sx = 0.0
        if inputs.rows > 0 {
            for t in 0..<inputs.rows {
                let u = (try? matvec(w.inputWeight, inputs.row(t))) ?? []
                sx += u.reduce(0) { $0 + $1 * $1 }
            }
            sx /= Double(inputs.rows) * h
        }
        return meanFieldFixedPoint(activation: phi, weightVariance: sw, offsetVariance: sb + sx)
    }

    /// q* of q ↦ σ_w²·E[φ(√q·ξ)²] + c by iteration from q = 1.
    public static func meanFieldFixedPoint(activation phi: Activation, weightVariance sw: Double, offsetVariance c: Double) -> Double {
        var q = 1.0
        for _ in 0..<100_000 {
            let root = q.squareRoot()
            let next = sw * gaussianExpectation { z in let v = phi.value(root * z); return v * v } + c
            if !next.isFinite { return .infinity }
            if abs(next - q) < 1e-14 * max(1, q) { return next }
            q = next
        }
        return q
    }
}
