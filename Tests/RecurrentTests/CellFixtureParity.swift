import Foundation
import Linalg
import Testing
@testable import Recurrent

/// One PyTorch float64 parity fixture of Tests/Fixtures/Cells (scripts/make_cell_fixtures.py) run and
/// checked, shared by the cell suites (StackedParityTests, IndRNNTests, LayerNormRNNTests, LRUTests):
/// the model from the fixture's parameters (in its order), BPTT with the fixture's outputs, loss and
/// truncation, `expectPyTorchParity` (loss, states, outputs, every parameter gradient, ∂L/∂x), and, where
/// the fixture has them (full BPTT), every layer's and direction's total ∂L/∂h_t, all to 1e-10.
/// - Parameters:
///   - hiddenWidth: the width of the fixture's `hidden` (default the model's `topWidth`; an LRU's states
///     are dirs·2N wide while its top width is the read-outs').
/// - Returns: the decoded fixture and the model, for a suite's own checks.
@discardableResult
func checkCellFixture(_ file: String, in directory: URL, cell: (StackedParityTests.Fixture) -> CellKind,
                      hiddenWidth: ((RecurrentModel) -> Int)? = nil) throws -> (StackedParityTests.Fixture, RecurrentModel) {
    let f = try JSONDecoder().decode(StackedParityTests.Fixture.self, from: Data(contentsOf: directory.appendingPathComponent(file)))
    let params = try ParameterSet(f.order.map { name in
        let t = try #require(f.parameters[name], "\(file): no parameter '\(name)'")
        return (name, try Matrix(rows: t.shape[0], cols: t.shape.count > 1 ? t.shape[1] : 1, elements: t.data))
    })
    let model = try RecurrentModel(cell: cell(f), parameters: params)
    #expect(model.layers == f.layers && model.bidirectional == f.bidirectional, "\(file)")
    let mode = try #require(OutputMode(rawValue: f.outputs))
    let steps = mode == .last ? 1 : f.T
    let x = try SequenceBatch(steps: f.T, batchSize: f.B, featureSize: f.D, batchFirst: f.inputs)
    let objective: Objective = f.loss_name == "mse"
        ? .mse(targets: try SequenceBatch(steps: steps, batchSize: f.B, featureSize: f.O, batchFirst: f.targets))
        : .crossEntropy(classes: (0..<(steps * f.B)).map { k in Int(f.targets[(k % f.B) * steps + k / f.B]) })
    let truncation: Truncation = switch f.truncation.kind {
        case "chunks": .chunks(try #require(f.truncation.k))
        case "williams-peng": .williamsPeng(k1: try #require(f.truncation.k1), k2: try #require(f.truncation.k2))
        default: .none
    }
    let g = try model.gradients(x, outputs: mode, objective: objective, truncation: truncation)
    try expectPyTorchParity(g, file: file, steps: f.T, batch: f.B, inputSize: f.D, outputSteps: steps, outputSize: f.O,
                            hiddenWidth: hiddenWidth?(model) ?? model.topWidth, loss: f.loss, hidden: f.hidden,
                            outputs: f.outputs_value, order: f.order, grads: f.grads, inputGrad: f.input_grad)
    if let units = f.unit_hidden_grads {
        let perUnit: [[Double]] = model.isStacked ? g.layers.map(\.hidden) : [g.hidden]
        #expect(units.count == perUnit.count, "\(file)")
        for (k, expected) in units.enumerated() where k < perUnit.count {
            let got = try SequenceBatch(steps: f.T, batchSize: f.B, featureSize: f.H, timeMajor: perUnit[k]).batchFirstValues
            let diff = maxAbsDifference(got, expected)
            #expect(diff < 1e-10, "\(file): ∂L/∂h of unit \(k) differs by \(diff)")
        }
    }
    return (f, model)
}
