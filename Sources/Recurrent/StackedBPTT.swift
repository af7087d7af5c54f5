import Foundation
import Linalg

/// A stretch of the sequence that is run forward as one piece (offset, length) and its BPTT windows,
/// times relative to the stretch (see `Truncation.segments`).
struct StackedRun {
    let offset: Int, length: Int
    let windows: [(start: Int, end: Int, lossFrom: Int, lossTo: Int)]
}

extension RecurrentModel {
    /// How a stacked model covers T steps under `truncation`.
    ///
    /// Unidirectional: one forward pass and `truncation`'s windows, cutting every layer at the same
    /// step. Bidirectional: `.none` is one window; `.chunks(k)` follows PyTorch's recipe literally —
    /// each chunk is its own forward pass (the backward direction reads only the chunk) from the
    /// previous chunk's final states h_n (both directions) detached, with full BPTT inside the chunk;
    /// BPTT(k1, k2) is not defined (a backward direction reads the future) and is an error.
    func stackedRuns(steps t: Int, truncation: Truncation) throws -> [StackedRun] {
        let segments = try truncation.segments(steps: t)
        guard bidirectional else { return [StackedRun(offset: 0, length: t, windows: segments)] }
        switch truncation {
        case .none, .chunks:
            return segments.map { StackedRun(offset: $0.start, length: $0.end - $0.start,
                                             windows: [(0, $0.end - $0.start, 1, $0.end - $0.start)]) }
        case .williamsPeng:
            throw RecurrentError("BPTT(k1, k2) needs a unidirectional model (a backward layer reads the future); use chunks of k steps (PyTorch's recipe) or full BPTT")
        }
    }

    /// The forward pass and BPTT of a stacked or bidirectional model (see `StackedTape`).
    func runStacked(_ inputs: SequenceBatch, outputs mode: OutputMode, objective: Objective?,
                    initialState: [Double]?, truncation: Truncation) throws -> (forward: ForwardPass, gradients: Gradients?) {
        let runs = try stackedRuns(steps: inputs.steps, truncation: truncation)
        let weights = (0..<layers).flatMap { l in (0..<directions).map { cellWeights(layer: l, reverse: $0 == 1) } }
        switch cell {
        case .rnn(let a):
            return try stackedPass(weights.map { VanillaCell(weights: $0, activation: a) }, inputs, mode, objective, initialState, runs)
        case .lstm:
            return try stackedPass(weights.map { LSTMCell(weights: $0) }, inputs, mode, objective, initialState, runs)
        case .gru:
            return try stackedPass(weights.map { GRUCell(weights: $0) }, inputs, mode, objective, initialState, runs)
        case .indrnn(let a):
            return try stackedPass(weights.map { IndRNNCell(weights: $0, activation: a) }, inputs, mode, objective, initialState, runs)
        case .lru:
            let units = (0..<layers).flatMap { l in (0..<directions).map { lruParameters(layer: l, reverse: $0 == 1) } }
            return try stackedPass(units.map { LRUCell(weights: $0.cellWeights) }, inputs, mode, objective, initialState, runs,
                                   readouts: units.map(UnitReadout.init))
        case .lnrnn(let a):
            let cells = (0..<layers).flatMap { l in (0..<directions).map { layerNormCell(layer: l, reverse: $0 == 1, activation: a) } }
            return try stackedPass(cells, inputs, mode, objective, initialState, runs)
        }
    }

    /// With `readouts` (the LRU) the layers output their read-outs y_t (`StackedTape`): the head reads the
    /// top layer's y_t (width `topWidth`), while `hidden` and its gradients (the `ForwardPass` and
    /// `Gradients` "h") are the top layer's states [s^{fwd}; s^{bwd}] (dirs·2N), as for one LRU layer.
    private func stackedPass<C: RecurrentCell>(_ cells: [C], _ inputs: SequenceBatch, _ mode: OutputMode, _ objective: Objective?,
                                               _ initialState: [Double]?, _ runs: [StackedRun],
                                               readouts: [UnitReadout]? = nil) throws -> (forward: ForwardPass, gradients: Gradients?) {
        let t = inputs.steps, b = inputs.batchSize, h = hiddenSize, s = stateSize, w = topWidth, d = inputSize
        let dirs = directions, unitCount = cells.count, top = layers - 1, lstm = s == 2 * h
        let tOut = mode == .last ? 1 : t, firstOut = mode == .last ? t : 1
        let adjoint = objective?.isAdjoint ?? false
        let width = adjoint ? w : outputSize
        try objective?.validate(outputSteps: tOut, batch: b, outputSize: outputSize, hiddenSize: w)
        let tape = StackedTape(cells: cells, layers: layers, directions: dirs, capacity: runs.map(\.length).max() ?? 1, batch: b,
                               readouts: readouts)
        let gh = tape.gh, cw = cells[0].cacheWidth

        var flow = UnitRecords(units: unitCount, steps: t, batch: b, hidden: h, lstm: lstm)
        var topCache = [Double](repeating: 0, count: t * b * cw)
        var preactivations = [Double](repeating: 0, count: t * b * gh), hiddenPreactivations = preactivations
        var initial = initialState ?? [Double](repeating: 0, count: unitCount * b * s)
        var initialGradient = [Double](repeating: 0, count: unitCount * b * s)
        var hTop = [Double](repeating: 0, count: t * b * w)
        var yLoss = [Double](repeating: 0, count: tOut * b * width), dy = yLoss
        var dhTop = [Double](repeating: 0, count: tOut * b * w)
        var losses: [Double] = []
        var grads = ParameterSet(zerosLike: parameters)
        var dx = [Double](repeating: 0, count: t * b * d)

        try inputs.values.withUnsafeBufferPointer { xBuf in
            for (runIndex, run) in runs.enumerated() {
                let o = run.offset, n = run.length
                initial.withUnsafeBufferPointer { tape.forward(steps: n, inputs: xBuf.baseAddress! + o * b * d, initial: $0.baseAddress!) }
                for time in 1...n {
                    hTop.withUnsafeMutableBufferPointer { ($0.baseAddress! + (o + time - 1) * b * w).update(from: tape.output(layer: top, time: time), count: b * w) }
                    topCache.withUnsafeMutableBufferPointer { ($0.baseAddress! + (o + time - 1) * b * cw).update(from: tape.unit(top, 0).cache(step: time), count: b * cw) }
                }
                for (k, u) in tape.units.enumerated() {
                    flow.recordStates(u, unit: k, offset: o, tapeStep: { tape.tapeStep($0, direction: k % dirs) })
                    initial.withUnsafeMutableBufferPointer { ($0.baseAddress! + k * b * s).update(from: u.state(n), count: b * s) }
                }
                guard let objective else { continue }

                // Outputs, losses and ∂L/∂(top output) at this run's output steps.
                let outFrom = max(o + 1, firstOut), outTo = o + n
                if outFrom <= outTo {
                    let rows = (outFrom - firstOut) * b ..< (outTo - firstOut + 1) * b
                    let y = try headOutputs(Array(hTop[(outFrom - 1) * b * w ..< outTo * b * w]), rows: rows.count, adjoint: adjoint)
                    yLoss.replaceSubrange(rows.lowerBound * width ..< rows.upperBound * width, with: y)
                }
                for window in run.windows {
                    let from = max(o + window.lossFrom, firstOut), to = o + window.lossTo
                    guard from <= to else { losses.append(0); continue }
                    let rows = (from - firstOut) * b ..< (to - firstOut + 1) * b
                    losses.append(yLoss.withUnsafeBufferPointer { yp in dy.withUnsafeMutableBufferPointer { g in
                        objective.evaluate(outputs: yp.baseAddress!, rows: rows, width: width, gradient: g.baseAddress!)
                    } })
                }
                if outFrom <= outTo {
                    let rows = (outFrom - firstOut) * b ..< (outTo - firstOut + 1) * b
                    let g = try headInputGradient(Array(dy[rows.lowerBound * width ..< rows.upperBound * width]), rows: rows.count, adjoint: adjoint)
                    dhTop.replaceSubrange(rows.lowerBound * w ..< rows.upperBound * w, with: g)
                }

                // BPTT through time and depth.
                let windows = run.windows.map { ($0.start, $0.end, max($0.lossFrom, firstOut - o), $0.lossTo) }
                dhTop.withUnsafeBufferPointer { p in
                    tape.backward(windows: windows) { time in o + time >= firstOut ? p.baseAddress! + (o + time - firstOut) * b * w : nil }
                }
                for (k, u) in tape.units.enumerated() {
                    let layer = k / dirs, reverse = k % dirs == 1
                    let map = { (time: Int) in tape.tapeStep(time, direction: k % dirs) }
                    flow.recordGradients(u, unit: k, offset: o, tapeStep: map)
                    if runIndex == 0 {
                        initialGradient.withUnsafeMutableBufferPointer { ($0.baseAddress! + k * b * s).update(from: u.initialStateGradient, count: b * s) }
                    }
                    let p = u.parameterGradients(inputGradient: layer == 0)
                    if readouts != nil {
                        try accumulateLRU(recurrence: (p.inputWeight, p.hiddenWeight), readout: tape.readoutGradients(unit: k),
                                          layer: layer, reverse: reverse, into: &grads)
                    } else {
                        try grads.accumulate(ParameterName.weightIH(layer: layer, reverse: reverse), p.inputWeight)
                        try grads.accumulate(ParameterName.weightHH(layer: layer, reverse: reverse), p.hiddenWeight)
                        try grads.accumulate(ParameterName.biasIH(layer: layer, reverse: reverse), p.inputBias)
                        try grads.accumulate(ParameterName.biasHH(layer: layer, reverse: reverse), p.hiddenBias)
                        try grads.accumulate(own: u.ownParameterGradients(), names: ownParameterNames(layer: layer, reverse: reverse))
                    }
                    if layer == 0, let g = p.inputs {
                        for time in 1...n {
                            let src = (map(time) - 1) * b * d, dst = (o + time - 1) * b * d
                            for j in 0..<(b * d) { dx[dst + j] += g[src + j] }
                            if readouts != nil {
                                let skip = tape.skipGradient(direction: k % dirs, time: time)
                                for j in 0..<(b * d) { dx[dst + j] += skip[j] }
                            }
                        }
                    }
                    if layer == top && !reverse {
                        preactivations.replaceSubrange(o * b * gh ..< (o + n) * b * gh, with: UnsafeBufferPointer(start: u.zx, count: n * b * gh))
                        hiddenPreactivations.replaceSubrange(o * b * gh ..< (o + n) * b * gh, with: UnsafeBufferPointer(start: u.dzhAll, count: n * b * gh))
                    }
                }
            }
        }

        let topUnits = Array((top * dirs) ..< (top * dirs + dirs))
        let hOut = Array(hTop[(firstOut - 1) * b * w ..< t * b * w])
        // The "h" of a read-out model is its top layer's state (see above).
        let states = readouts == nil ? hTop : flow.concatenated(flow.hidden, units: topUnits)
        let forward = ForwardPass(steps: t, batchSize: b, hiddenSize: readouts == nil ? w : dirs * h, outputMode: mode, hidden: states,
                                  cell: lstm ? flow.concatenated(flow.cells, units: topUnits) : nil, cache: topCache,
                                  outputs: try headOutputs(hOut, rows: tOut * b, adjoint: false), outputSize: outputSize,
                                  layers: flow.layerStates(directions: dirs))
        guard objective != nil else { return (forward, nil) }
        try headParameterGradients(dy, hOut: hOut, rows: tOut * b, adjoint: adjoint, into: &grads)
        let layerGradients = flow.layerGradients(directions: dirs, initialGradient: initialGradient, stateSize: s)
        let gradients = Gradients(
            loss: losses.reduce(0, +), segmentLosses: losses, parameters: grads, input: dx,
            hidden: flow.concatenated(flow.dHidden, units: topUnits), cell: lstm ? flow.concatenated(flow.dCells, units: topUnits) : nil,
            hiddenNorms: combinedNorms(topUnits.map { flow.hiddenNorms[$0] }),
            cellNorms: lstm ? combinedNorms(topUnits.map { flow.cellNorms[$0] }) : nil,
            recurrentWeightStepLog10Norms: flow.weightNorms[top * dirs], initialState: initialGradient, outputs: dy,
            preactivations: preactivations, hiddenPreactivations: hiddenPreactivations, forward: forward, layers: layerGradients)
        return (forward, gradients)
    }

    /// Adds one LRU unit's gradients to `grads`: the recurrence's (`LRUParameters.recurrenceGradients` of
    /// the unroller's ∂L/∂W_ih and ∂L/∂[Re λ; Im λ]) and the read-out's (∂L/∂C′ = [∂L/∂C_re, −∂L/∂C_im], ∂L/∂D).
    private func accumulateLRU(recurrence: (inputWeight: Matrix, rotation: Matrix), readout: (matrix: Matrix, skip: [Double]),
                               layer: Int, reverse: Bool, into grads: inout ParameterSet) throws {
        let p = lruParameters(layer: layer, reverse: reverse), n = p.units, o = readout.matrix.rows
        let r = p.recurrenceGradients(inputWeight: recurrence.inputWeight, rotation: recurrence.rotation)
        var cre = Matrix(rows: o, cols: n), cim = Matrix(rows: o, cols: n)
        for i in 0..<o { for j in 0..<n { cre[i, j] = readout.matrix[i, j]; cim[i, j] = -readout.matrix[i, n + j] } }
        let values: [Matrix] = [vectorMatrix(r.nuLog), vectorMatrix(r.thetaLog), vectorMatrix(r.gammaLog), r.bRe, r.bIm, cre, cim, vectorMatrix(readout.skip)]
        for (stem, value) in zip(LRUName.stems, values) {
            try grads.accumulate(LRUName.name(stem, layer: layer, reverse: reverse), value)
        }
    }

    /// ∂L/∂(top outputs) = ∂L/∂y·W_head for `rows` rows (∂L/∂y itself without a head / in adjoint mode).
    func headInputGradient(_ dy: [Double], rows: Int, adjoint: Bool) throws -> [Double] {
        guard !adjoint, let w = parameters[ParameterName.headWeight] else { return dy }
        return try matmul(Matrix(rows: rows, cols: w.rows, elements: dy), w).elements
    }

    /// ∂L/∂W_head = ∂L/∂Yᵀ·H_out and ∂L/∂b_head = column sums of ∂L/∂Y, written into `grads`
    /// (nothing without a head or in adjoint mode).
    func headParameterGradients(_ dy: [Double], hOut: [Double], rows: Int, adjoint: Bool, into grads: inout ParameterSet) throws {
        guard !adjoint, let w = parameters[ParameterName.headWeight] else { return }
        let o = w.rows
        let dY = try Matrix(rows: rows, cols: o, elements: dy)
        grads[ParameterName.headWeight] = try matmul(dY, Matrix(rows: rows, cols: topWidth, elements: hOut), transA: .transpose)
        if grads[ParameterName.headBias] != nil {
            grads[ParameterName.headBias] = try Matrix(rows: o, cols: 1, elements: (0..<o).map { j in
                (0..<rows).reduce(0) { $0 + dy[$1 * o + j] } })
        }
    }
}

/// √(Σ_k n_k[t]²) per t without false underflow or overflow (the norm over concatenated blocks).
func combinedNorms(_ parts: [[Double]]) -> [Double] {
    guard let first = parts.first else { return [] }
    return first.indices.map { t in parts.dropFirst().reduce(first[t]) { hypot($0, $1[t]) } }
}

extension ParameterSet {
    /// Adds `value` to the tensor called `name` when the set has one (absent biases are skipped).
    mutating func accumulate(_ name: String, _ value: Matrix) throws {
        guard let current = self[name] else { return }
        self[name] = try current.adding(value)
    }
}
