import Foundation
import Linalg
import Testing
@testable import Recurrent

/// Parity with PyTorch float64 autograd on committed fixtures (scripts/make_recurrent_fixtures.py).
@Suite struct PyTorchParityTests {
    struct Tensor: Decodable { let shape: [Int]; let data: [Double] }
    struct Fixture: Decodable {
        let cell: String, outputs: String, loss_name: String
        let B: Int, T: Int, D: Int, H: Int, O: Int
        let parameters: [String: Tensor]
        let order: [String]
        let inputs: [Double]
        let targets: [Double]
        let loss: Double
        let outputs_value: [Double]
        let hidden: [Double]
        let grads: [String: [Double]]
        let input_grad: [Double]
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/Recurrent").standardized
    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasSuffix(".json") }.sorted()

    @Test func fixturesArePresent() {
        // 4 cells × 2 output modes × 3 losses, plus 3 bias-free models.
        #expect(Self.names.count == 27)
    }

    @Test(arguments: names)
    func matchesPyTorch(file: String) throws {
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Self.directory.appendingPathComponent(file)))
        let cell: CellKind = switch f.cell {
            case "rnn-tanh": .rnn(.tanh)
            case "rnn-relu": .rnn(.relu)
            case "lstm": .lstm
            default: .gru
        }
        let params = try ParameterSet(f.order.map { name in
            let t = f.parameters[name]!
            return (name, try Matrix(rows: t.shape[0], cols: t.shape.count > 1 ? t.shape[1] : 1, elements: t.data))
        })
        let model = try RecurrentModel(cell: cell, parameters: params)
        let mode = OutputMode(rawValue: f.outputs)!
        let steps = mode == .last ? 1 : f.T
        let x = try SequenceBatch(steps: f.T, batchSize: f.B, featureSize: f.D, batchFirst: f.inputs)
        let objective: Objective = switch f.loss_name {
            case "mse": .mse(targets: try SequenceBatch(steps: steps, batchSize: f.B, featureSize: f.O, batchFirst: f.targets))
            case "bce": .bce(targets: try SequenceBatch(steps: steps, batchSize: f.B, featureSize: f.O, batchFirst: f.targets))
            default: .crossEntropy(classes: (0..<(steps * f.B)).map { k in Int(f.targets[(k % f.B) * steps + k / f.B]) })
        }
        let g = try model.gradients(x, outputs: mode, objective: objective)
        try expectPyTorchParity(g, file: file, steps: f.T, batch: f.B, inputSize: f.D, outputSteps: steps, outputSize: f.O,
                                hiddenWidth: f.H, loss: f.loss, hidden: f.hidden, outputs: f.outputs_value, order: f.order,
                                grads: f.grads, inputGrad: f.input_grad)
    }
}
