import Foundation
import Linalg
import Testing
@testable import Recurrent

/// Parity of stacked and bidirectional models with PyTorch float64 autograd on committed fixtures
/// (scripts/make_stacked_fixtures.py): real `nn.RNN/LSTM/GRU(num_layers:, bidirectional:)` state
/// dicts, full BPTT, PyTorch's chunked truncation and BPTT(k1, k2).
@Suite struct StackedParityTests {
    struct Tensor: Decodable { let shape: [Int]; let data: [Double] }
    struct TruncationSpec: Decodable { let kind: String; let k: Int?; let k1: Int?; let k2: Int? }
    struct Fixture: Decodable {
        let cell: String, outputs: String, loss_name: String
        let layers: Int, bidirectional: Bool, truncation: TruncationSpec
        let B: Int, T: Int, D: Int, H: Int, O: Int
        let parameters: [String: Tensor]
        let order: [String]
        let inputs: [Double], targets: [Double]
        let loss: Double
        let outputs_value: [Double], hidden: [Double]
        let grads: [String: [Double]]
        let input_grad: [Double]
        let unit_hidden_grads: [[Double]]?
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/Stacked").standardized
    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasSuffix(".json") && !$0.hasPrefix("statedict") }.sorted()

    @Test func fixturesArePresent() {
        // 3 cells × (2 depths × 2 directions + bidirectional ce + 2 chunked + BPTT(k1, k2)).
        #expect(Self.names.count == 24)
    }

    @Test(arguments: names)
    func matchesPyTorch(file: String) throws {
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Self.directory.appendingPathComponent(file)))
        let cell: CellKind = switch f.cell { case "rnn-tanh": .rnn(.tanh); case "lstm": .lstm; default: .gru }
        let params = try ParameterSet(f.order.map { name in
            let t = f.parameters[name]!
            return (name, try Matrix(rows: t.shape[0], cols: t.shape.count > 1 ? t.shape[1] : 1, elements: t.data))
        })
        let model = try RecurrentModel(cell: cell, parameters: params)
        #expect(model.layers == f.layers && model.bidirectional == f.bidirectional)
        let mode = OutputMode(rawValue: f.outputs)!
        let steps = mode == .last ? 1 : f.T
        let x = try SequenceBatch(steps: f.T, batchSize: f.B, featureSize: f.D, batchFirst: f.inputs)
        let objective: Objective = f.loss_name == "mse"
            ? .mse(targets: try SequenceBatch(steps: steps, batchSize: f.B, featureSize: f.O, batchFirst: f.targets))
            : .crossEntropy(classes: (0..<(steps * f.B)).map { k in Int(f.targets[(k % f.B) * steps + k / f.B]) })
        let truncation: Truncation = switch f.truncation.kind {
            case "chunks": .chunks(f.truncation.k!)
            case "williams-peng": .williamsPeng(k1: f.truncation.k1!, k2: f.truncation.k2!)
            default: .none
        }
        let g = try model.gradients(x, outputs: mode, objective: objective, truncation: truncation)
        try expectPyTorchParity(g, file: file, steps: f.T, batch: f.B, inputSize: f.D, outputSteps: steps, outputSize: f.O,
                                hiddenWidth: model.topWidth, loss: f.loss, hidden: f.hidden, outputs: f.outputs_value, order: f.order,
                                grads: f.grads, inputGrad: f.input_grad)
        let tol = 1e-10
        if let units = f.unit_hidden_grads {
            #expect(units.count == g.layers.count)
            for (k, expected) in units.enumerated() {
                let got = try SequenceBatch(steps: f.T, batchSize: f.B, featureSize: f.H, timeMajor: g.layers[k].hidden).batchFirstValues
                let diff = maxAbsDifference(got, expected)
                #expect(diff < tol, "\(file): ∂L/∂h of unit \(k) differs by \(diff)")
            }
        }
    }
}
