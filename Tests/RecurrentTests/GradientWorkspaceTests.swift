import Foundation
import Linalg
import Recurrent
import Testing

/// `GradientWorkspace` against `RecurrentModel.gradients`/`forward`: the same numbers bit for bit,
/// for every cell, both output modes and every loss, and after the weights change between calls.
@Suite struct GradientWorkspaceTests {
    func bits(_ xs: [Double]) -> [UInt64] { xs.map(\.bitPattern) }

    func check(_ cell: CellKind, head: Int?, bias: Bool, mode: OutputMode, objective: (Int) throws -> Objective, seed: UInt64) throws {
        let (d, h, t, b) = (3, 5, 7, 4)
        var rng = RandomStream(seed: seed, stream: 9)
        var model = try RecurrentModel.initialized(cell: cell, inputSize: d, hiddenSize: h, headSize: head, bias: bias, rng: &rng)
        let workspace = try GradientWorkspace(model: model, steps: t - 2, batchSize: b)   // grows once to T
        var gradients: [Matrix] = [], norms: [Double] = []
        for round in 0..<3 {
            let firstInputs = rng.uniformMatrix(rows: b * t, cols: d, -1, 1).elements   // batch-first B·T·D
            let inputs = try SequenceBatch(steps: t, batchSize: b, featureSize: d, batchFirst: firstInputs)
            let tOut = mode == .last ? 1 : t
            let obj = try objective(tOut * b)
            let reference = try model.gradients(inputs, outputs: mode, objective: obj)
            let loss = try workspace.gradients(model, batchFirstInputs: firstInputs, steps: t, outputs: mode, objective: obj,
                                               into: &gradients, hiddenNorms: &norms)
            #expect(loss.bitPattern == reference.loss.bitPattern, "\(cell) \(mode) round \(round): loss \(loss) vs \(reference.loss)")
            #expect(gradients.map { bits($0.elements) } == reference.parameters.tensors.map { bits($0.elements) },
                    "\(cell) \(mode) round \(round): gradients differ")
            #expect(bits(norms) == bits(reference.hiddenNorms), "\(cell) \(mode) round \(round): ‖∂L/∂h_t‖ differ")
            let outputs = Array(try workspace.outputs(model, batchFirstInputs: firstInputs, steps: t, outputs: mode))
            #expect(bits(outputs) == bits(try model.forward(inputs, outputs: mode).outputs), "\(cell) \(mode): outputs differ")
            // New weights for the next round (the tape must pick them up).
            try model.setTensors(model.parameters.tensors.map { try $0.adding(rng.uniformMatrix(rows: $0.rows, cols: $0.cols, -0.1, 0.1)) })
        }
    }

    @Test(arguments: [CellKind.rnn(.tanh), .rnn(.relu), .lstm, .gru, .indrnn(.tanh)])
    func matchesAllocatingPath(cell: CellKind) throws {
        for (k, mode) in [OutputMode.last, .all].enumerated() {
            try check(cell, head: 2, bias: true, mode: mode, objective: { rows in
                var r = RandomStream(seed: 5, stream: UInt64(rows))
                return .mse(targets: try SequenceBatch(steps: rows / 4, batchSize: 4, featureSize: 2, timeMajor: r.uniformMatrix(rows: rows, cols: 2, -1, 1).elements))
            }, seed: UInt64(10 + k))
            try check(cell, head: 3, bias: false, mode: mode, objective: { rows in
                .crossEntropy(classes: (0..<rows).map { $0 % 3 })
            }, seed: UInt64(20 + k))
            try check(cell, head: 1, bias: true, mode: mode, objective: { rows in
                .bce(targets: try SequenceBatch(steps: rows / 4, batchSize: 4, featureSize: 1, timeMajor: (0..<rows).map { Double($0 % 2) }))
            }, seed: UInt64(30 + k))
        }
        // Without a head the outputs are h (O = H).
        try check(cell, head: nil, bias: true, mode: .all, objective: { rows in
            .mse(targets: try SequenceBatch(steps: rows / 4, batchSize: 4, featureSize: 5, timeMajor: (0..<(rows * 5)).map { Double($0 % 7) / 7 }))
        }, seed: 40)
    }

    @Test func refusesStackedModelsAndWrongShapes() throws {
        var rng = RandomStream(seed: 1, stream: 1)
        let stacked = try RecurrentModel.initialized(cell: .gru, inputSize: 2, hiddenSize: 3, headSize: 1, layers: 2, rng: &rng)
        #expect(!GradientWorkspace.supports(stacked))
        #expect(throws: RecurrentError.self) { try GradientWorkspace(model: stacked, steps: 4, batchSize: 2) }
        let model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 2, hiddenSize: 3, headSize: 1, rng: &rng)
        let w = try GradientWorkspace(model: model, steps: 4, batchSize: 2)
        var g: [Matrix] = [], n: [Double] = []
        let targets = try SequenceBatch(steps: 1, batchSize: 2, featureSize: 1, timeMajor: [0, 1])
        #expect(throws: RecurrentError.self) {   // 3 values are not B·T·D = 16
            try w.gradients(model, batchFirstInputs: [1, 2, 3], steps: 4, outputs: .last, objective: .mse(targets: targets), into: &g, hiddenNorms: &n)
        }
    }
}
