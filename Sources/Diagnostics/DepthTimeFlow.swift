import Foundation
import Linalg
import Recurrent

/// What the depth × time diagnosis of a stacked model measures.
public struct DepthTimeOptions: Sendable {
    /// Lags k of the within-layer products ‖∂h_T^ℓ/∂h_{T−k}^ℓ‖ (the layer's own recursion).
    public var lags: LagSelection
    /// Steps t at which the depth products ‖∂h_t^{top}/∂h_t^ℓ‖ are measured; nil = {1, T}.
    public var depthSteps: [Int]?
    /// ∂L/∂(top output at T) (`topWidth` values: dirs·H, or a stacked LRU's dirs·D_{L−1} read-outs
    /// [y_T^{fwd}; y_T^{bwd}]); nil = a seeded random unit vector.
    public var adjoint: [Double]?
    /// Whether to measure each unit's per-step terms of its ∂L/∂W_hh (`UnitFlow.contributionLog10`).
    public var contributions: Bool
    /// Whether to keep every unit's per-unit × time map log10 |∂L/∂h_t,i| (`UnitFlow.unitLog10`).
    public var unitMaps: Bool

    public init(lags: LagSelection = .all, depthSteps: [Int]? = nil, adjoint: [Double]? = nil, contributions: Bool = false,
                unitMaps: Bool = false) {
        self.lags = lags
        self.depthSteps = depthSteps
        self.adjoint = adjoint
        self.contributions = contributions
        self.unitMaps = unitMaps
    }
}

/// One layer and direction of a depth × time diagnosis.
public struct UnitFlow: Sendable {
    public let layer: Int
    public let reverse: Bool
    /// log10 ‖∂L/∂h_t^{ℓ,dir}‖ for t = 1 … T (index t − 1); nil where the gradient is exactly zero.
    public let gradNormLog10: [Double?]
    /// ‖∂h_T^ℓ/∂h_{T−k}^ℓ‖ of the unit's own recursion along its trajectory (inputs from the layer
    /// below held fixed); for a backward unit the lag runs from its last step t = 1 towards t = k + 1.
    public let timeJacobianNorms: [LagNorm]
    /// Slope and label of `timeJacobianNorms`.
    public let timeSummary: FlowSummary
    /// log10 ‖g_t·h_{t−1}ᵀ‖_F, step t's term of this unit's ∂L/∂W_hh (t = 1 … T, index t − 1; nil =
    /// exactly zero); empty unless `DepthTimeOptions.contributions`.
    public let contributionLog10: [Double?]
    /// log10 |∂L/∂h_t,i^{ℓ,dir}| for t = 1 … T (row t − 1, time-aligned for a backward unit too) and
    /// i < H (−∞ = exactly zero); Σ_i 10^(2·row_i) = 10^(2·`gradNormLog10`[t − 1]). Empty unless
    /// `DepthTimeOptions.unitMaps`.
    public let unitLog10: [[Double]]
}

/// ‖∂h_t^{top}/∂h_t^{top−d}‖ at one step t, d = 0 … L−1 layers crossed (`LagNorm.lag` = d): the product
/// of the depth Jacobians K_t^m = ∂h_t^m/∂h_t^{m−1} (dirs·H × dirs·H, both directions stacked), no time steps.
public struct DepthJacobianNorms: Sendable {
    public let step: Int
    public let norms: [LagNorm]
}

/// A node of the lattice: step t, layer ℓ, direction.
public struct LatticeNode: Sendable, Equatable, CustomStringConvertible {
    public let step: Int, layer: Int, reverse: Bool
    public var description: String { "(t=\(step), ℓ=\(layer)\(reverse ? " bwd" : ""))" }
}

/// The gradient of a stacked (possibly bidirectional) model over depth × time, in log space.
///
/// With L = ⟨g, top output at T⟩, the adjoint of every unit and step is
///     a_t^ℓ = J_{t+1}^{ℓ ᵀ} a_{t+1}^ℓ  +  Σ_dir' (∂s_t^{ℓ+1,dir'}/∂x)ᵀ a_t^{ℓ+1,dir'} |_(ℓ's slice)
/// (t − 1 instead of t + 1 for a backward unit): a time term and a depth term. Every adjoint is held
/// as a unit vector times 10^scale, and sums are taken relative to the larger scale, so nothing
/// overflows or underflows. The same vector–Jacobian products as BPTT (the cells' `vjp` and
/// `inputVJP`), evaluated on per-unit `Trajectory`s.
///
/// A stacked or bidirectional LRU's layers output their read-outs y_t = C′s_t + D ⊙ x_t: the forward
/// pass feeds them up, and the sweep carries ∂L/∂y_t beside ∂L/∂s_t so that the skip D ⊙ x is followed
/// (`LatticeSweep`, "Read-outs"); the map is then ‖∂L/∂s_t^ℓ‖ of the whole state [Re h; Im h].
///
/// The **dominant path** starts at (t = 1, ℓ = 0, forward) and repeatedly steps to the neighbour whose
/// term contributes most to the current adjoint (time: the next step of the same unit; depth: a unit
/// of the layer above at the same step), until the loss term dominates: the route by which most of the
/// gradient reaches the earliest, lowest state.
public struct DepthTimeFlow: Sendable {
    public let steps: Int, layers: Int, bidirectional: Bool
    /// k = ℓ·dirs + dir.
    public private(set) var units: [UnitFlow] = []
    public private(set) var depthJacobianNorms: [DepthJacobianNorms] = []
    /// From (1, 0, forward) to the loss at (T, top).
    public private(set) var dominantPath: [LatticeNode] = []
    /// The model's Lyapunov spectra (forward stack; reverse stack when bidirectional), when asked.
    public internal(set) var lyapunov: ModelLyapunov?

    /// Least-squares slope of log10 ‖∂L/∂h_t^{top}‖ (top layer, forward) against the lag T − t:
    /// decades gained (> 0) or lost (< 0) per step back in time; nil with fewer than two finite values.
    public var timeSlopeLog10PerStep: Double? {
        let top = units[(layers - 1) * (bidirectional ? 2 : 1)]
        return leastSquaresSlope(top.gradNormLog10.enumerated().compactMap { i, v in v.map { (Double(steps - 1 - i), $0) } })
    }

    /// Least-squares slope of log10 ‖∂L/∂h_T^ℓ‖ (forward units) against the depth L − 1 − ℓ: decades
    /// per layer down from the top at the last step; nil for one layer.
    public var depthSlopeLog10PerLayer: Double? {
        leastSquaresSlope(units.filter { !$0.reverse }.compactMap { u in u.gradNormLog10[steps - 1].map { (Double(layers - 1 - u.layer), $0) } })
    }

    public var timeMoves: Int { zip(dominantPath, dominantPath.dropFirst()).filter { $0.layer == $1.layer }.count }
    public var depthMoves: Int { zip(dominantPath, dominantPath.dropFirst()).filter { $0.layer != $1.layer }.count }

    /// Runs `model` over `inputs` (T×D) from `initialStates` (one S-vector per unit; zeros when nil).
    /// Throws when a state becomes non-finite (the layer and step are named).
    public init(model: RecurrentModel, inputs: Matrix, initialStates: [[Double]]? = nil, options: DepthTimeOptions,
                rng: RandomStream) throws {
        let dirs = model.directions, t = inputs.rows, h = model.hiddenSize, w = model.topWidth
        steps = t; layers = model.layers; bidirectional = model.bidirectional
        guard t >= 1 else { throw RecurrentError("the depth × time diagnosis needs at least one step") }
        let unitCount = layers * dirs
        if let s0 = initialStates, s0.count != unitCount || s0.contains(where: { $0.count != model.stateSize }) {
            throw RecurrentError("initial states: expected \(unitCount) vectors of \(model.stateSize) values")
        }
        var adjointRng = rng.split("adjoint")
        var g = options.adjoint ?? adjointRng.normals(w)
        if options.adjoint == nil { let n = nrm2(g); scal(1 / n, &g) }
        guard g.count == w else { throw RecurrentError("the adjoint has \(g.count) entries, the top layer's output has \(w)") }

        // Forward: one trajectory per unit, in its tape order (a backward unit reads reversed inputs).
        let cells = (0..<unitCount).map { model.makeCell(layer: $0 / dirs, reverse: $0 % dirs == 1) }
        var trajectories: [Trajectory] = []
        var layerInput = inputs
        let readouts = model.unitReadouts
        for layer in 0..<layers {
            let o = readouts?[layer * dirs].width ?? h
            var outputs = Matrix(rows: t, cols: dirs * o)
            for dir in 0..<dirs {
                let k = layer * dirs + dir
                let x = dir == 0 ? layerInput : layerInput.reversedRows()
                let traj = try Trajectory(map: cells[k], initialState: initialStates?[k] ?? [Double](repeating: 0, count: model.stateSize), inputs: x)
                if let bad = traj.nonfiniteStep {
                    throw RecurrentError("the forward pass became non-finite in layer \(layer)\(dir == 1 ? " (reverse)" : "") at step \(dir == 0 ? bad : t + 1 - bad)")
                }
                if let r = readouts?[k] {
                    // The layer's output is the read-out y_τ = C′s_τ + D ⊙ x_τ.
                    var y = [Double](repeating: 0, count: o)
                    let d = x.cols
                    traj.states.withUnsafeBufferPointer { st in traj.inputs.withUnsafeBufferPointer { xs in y.withUnsafeMutableBufferPointer { yy in
                        for tau in 1...t {
                            r.apply(state: st.baseAddress! + tau * model.stateSize, input: xs.baseAddress! + (tau - 1) * d, into: yy.baseAddress!)
                            let time = dir == 0 ? tau : t + 1 - tau
                            for j in 0..<o { outputs[time - 1, dir * o + j] = yy[j] }
                        }
                    } } }
                } else {
                    for time in 1...t {
                        let tau = dir == 0 ? time : t + 1 - time
                        for j in 0..<h { outputs[time - 1, dir * h + j] = traj.states[tau, j] }
                    }
                }
                trajectories.append(traj)
            }
            layerInput = outputs
        }

        let sweep = LatticeSweep(cells: cells, trajectories: trajectories, layers: layers, directions: dirs, adjoint: g, readouts: readouts,
                                 contributions: options.contributions, unitMaps: options.unitMaps)
        for k in 0..<unitCount {
            let flow = try BackwardFlow(map: cells[k], trajectory: trajectories[k], options: .init(jacobianLags: options.lags))
            units.append(UnitFlow(layer: k / dirs, reverse: k % dirs == 1, gradNormLog10: sweep.gradNormLog10[k],
                                  timeJacobianNorms: flow.jacobianNorms, timeSummary: FlowSummary(norms: flow.jacobianNorms),
                                  contributionLog10: options.contributions ? sweep.contributionLog10[k] : [],
                                  unitLog10: options.unitMaps ? sweep.unitLog10[k] : []))
        }
        dominantPath = sweep.dominantPath()
        for step in Array(Set(options.depthSteps ?? [1, t])).sorted() where step >= 1 && step <= t {
            depthJacobianNorms.append(DepthJacobianNorms(step: step, norms: try sweep.depthProductNorms(step: step)))
        }
    }
}

extension Matrix {
    /// The rows in reverse order.
    func reversedRows() -> Matrix {
        var r = Matrix(rows: rows, cols: cols)
        for i in 0..<rows { for j in 0..<cols { r[rows - 1 - i, j] = self[i, j] } }
        return r
    }
}

/// The least-squares slope of y against x (nil with fewer than two points or no spread in x).
func leastSquaresSlope(_ points: [(Double, Double)]) -> Double? {
    guard points.count >= 2 else { return nil }
    let n = Double(points.count)
    let mx = points.reduce(0) { $0 + $1.0 } / n, my = points.reduce(0) { $0 + $1.1 } / n
    let sxy = points.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
    let sxx = points.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
    return sxx > 0 ? sxy / sxx : nil
}

extension DepthTimeFlow {
    /// The depth × time diagnosis with a single-layer diagnosis's conventions: inputs (unless
    /// `options.inputs`) from the child stream "inputs", every unit's h_0 (k = ℓ·dirs + dir, in order)
    /// from "h0", the adjoint (unless `options.adjoint`, length dirs·H) from "adjoint"; lags from
    /// `options.lags`; with `options.lyapunovCount` > 0 the Lyapunov spectra (`ModelLyapunov`, child
    /// stream "lyapunov", driven by `options.inputs` when given). Singular-value options are not used.
    /// With `unitMaps`, every unit's per-unit × time map is kept (`UnitFlow.unitLog10`).
    public init(model: RecurrentModel, options o: DiagnosisOptions, rng: RandomStream, unitMaps: Bool = false) throws {
        var inputRng = rng.split("inputs"), stateRng = rng.split("h0")
        let x = o.inputs ?? Matrix.inputSequence(steps: o.steps, size: model.inputSize, source: o.input, rng: &inputRng)
        let s0 = (0..<(model.layers * model.directions)).map { _ in
            makeInitialState(o.initialState, hiddenSize: model.hiddenSize, stateSize: model.stateSize, rng: &stateRng)
        }
        try self.init(model: model, inputs: x, initialStates: s0,
                      options: DepthTimeOptions(lags: o.lags, adjoint: o.adjoint, contributions: o.contributions, unitMaps: unitMaps),
                      rng: rng)
        if o.lyapunovCount > 0 { lyapunov = try ModelLyapunov(model: model, options: o, rng: rng.split("lyapunov")) }
    }
}
