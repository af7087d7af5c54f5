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
        try checkCellFixture(file, in: Self.directory) { f in
            switch f.cell { case "rnn-tanh": .rnn(.tanh); case "lstm": .lstm; default: .gru }
        }
    }
}
