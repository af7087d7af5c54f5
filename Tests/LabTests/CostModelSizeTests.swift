import Foundation
import Testing
import Linalg
@testable import Recurrent
@testable import Lab
import Sweeps

/// The sizes behind `CostModel`'s memory estimates against the arrays themselves: the parameter count
/// against the model `makeModel` builds (every cell, stacked and bidirectional, with and without biases),
/// and a stack's per-step sequences against what `StackedTape` allocates — in particular the
/// bidirectional LRU, whose width doubles per layer (D_ℓ = dirs·D_{ℓ−1}, docs/recurrent.md).
@Suite struct CostModelSizeTests {
    static func spec(_ model: String) throws -> ExperimentSpec {
        try Experiment(text: """
            name: sizes
            mode: gradient-flow
            model: \(model)
            sequence: {length: 20, input: {kind: gaussian, std: 1.0}}
            measure: [grad_norm]
            """, source: "sizes.yaml").points[0].spec
    }

    static let stacks = [
        "{cell: lru, hidden: 4, input: 3, layers: 2, bidirectional: true}",
        "{cell: lru, hidden: 5, input: 2, layers: 3, bidirectional: true}",
        "{cell: lru, hidden: 5, input: 2, layers: 3}",
        "{cell: rnn, hidden: 4, input: 3, layers: 2, bidirectional: true}",
        "{cell: lstm, hidden: 4, input: 3, layers: 3, bidirectional: true, bias: false}",
        "{cell: gru, hidden: 5, input: 2, layers: 2}",
    ]

    @Test func parameterCountIsTheModelsOwn() throws {
        // docs/recurrent.md's example, by hand: D = 3, N = 4, two bidirectional layers (D_1 = 6), per
        // direction 4N·D_ℓ + 3N + D_ℓ: 2·(48 + 12 + 3) + 2·(96 + 12 + 6) = 354.
        let lru = try Self.spec(Self.stacks[0])
        #expect(CostModel.inputWidths(lru.model) == [3, 6])
        #expect(CostModel.parameterCount(lru.model) == 354)
        #expect(CostModel.inputWidths(try Self.spec(Self.stacks[1]).model) == [2, 4, 8])
        #expect(CostModel.inputWidths(try Self.spec(Self.stacks[3]).model) == [3, 8])
        let singles = ["{cell: rnn, hidden: 4, input: 3}", "{cell: indrnn, hidden: 4, input: 3, layers: 2, bidirectional: true}",
                       "{cell: lnrnn, hidden: 4, input: 3, layers: 2}", "{cell: lnrnn, hidden: 4, input: 3, bias: false}",
                       "{cell: lru, hidden: 4, input: 3}"]
        for text in Self.stacks + singles {
            let spec = try Self.spec(text)
            let model = try spec.makeModel(RandomStream(seed: 1))
            #expect(CostModel.parameterCount(spec.model) == Double(model.parameters.scalarCount), "\(text)")
        }
    }

    /// The difference between the tape allocated for 20 and for 10 steps of 3 sequences is what the
    /// tape holds per step and sequence: the estimate's `stackedTapeWidth`, exactly.
    @Test func stackedTapeWidthIsWhatTheTapeAllocates() throws {
        for text in Self.stacks {
            let spec = try Self.spec(text)
            let m = try spec.makeModel(RandomStream(seed: 2))
            func allocated(steps: Int) -> Int {
                let units = (0..<m.layers).flatMap { l in (0..<m.directions).map { (l, $0 == 1) } }
                switch m.cell {
                case .lru:
                    let p = units.map { m.lruParameters(layer: $0.0, reverse: $0.1) }
                    return StackedTape(cells: p.map { LRUCell(weights: $0.cellWeights) }, layers: m.layers, directions: m.directions,
                                       capacity: steps, batch: 3, readouts: p.map(UnitReadout.init)).allocatedScalars
                case .lstm:
                    return StackedTape(cells: units.map { LSTMCell(weights: m.cellWeights(layer: $0.0, reverse: $0.1)) }, layers: m.layers,
                                       directions: m.directions, capacity: steps, batch: 3).allocatedScalars
                case .gru:
                    return StackedTape(cells: units.map { GRUCell(weights: m.cellWeights(layer: $0.0, reverse: $0.1)) }, layers: m.layers,
                                       directions: m.directions, capacity: steps, batch: 3).allocatedScalars
                default:
                    return StackedTape(cells: units.map { VanillaCell(weights: m.cellWeights(layer: $0.0, reverse: $0.1), activation: .tanh) },
                                       layers: m.layers, directions: m.directions, capacity: steps, batch: 3).allocatedScalars
                }
            }
            let perStepAndSequence = Double(allocated(steps: 20) - allocated(steps: 10)) / (10 * 3)
            #expect(perStepAndSequence == CostModel.stackedTapeWidth(spec.model), "\(text)")
        }
    }

    /// What the width doubling does to the estimates: a third bidirectional LRU layer reads 4D values, so
    /// with D = 64 ≫ N the memory and time estimates grow by more than the layer's share of units.
    @Test func theBidirectionalLRUsWidthDoublingIsEstimated() throws {
        let two = try Self.spec("{cell: lru, hidden: 4, input: 64, layers: 2, bidirectional: true}")
        let three = try Self.spec("{cell: lru, hidden: 4, input: 64, layers: 3, bidirectional: true}")
        // Parameters ≈ 4N·D_ℓ per unit: 64 + 128 vs 64 + 128 + 256.
        #expect(CostModel.parameterCount(three.model) / CostModel.parameterCount(two.model) > 2.2)
        #expect(CostModel.bytes(three) > CostModel.bytes(two))
        #expect(CostModel.workCounts(three)[1] / CostModel.workCounts(two)[1] > 2)
    }
}
