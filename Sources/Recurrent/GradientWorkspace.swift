import Foundation
import Linalg

/// Loss, exact-BPTT parameter gradients and ‖∂L/∂h_t‖ of one batch for a one-layer model, on buffers
/// allocated once and reused for every batch of a training run (the tape, the time-major inputs, the
/// head's inputs and outputs, ∂L/∂y, ∂L/∂h at the output steps).
///
/// The arithmetic is `RecurrentModel.gradients(_:outputs:objective:)` with `truncation: .none`, step
/// for step (the same BLAS calls on the same operands in the same order), so the results are
/// bit-identical to it; only the buffers differ. Per call nothing proportional to T, B or H is
/// allocated: the model's cell is loaded into the tape (W_hhᵀ refreshed in place), gradients are
/// written into the caller's `[Matrix]` (in place when the caller holds them uniquely).
///
/// The tape is sized for `batchSize` sequences and grows (once) when a batch is longer than any before.
/// Stacked or bidirectional models, the LRU and the LN-RNN are not handled here (`supports(_:)`): they
/// use `RecurrentModel.gradients`.
public final class GradientWorkspace {
    /// B, fixed.
    public let batchSize: Int
    private var tape: (any GradientTape)?
    /// Steps the buffers hold.
    public private(set) var capacity = 0
    private var buffers: [UnsafeMutablePointer<Double>] = []
    // Time-major inputs T·B·D; top-layer hidden states at the output steps T_out·B·H; outputs y and
    // ∂L/∂y (T_out·B·O); ∂L/∂h at the output steps (T_out·B·H).
    private var x: UnsafeMutablePointer<Double>! = nil
    private var hOut: UnsafeMutablePointer<Double>! = nil
    private var y: UnsafeMutablePointer<Double>! = nil
    private var dy: UnsafeMutablePointer<Double>! = nil
    private var dh: UnsafeMutablePointer<Double>! = nil
    private let inputSize: Int, hiddenSize: Int, outputSize: Int

    /// Whether `model` can use a workspace: one layer, one direction, of a cell whose parameter
    /// gradients are the unroller's W_ih, W_hh (or u) and biases. The LRU (λ's chain rule to nu_log,
    /// theta_log, gamma_log, B and its read-out C, D) and the LN-RNN (its own gain and shift) take
    /// `RecurrentModel.gradients`.
    public static func supports(_ model: RecurrentModel) -> Bool {
        guard !model.isStacked else { return false }
        switch model.cell.family {
        case .rnn, .lstm, .gru, .indrnn: return true
        case .lru, .lnrnn: return false
        }
    }

    /// Buffers for batches of `batchSize` sequences of up to `steps` steps of `model`'s shape.
    public init(model: RecurrentModel, steps: Int, batchSize: Int) throws {
        guard Self.supports(model) else { throw RecurrentError("a gradient workspace is for one-layer, one-direction models") }
        guard steps >= 1, batchSize >= 1 else { throw RecurrentError("a gradient workspace needs T ≥ 1 and B ≥ 1, got T = \(steps), B = \(batchSize)") }
        self.batchSize = batchSize
        inputSize = model.inputSize
        hiddenSize = model.hiddenSize
        outputSize = model.outputSize
        grow(model, steps: steps)
    }

    deinit { for p in buffers { p.deallocate() } }

    private func grow(_ model: RecurrentModel, steps: Int) {
        for p in buffers { p.deallocate() }
        let b = batchSize, h = hiddenSize, o = outputSize
        func buffer(_ n: Int) -> UnsafeMutablePointer<Double> { let p = allocateAligned(n); buffers.append(p); return p }
        buffers = []
        x = buffer(steps * b * inputSize)
        hOut = buffer(steps * b * h)
        y = buffer(steps * b * o)
        dy = buffer(steps * b * max(o, h))
        dh = buffer(steps * b * h)
        tape = makeTape(model.makeCell(), capacity: steps, batch: b)
        capacity = steps
    }

    /// The mean loss of `objective` on the outputs of `mode`, its gradients with respect to the
    /// parameters (written into `gradients`, parameter order and shapes; replaced by zeros of the
    /// right shapes when they do not match) and ‖∂L/∂h_t‖_F over the batch, t = 1 … T (into
    /// `hiddenNorms`, resized to T when needed).
    /// - Parameter inputs: batch-first B·T·D values (sequence b, step t, feature d at (b·T + t)·D + d).
    public func gradients(_ model: RecurrentModel, batchFirstInputs inputs: [Double], steps t: Int, outputs mode: OutputMode,
                          objective: Objective, into gradients: inout [Matrix], hiddenNorms: inout [Double]) throws -> Double {
        try prepare(model, inputs, steps: t)
        let tOut = mode == .last ? 1 : t
        guard !objective.isAdjoint else { throw RecurrentError("a gradient workspace takes a loss, not an adjoint") }
        try objective.validate(outputSteps: tOut, batch: batchSize, outputSize: outputSize, hiddenSize: hiddenSize)
        let shapes = model.parameters.tensors
        if gradients.count != shapes.count || !zip(gradients, shapes).allSatisfy({ $0.rows == $1.rows && $0.cols == $1.cols }) {
            gradients = shapes.map { Matrix(rows: $0.rows, cols: $0.cols) }
        }
        if hiddenNorms.count != t { hiddenNorms = [Double](repeating: 0, count: t) }
        guard let tape else { throw RecurrentError("gradient workspace without a tape") }
        return try tape.lossAndGradients(model, self, steps: t, outputs: mode, objective: objective,
                                         gradients: &gradients, hiddenNorms: &hiddenNorms)
    }

    /// The model's outputs at the steps of `mode` (time-major T_out·B·O; the head's, or h without a
    /// head) — `RecurrentModel.forward(_:outputs:).outputs`, bit for bit. Valid until the next call.
    public func outputs(_ model: RecurrentModel, batchFirstInputs inputs: [Double], steps t: Int,
                        outputs mode: OutputMode) throws -> UnsafeBufferPointer<Double> {
        try prepare(model, inputs, steps: t)
        guard let tape else { throw RecurrentError("gradient workspace without a tape") }
        let tOut = mode == .last ? 1 : t
        let out = try tape.forwardOutputs(model, self, steps: t, outputs: mode)
        return UnsafeBufferPointer(start: out, count: tOut * batchSize * outputSize)
    }

    /// Checks the shapes, grows the buffers if T exceeds them, loads the model's cell and writes the
    /// inputs time-major.
    private func prepare(_ model: RecurrentModel, _ inputs: [Double], steps t: Int) throws {
        guard Self.supports(model), model.inputSize == inputSize, model.hiddenSize == hiddenSize,
              model.outputSize == outputSize else {
            throw RecurrentError("the workspace was made for D = \(inputSize), H = \(hiddenSize), O = \(outputSize), one layer; the model differs")
        }
        guard t >= 1, inputs.count == t * batchSize * inputSize else {
            throw RecurrentError("a batch of B = \(batchSize), T = \(t), D = \(inputSize) needs \(t * batchSize * inputSize) inputs, got \(inputs.count)")
        }
        if t > capacity { grow(model, steps: t) }
        if !(tape?.load(model.makeCell()) ?? false) { tape = makeTape(model.makeCell(), capacity: capacity, batch: batchSize) }
        let b = batchSize, d = inputSize, x = self.x!
        inputs.withUnsafeBufferPointer { v in
            for s in 0..<b { for step in 0..<t { for f in 0..<d {
                x[(step * b + s) * d + f] = v[(s * t + step) * d + f]
            } } }
        }
    }

    fileprivate var scratch: (x: UnsafeMutablePointer<Double>, hOut: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>,
                              dy: UnsafeMutablePointer<Double>, dh: UnsafeMutablePointer<Double>) { (x, hOut, y, dy, dh) }
}

/// The part of a tape that depends on the cell type (type-erased so a workspace can hold any cell).
protocol GradientTape: AnyObject {
    /// Loads `cell` (same type and sizes) into the tape; false when its type differs.
    func load(_ cell: any RecurrentCell) -> Bool
    func lossAndGradients(_ model: RecurrentModel, _ w: GradientWorkspace, steps: Int, outputs: OutputMode, objective: Objective,
                          gradients: inout [Matrix], hiddenNorms: inout [Double]) throws -> Double
    func forwardOutputs(_ model: RecurrentModel, _ w: GradientWorkspace, steps: Int, outputs: OutputMode) throws -> UnsafeMutablePointer<Double>
}

private func makeTape<C: RecurrentCell>(_ cell: C, capacity: Int, batch: Int) -> any GradientTape {
    Unroller(cell: cell, capacity: capacity, batch: batch)
}

extension Unroller: GradientTape {
    func load(_ cell: any RecurrentCell) -> Bool {
        guard let c = cell as? Cell, c.hiddenSize == h, c.stateSize == s, c.inputSize == d, c.weights.gateRows == gh else { return false }
        reload(c)
        return true
    }

    /// Forward pass and the outputs y at the steps of `mode` (head applied as `RecurrentModel.headOutputs`).
    func forwardOutputs(_ model: RecurrentModel, _ w: GradientWorkspace, steps t: Int, outputs mode: OutputMode) throws -> UnsafeMutablePointer<Double> {
        let buf = w.scratch, b = batch
        let tOut = mode == .last ? 1 : t, firstOut = mode == .last ? t : 1
        forward(steps: t, inputs: buf.x)
        // The h part of s_t at the output steps, contiguous (as `splitStates` lays it out).
        for step in firstOut...t {
            let st = state(step), out = buf.hOut + (step - firstOut) * b * h
            for r in 0..<b { for j in 0..<h { out[r * h + j] = st[r * s + j] } }
        }
        guard let head = model.parameters[ParameterName.headWeight] else { return buf.hOut }
        let rows = tOut * b, o = head.rows
        head.withUnsafeBufferPointer { wp in
            gemm(.none, .transpose, m: rows, n: o, k: h, buf.hOut, lda: h, wp.baseAddress!, ldb: h, beta: 0, buf.y, ldc: o)
        }
        if let bias = model.parameters[ParameterName.headBias] {
            bias.withUnsafeBufferPointer { bp in for r in 0..<rows { for j in 0..<o { buf.y[r * o + j] += bp[j] } } }
        }
        return buf.y
    }

    func lossAndGradients(_ model: RecurrentModel, _ w: GradientWorkspace, steps t: Int, outputs mode: OutputMode, objective: Objective,
                          gradients: inout [Matrix], hiddenNorms: inout [Double]) throws -> Double {
        let buf = w.scratch, b = batch
        let tOut = mode == .last ? 1 : t, firstOut = mode == .last ? t : 1
        let y = try forwardOutputs(model, w, steps: t, outputs: mode)
        let names = model.parameters.names
        let head = model.parameters[ParameterName.headWeight]
        let width = model.outputSize, rows = tOut * b
        buf.dy.update(repeating: 0, count: rows * width)
        let loss = 0 + objective.evaluate(outputs: y, rows: 0..<rows, width: width, gradient: buf.dy)
        for i in gradients.indices { gradients[i].withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        // The head: ∂L/∂h = ∂L/∂y·W_head, ∂L/∂W_head = ∂L/∂yᵀ·H_out, ∂L/∂b_head = Σ_rows ∂L/∂y.
        var dh = UnsafePointer(buf.dy)
        if let head, let iw = names.firstIndex(of: ParameterName.headWeight) {
            let o = head.rows
            head.withUnsafeBufferPointer { wp in
                gemm(.none, .none, m: rows, n: h, k: o, buf.dy, lda: o, wp.baseAddress!, ldb: h, beta: 0, buf.dh, ldc: h)
            }
            gradients[iw].withUnsafeMutableBufferPointer { g in
                gemm(.transpose, .none, m: o, n: h, k: rows, buf.dy, lda: o, buf.hOut, ldb: h, beta: 0, g.baseAddress!, ldc: h)
            }
            if let ib = names.firstIndex(of: ParameterName.headBias) {
                gradients[ib].withUnsafeMutableBufferPointer { g in
                    for j in 0..<o { g[j] = (0..<rows).reduce(0) { $0 + buf.dy[$1 * o + j] } }
                }
            }
            dh = UnsafePointer(buf.dh)
        }
        beginBackward()
        backward(from: t, to: 0, injected: firstOut...t) { step in dh + (step - firstOut) * b * h }
        func write(_ name: String, _ body: (UnsafeMutablePointer<Double>) -> Void) {
            guard let i = names.firstIndex(of: name) else { return }
            gradients[i].withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        }
        write(ParameterName.weightIH) { inputWeightGradient(into: $0) }
        write(ParameterName.weightHH) { hiddenWeightGradient(into: $0) }
        write(ParameterName.biasIH) { inputBiasGradient(into: $0) }
        write(ParameterName.biasHH) { hiddenBiasGradient(into: $0) }
        hiddenNorms.withUnsafeMutableBufferPointer { hiddenGradientNorms(into: $0.baseAddress!) }
        return loss
    }
}
