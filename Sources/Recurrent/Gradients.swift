import Foundation
import Linalg

/// How far gradients flow back in time.
///
/// - `none`: exact BPTT: ∂L/∂θ of the mean loss over all output steps.
/// - `chunks(k)`: PyTorch's truncated-BPTT recipe. The sequence is cut into chunks of k steps
///   (the last may be shorter); each chunk starts from the previous chunk's final state, detached;
///   each chunk's loss is the mean over *its* output steps; `backward()` per chunk; the gradient is
///   the sum over chunks. Many-to-one (`.last`): only the final chunk has a loss.
/// - `williamsPeng(k1, k2)`: BPTT(k1, k2) of Williams & Peng (1990), 1 ≤ k1 ≤ k2. After one forward
///   pass, at every e = k1, 2k1, … (and at T if T is not a multiple of k1) the loss of output steps
///   (e − k1, e] (mean over those steps) is backpropagated through steps e, e−1, …, e − k2 + 1 only
///   (the state s_{e−k2} is treated as a constant); the gradient is the sum over these segments.
///   BPTT(k, k) equals `chunks(k)`.
public enum Truncation: Sendable, Equatable {
    case none
    case chunks(Int)
    case williamsPeng(k1: Int, k2: Int)

    /// (window start, window end, first injected step, last injected step) per backward sweep,
    /// steps 1-based, window = steps start+1 … end.
    func segments(steps t: Int) throws -> [(start: Int, end: Int, lossFrom: Int, lossTo: Int)] {
        switch self {
        case .none:
            return [(0, t, 1, t)]
        case .chunks(let k):
            guard k >= 1 else { throw RecurrentError("the truncation length must be at least 1, got \(k)") }
            return stride(from: 0, to: t, by: k).map { ($0, min($0 + k, t), $0 + 1, min($0 + k, t)) }
        case let .williamsPeng(k1, k2):
            guard k1 >= 1, k2 >= k1 else {
                throw RecurrentError("BPTT(k1, k2) needs 1 ≤ k1 ≤ k2, got k1 = \(k1), k2 = \(k2)")
            }
            var ends = Array(stride(from: k1, through: t, by: k1))
            if ends.last != t { ends.append(t) }
            var previous = 0
            return ends.map { e in defer { previous = e }; return (max(0, e - k2), e, previous + 1, e) }
        }
    }
}

/// The forward pass of a model over a batch.
public struct ForwardPass: Sendable {
    /// `hiddenSize` is the width W of `hidden`: H, or dirs·H for a stacked model.
    public let steps: Int, batchSize: Int, hiddenSize: Int
    public let outputMode: OutputMode
    /// h_1 … h_T, time-major T × B × W (stacked models: the top layer's outputs, [fwd; bwd]).
    public let hidden: [Double]
    /// c_1 … c_T for LSTM (T × B × W; stacked: the top layer's, [fwd; bwd]), else nil.
    public let cell: [Double]?
    /// What the cell kept per step (T × B × cacheWidth): vanilla z_t; LSTM i, f, g, o, tanh c_t;
    /// GRU r, z, n, W_hn h + b_hn.
    public let cache: [Double]
    /// The outputs y (head, or h without a head), time-major T_out × B × O (T_out = 1 for `.last`).
    public let outputs: [Double]
    /// O, the width of an output.
    public let outputSize: Int
    /// Every layer and direction (k = ℓ·dirs + dir); one entry for a single-layer model.
    public let layers: [LayerStates]
}

/// Everything BPTT computes for one batch. Arrays are time-major; t runs 1 … T at index t − 1.
///
/// Stacked models: `hidden`, `cell` and their norms describe the top layer's outputs (width dirs·H,
/// [fwd; bwd]); `recurrentWeightStepLog10Norms`, `preactivations` and `hiddenPreactivations` the top
/// layer's forward unit; `initialState` holds every unit's ∂L/∂s_0 (k = ℓ·dirs + dir, B × S each).
/// `layers` has the per-layer, per-direction picture.
public struct Gradients: Sendable {
    /// Σ over backward segments of each segment's loss (full BPTT: the loss).
    public let loss: Double
    public let segmentLosses: [Double]
    /// ∂L/∂θ with the model's parameter names, shapes and order.
    public let parameters: ParameterSet
    /// ∂L/∂x_t, T × B × D.
    public let input: [Double]
    /// ∂L/∂h_t (total derivative; truncated: summed over the segments that reach step t), T × B × H.
    public let hidden: [Double]
    /// ∂L/∂c_t for LSTM, else nil.
    public let cell: [Double]?
    /// ‖∂L/∂h_t‖_F over the batch, T values (scaled: no false underflow).
    public let hiddenNorms: [Double]
    /// ‖∂L/∂c_t‖_F over the batch (LSTM), T values.
    public let cellNorms: [Double]?
    /// log10 of the Frobenius norm of step t's contribution to ∂L/∂W_hh (−∞ when zero), T values.
    public let recurrentWeightStepLog10Norms: [Double]
    /// ∂L/∂s_0 (B × S).
    public let initialState: [Double]
    /// ∂L/∂y at the output steps (T_out × B × O; adjoint mode: the supplied ∂L/∂h).
    public let outputs: [Double]
    /// ∂L/∂ZX_t, the gradient of the pre-activations W_ih x_t + b_ih (T × B × G·H): δ_t for a vanilla
    /// cell; step t contributes δ_t x_tᵀ to ∂L/∂W_ih.
    public let preactivations: [Double]
    /// ∂L/∂ZH_t for W_hh h_{t−1} + b_hh (T × B × G·H; equal to `preactivations` except for GRU's n
    /// block, which is scaled by r): step t contributes (∂L/∂ZH_t)ᵀ h_{t−1} to ∂L/∂W_hh.
    public let hiddenPreactivations: [Double]
    public let forward: ForwardPass
    /// Every layer and direction (k = ℓ·dirs + dir): ∂L/∂h_t^ℓ and its norms, the depth × time map.
    public let layers: [LayerGradients]

    /// The per-step contributions' norms as plain numbers (0 only below ~1e−308).
    public var recurrentWeightStepNorms: [Double] {
        recurrentWeightStepLog10Norms.map { $0 == -.infinity ? 0 : Foundation.pow(10, $0) }
    }
}

extension RecurrentModel {
    /// Runs the model forward (no loss, no tape kept).
    public func forward(_ inputs: SequenceBatch, outputs: OutputMode, initialState: [Double]? = nil) throws -> ForwardPass {
        try run(inputs, outputs: outputs, objective: nil, initialState: initialState, truncation: .none).forward
    }

    /// Forward pass, loss and (possibly truncated) BPTT.
    /// - Parameters:
    ///   - inputs: T × B × D, time-major.
    ///   - outputs: where the outputs (and the loss) are.
    ///   - objective: loss and targets (see `Objective` for layouts).
    ///   - initialState: s_0 (B × S), zero when nil.
    public func gradients(_ inputs: SequenceBatch, outputs: OutputMode, objective: Objective,
                          initialState: [Double]? = nil, truncation: Truncation = .none) throws -> Gradients {
        try run(inputs, outputs: outputs, objective: objective, initialState: initialState, truncation: truncation).gradients!
    }

    func run(_ inputs: SequenceBatch, outputs mode: OutputMode, objective: Objective?,
                     initialState: [Double]?, truncation: Truncation) throws -> (forward: ForwardPass, gradients: Gradients?) {
        guard inputs.featureSize == inputSize else {
            throw RecurrentError("inputs have \(inputs.featureSize) features per step, but the model's '\(ParameterName.weightIH)' expects D = \(inputSize)")
        }
        guard inputs.steps >= 1 else { throw RecurrentError("inputs have no time steps") }
        let b = inputs.batchSize
        let units = layers * directions
        if let s0 = initialState, s0.count != units * b * stateSize {
            let what = units == 1 ? "B·S" : "(L·dirs)·B·S"
            throw RecurrentError("initial state has \(s0.count) values, expected \(what) = \(units * b * stateSize)")
        }
        if isStacked { return try runStacked(inputs, outputs: mode, objective: objective, initialState: initialState, truncation: truncation) }
        let cell = makeCell()
        return try runCell(cell, inputs, mode, objective, initialState, truncation)
    }

    private func runCell<C: RecurrentCell>(_ cell: C, _ inputs: SequenceBatch, _ mode: OutputMode, _ objective: Objective?,
                                           _ initialState: [Double]?, _ truncation: Truncation) throws -> (forward: ForwardPass, gradients: Gradients?) {
        let t = inputs.steps, b = inputs.batchSize, h = hiddenSize, s = stateSize
        let tOut = mode == .last ? 1 : t, firstOut = mode == .last ? t : 1
        let adjoint = objective?.isAdjoint ?? false
        let width = adjoint ? topWidth : outputSize
        try objective?.validate(outputSteps: tOut, batch: b, outputSize: outputSize, hiddenSize: topWidth)
        // An LRU's layer output is its read-out y_t = Re(C h_t) + D ⊙ x_t (`LRUReadout`), which the head reads.
        let lru = cell is LRUCell ? lruParameters() : nil
        let d = inputSize
        let segments = try truncation.segments(steps: t)
        let u = Unroller(cell: cell, capacity: t, batch: b)
        return try inputs.values.withUnsafeBufferPointer { xBuf in
            if let s0 = initialState {
                s0.withUnsafeBufferPointer { u.forward(steps: t, inputs: xBuf.baseAddress!, initial: $0.baseAddress!) }
            } else {
                u.forward(steps: t, inputs: xBuf.baseAddress!)
            }
            // Hidden (and cell) states, and the hidden states at the output steps.
            let (hidden, cellStates) = splitStates(steps: t, batch: b, hidden: h, state: s) { u.state($0) }
            let hOut = Array(hidden[(firstOut - 1) * b * h ..< t * b * h])
            let xOut = lru == nil ? [] : Array(xBuf[(firstOut - 1) * b * d ..< t * b * d])
            let top = try lru.map { try LRUReadout.outputs(states: hOut, inputs: xOut, rows: tOut * b, parameters: $0) } ?? hOut
            var y = try headOutputs(top, rows: tOut * b, adjoint: adjoint)
            let forward = ForwardPass(steps: t, batchSize: b, hiddenSize: h, outputMode: mode, hidden: hidden, cell: cellStates,
                                      cache: Array(UnsafeBufferPointer(start: u.cache(step: 1), count: t * b * cell.cacheWidth)),
                                      outputs: adjoint ? try headOutputs(top, rows: tOut * b, adjoint: false) : y,
                                      outputSize: outputSize,
                                      layers: [LayerStates(layer: 0, reverse: false, hidden: hidden, cell: cellStates)])
            guard let objective else { return (forward, nil) }

            // Loss per segment and ∂L/∂y at the output steps.
            var dy = [Double](repeating: 0, count: tOut * b * width)
            var losses: [Double] = []
            y.withUnsafeMutableBufferPointer { yp in
                dy.withUnsafeMutableBufferPointer { g in
                    for seg in segments {
                        let from = max(seg.lossFrom, firstOut), to = seg.lossTo
                        guard from <= to else { losses.append(0); continue }
                        let rows = ((from - firstOut) * b) ..< ((to - firstOut + 1) * b)
                        losses.append(objective.evaluate(outputs: yp.baseAddress!, rows: rows, width: width, gradient: g.baseAddress!))
                    }
                }
            }
            // ∂L/∂h at the output steps, and the head's gradients.
            var grads = ParameterSet(zerosLike: parameters)
            let dTop = try headInputGradient(dy, rows: tOut * b, adjoint: adjoint)
            try headParameterGradients(dy, hOut: top, rows: tOut * b, adjoint: adjoint, into: &grads)
            let dh = try lru.map { try LRUReadout.stateGradient(dTop, rows: tOut * b, parameters: $0) } ?? dTop
            // Backward sweeps.
            u.beginBackward()
            dh.withUnsafeBufferPointer { dhp in
                for seg in segments {
                    let from = max(seg.lossFrom, firstOut), to = seg.lossTo
                    guard from <= to else { continue }
                    u.backward(from: seg.end, to: seg.start, injected: from...to) { step in
                        dhp.baseAddress! + (step - firstOut) * b * h
                    }
                }
            }
            let p = u.parameterGradients(inputGradient: true)
            var dx = p.inputs ?? []
            if let lru {
                try LRUReadout.accumulate(recurrence: (p.inputWeight, p.hiddenWeight), readout: dTop, states: hOut, inputs: xOut,
                                          rows: tOut * b, firstRow: (firstOut - 1) * b, parameters: lru, into: &grads, inputGradient: &dx)
            } else {
                grads[ParameterName.weightIH] = p.inputWeight
                grads[ParameterName.weightHH] = p.hiddenWeight
                if grads[ParameterName.biasIH] != nil { grads[ParameterName.biasIH] = p.inputBias }
                if grads[ParameterName.biasHH] != nil { grads[ParameterName.biasHH] = p.hiddenBias }
                try grads.accumulate(own: u.ownParameterGradients(), names: ownParameterNames(layer: 0, reverse: false))
            }

            let (dHidden, dCell) = splitStates(steps: t, batch: b, hidden: h, state: s) { u.stateGradient($0) }
            var hNorms = [Double](repeating: 0, count: t), wNorms = [Double](repeating: 0, count: t)
            hNorms.withUnsafeMutableBufferPointer { u.hiddenGradientNorms(into: $0.baseAddress!) }
            wNorms.withUnsafeMutableBufferPointer { u.recurrentWeightStepLog10Norms(into: $0.baseAddress!) }
            var cNorms: [Double]?
            if s == 2 * h {
                var c = [Double](repeating: 0, count: t)
                c.withUnsafeMutableBufferPointer { u.cellGradientNorms(into: $0.baseAddress!) }
                cNorms = c
            }
            let gradients = Gradients(
                loss: losses.reduce(0, +), segmentLosses: losses, parameters: grads, input: dx,
                hidden: dHidden, cell: dCell, hiddenNorms: hNorms, cellNorms: cNorms,
                recurrentWeightStepLog10Norms: wNorms,
                initialState: Array(UnsafeBufferPointer(start: u.initialStateGradient, count: b * s)),
                outputs: dy,
                preactivations: Array(UnsafeBufferPointer(start: u.zx, count: t * b * u.gh)),
                hiddenPreactivations: Array(UnsafeBufferPointer(start: u.dzhAll, count: t * b * u.gh)),
                forward: forward,
                layers: [LayerGradients(layer: 0, reverse: false, hidden: dHidden, cell: dCell, hiddenNorms: hNorms,
                                        cellNorms: cNorms, recurrentWeightStepLog10Norms: wNorms,
                                        initialState: Array(UnsafeBufferPointer(start: u.initialStateGradient, count: b * s)))])
            return (forward, gradients)
        }
    }

    /// y = h·W_headᵀ + b_head for `rows` rows of top-layer outputs (dirs·H each), or those outputs
    /// themselves without a head / in adjoint mode.
    func headOutputs(_ hOut: [Double], rows: Int, adjoint: Bool) throws -> [Double] {
        guard !adjoint, let w = parameters[ParameterName.headWeight] else { return hOut }
        var y = try matmul(Matrix(rows: rows, cols: topWidth, elements: hOut), w, transB: .transpose)
        if let bias = parameters[ParameterName.headBias] {
            y.withUnsafeMutableBufferPointer { p in for r in 0..<rows { for j in 0..<w.rows { p[r * w.rows + j] += bias[j, 0] } } }
        }
        return y.elements
    }
}

/// Splits per-step B × S state blocks (`block(t)`, t = 1 … T; S = H, or 2H for [h, c]) into time-major
/// T·B·H arrays of the h part and, when S = 2H, the c part.
func splitStates(steps t: Int, batch b: Int, hidden h: Int, state s: Int,
                 _ block: (Int) -> UnsafePointer<Double>) -> (h: [Double], c: [Double]?) {
    var hs = [Double](repeating: 0, count: t * b * h)
    var cs: [Double]? = s == 2 * h ? [Double](repeating: 0, count: t * b * h) : nil
    for step in stride(from: 1, through: t, by: 1) {
        let st = block(step)
        for r in 0..<b { for j in 0..<h {
            hs[((step - 1) * b + r) * h + j] = st[r * s + j]
            cs?[((step - 1) * b + r) * h + j] = st[r * s + h + j]
        } }
    }
    return (hs, cs)
}
