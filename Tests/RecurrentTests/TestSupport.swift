import Testing
import Linalg
@testable import Recurrent

/// Every cell GradLab has, for parameterised tests.
let allCells: [CellKind] = [
    .rnn(.tanh), .rnn(.sigmoid), .rnn(.relu), .rnn(.linear), .rnn(.leakyRelu(alpha: 0.1)), .lstm, .gru,
    .indrnn(.tanh), .indrnn(.relu), .lnrnn(.tanh), .lnrnn(.relu),
]

enum LossKind: String, CaseIterable, Sendable { case mse, bce, ce, adjoint }

/// A random problem: model, inputs, objective, for small sizes drawn from `seed`.
struct Problem {
    var model: RecurrentModel
    let inputs: SequenceBatch
    let objective: Objective
    let mode: OutputMode
    let initialState: [Double]

    init(cell: CellKind, loss: LossKind, mode: OutputMode, seed: UInt64, bias: Bool = true,
         steps: Int? = nil, batch: Int? = nil) throws {
        var rng = RandomStream(seed: seed, stream: 7)
        let d = 2 + rng.integer(below: 3), h = 2 + rng.integer(below: 3), o = 2 + rng.integer(below: 2)
        let t = steps ?? 3 + rng.integer(below: 4), b = batch ?? 1 + rng.integer(below: 3)
        model = try RecurrentModel.initialized(cell: cell, inputSize: d, hiddenSize: h,
                                               headSize: loss == .adjoint ? nil : o, bias: bias, rng: &rng)
        // Larger weights than PyTorch's default, so the test exercises saturated regions too.
        try model.setTensors(model.parameters.tensors.map { $0.scaled(by: 1.8) })
        inputs = try SequenceBatch(steps: t, batchSize: b, featureSize: d, timeMajor: rng.normals(t * b * d))
        let tOut = mode == .last ? 1 : t
        switch loss {
        case .mse: objective = .mse(targets: try SequenceBatch(steps: tOut, batchSize: b, featureSize: o, timeMajor: rng.normals(tOut * b * o)))
        case .bce: objective = .bce(targets: try SequenceBatch(steps: tOut, batchSize: b, featureSize: o, timeMajor: rng.uniforms(tOut * b * o)))
        case .ce: objective = .crossEntropy(classes: (0..<(tOut * b)).map { _ in rng.integer(below: o) })
        case .adjoint: objective = .adjoint(try SequenceBatch(steps: tOut, batchSize: b, featureSize: h, timeMajor: rng.normals(tOut * b * h)))
        }
        self.mode = mode
        let s = cell == .lstm ? 2 * h : h
        initialState = rng.normals(b * s, std: 0.5)
    }

    func loss(_ m: RecurrentModel? = nil, inputs x: SequenceBatch? = nil, initial s0: [Double]? = nil,
              truncation: Truncation = .none) throws -> Double {
        try (m ?? model).gradients(x ?? inputs, outputs: mode, objective: objective,
                                   initialState: s0 ?? initialState, truncation: truncation).loss
    }
}

/// ‖a − b‖ / max(‖a‖, ‖b‖, floor): the norm-wise relative error.
func relativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-12) -> Double {
    precondition(a.count == b.count)
    let diff = nrm2(zip(a, b).map { $0 - $1 })
    return diff / max(nrm2(a), nrm2(b), floor)
}

func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "\(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Central differences of f at x with one Richardson extrapolation step (fourth order):
/// D(e) = (f(x + e) − f(x − e)) / 2e, g = (4·D(e/2) − D(e)) / 3, e = ε·max(1, |x_i|). The larger
/// step keeps round-off (~1e−16·|f|/e) far below the 1e−6 tolerance even for small gradients.
func centralDifferences(_ x: [Double], epsilon: Double = 1e-3, _ f: ([Double]) throws -> Double) rethrows -> [Double] {
    var g = [Double](repeating: 0, count: x.count), y = x
    func d(_ i: Int, _ e: Double) throws -> Double {
        y[i] = x[i] + e
        let fp = try f(y)
        y[i] = x[i] - e
        let fm = try f(y)
        y[i] = x[i]
        return (fp - fm) / (2 * e)
    }
    for i in x.indices {
        let e = epsilon * max(1, abs(x[i]))
        g[i] = (4 * (try d(i, e / 2)) - (try d(i, e))) / 3
    }
    return g
}

/// The checks every PyTorch parity fixture shares: loss, hidden (width `hiddenWidth`), outputs,
/// parameter gradients by name and order, input gradients; batch-first fixture arrays.
func expectPyTorchParity(_ g: Gradients, file: String, steps t: Int, batch b: Int, inputSize d: Int, outputSteps: Int,
                         outputSize o: Int, hiddenWidth w: Int, loss: Double, hidden: [Double], outputs: [Double],
                         order: [String], grads: [String: [Double]], inputGrad: [Double], tolerance tol: Double = 1e-10) throws {
    #expect(abs(g.loss - loss) < tol)
    let h = try SequenceBatch(steps: t, batchSize: b, featureSize: w, timeMajor: g.forward.hidden).batchFirstValues
    #expect(maxAbsDifference(h, hidden) < tol)
    let y = try SequenceBatch(steps: outputSteps, batchSize: b, featureSize: o, timeMajor: g.forward.outputs).batchFirstValues
    #expect(maxAbsDifference(y, outputs) < tol)
    #expect(g.parameters.names == order)
    for (name, tensor) in g.parameters.pairs {
        let diff = maxAbsDifference(tensor.elements, grads[name] ?? [])
        #expect(diff < tol, "\(file): ∂L/∂\(name) differs by \(diff)")
    }
    let dx = try SequenceBatch(steps: t, batchSize: b, featureSize: d, timeMajor: g.input).batchFirstValues
    #expect(maxAbsDifference(dx, inputGrad) < tol)
}
