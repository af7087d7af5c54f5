import Foundation
import Testing
import Linalg
import Recurrent
@testable import Diagnostics

/// Gradient flow under a memory budget: a checkpointed trajectory (every K-th state, segments
/// recomputed) gives the full tape's numbers bit for bit, for every cell.
@Suite struct CheckpointedTrajectoryTests {
    static let cells: [CellKind] = [.rnn(.tanh), .rnn(.relu), .lstm, .gru, .indrnn(.tanh), .lnrnn(.tanh), .lru]

    /// The diagnosis of one model with every backward measurement (norms at all lags, the adjoint's
    /// ‖∂L/∂h_t‖, singular spectra, each step's term of ∂L/∂W_hh), under `budget`.
    static func diagnosis(_ cell: CellKind, steps: Int, budget: MemoryBudget, hidden: Int = 5) throws -> Diagnosis {
        var rng = RandomStream(seed: 29)
        let model = try RecurrentModel.initialized(cell: cell, inputSize: 3, hiddenSize: hidden, headSize: nil, rng: &rng)
        var o = DiagnosisOptions(steps: steps, input: .gaussian(std: 0.7), initialState: .gaussian, lags: .all,
                                 singularValueLags: [1, 7, steps])
        o.contributions = true
        o.memoryBudget = budget
        return try Diagnosis(map: model.makeCell(), theory: model.theoryInputs, options: o, rng: RandomStream(seed: 3))
    }

    /// Bit-identical results with a budget of 1 byte (checkpoints every ⌈√T⌉ = 8 steps; T = 61 leaves a
    /// short last segment) and with the default budget (the full tape), for every cell.
    @Test(arguments: cells)
    func checkpointedIsBitIdentical(cell: CellKind) throws {
        let full = try Self.diagnosis(cell, steps: 61, budget: .standard)
        let checkpointed = try Self.diagnosis(cell, steps: 61, budget: MemoryBudget(bytes: 1))
        #expect(full.memory.strategy == .fullTape)
        #expect(checkpointed.memory.strategy == .checkpointed(interval: 8))
        #expect(checkpointed.memory.tapeBytes < full.memory.tapeBytes)
        #expect(full.gradNormLog10 == checkpointed.gradNormLog10, "\(cell): ‖∂L/∂h_t‖")
        #expect(full.jacobianNorms == checkpointed.jacobianNorms, "\(cell): ‖∂h_T/∂h_t‖")
        #expect(full.singularValuesLog10 == checkpointed.singularValuesLog10, "\(cell): singular values")
        #expect(full.contributionLog10 == checkpointed.contributionLog10, "\(cell): terms of ∂L/∂W_hh")
        #expect(full.contributionLog10.count == 61 && full.gradNormLog10.count == 62)
        // Not vacuous: finite norms at most lags and steps.
        #expect(full.jacobianNorms.filter { $0.spectralLog10 != nil }.count > 50 && full.gradNormLog10.filter { $0 != nil }.count > 50)
        #expect(full.contributionLog10.filter { $0 != nil }.count > 30 || cell == .lru)
    }

    /// Every interval, including K = 1 (the full tape), K = T and K ∤ T: the states the reverse sweep
    /// hands out are the full tape's, bit for bit, in the order t = T … 1.
    @Test func everyIntervalVisitsTheSameStates() throws {
        var rng = RandomStream(seed: 8)
        let model = try RecurrentModel.initialized(cell: .lstm, inputSize: 2, hiddenSize: 3, headSize: nil, rng: &rng)
        let map = model.makeCell(), x = rng.normalMatrix(rows: 23, cols: 2)
        let s0 = (0..<map.stateSize).map { _ in rng.normal() }
        let full = try Trajectory(map: map, initialState: s0, inputs: x)
        for k in [1, 2, 4, 5, 22, 23, 40] {
            let checkpointed = try Trajectory(map: map, initialState: s0, inputs: x, strategy: .checkpointed(interval: k))
            var visited: [Int] = []
            checkpointed.reverseSweep(map: map) { t, previous, input in
                visited.append(t)
                #expect(Array(UnsafeBufferPointer(start: previous, count: map.stateSize)) == full.states.row(t - 1), "K = \(k), t = \(t)")
                #expect(input.pointee == x[t - 1, 0])
                return true
            }
            #expect(visited == Array((1...23).reversed()), "K = \(k)")
            // The last checkpoint row is s_T.
            #expect(checkpointed.states.row(checkpointed.states.rows - 1) == full.states.row(23))
        }
    }

    /// A state that turns non-finite ends the trajectory at the same step either way, and the sweep
    /// covers the finite part only.
    @Test func nonfiniteStepIsTheSame() throws {
        var rng = RandomStream(seed: 2)
        let model = try RecurrentModel.initialized(cell: .rnn(.linear), inputSize: 1, hiddenSize: 2, headSize: nil, rng: &rng)
        var m = model
        try m.setTensors(m.parameters.tensors.enumerated().map { $0.offset == 1 ? try Matrix(rows: 2, cols: 2, elements: [1e200, 0, 0, 1e200]) : $0.element })
        let map = m.makeCell(), x = Matrix(rows: 30, cols: 1)
        let full = try Trajectory(map: map, initialState: [1, 1], inputs: x)
        let checkpointed = try Trajectory(map: map, initialState: [1, 1], inputs: x, strategy: .checkpointed(interval: 3))
        #expect(full.nonfiniteStep != nil)
        #expect(full.nonfiniteStep == checkpointed.nonfiniteStep)
        var count = 0
        checkpointed.reverseSweep(map: map) { _, _, _ in count += 1; return true }
        #expect(count == full.steps)
    }

    /// The strategy follows the budget: the full tape while (T+1)·S·8 bytes fit, ⌈√T⌉ above.
    @Test func strategyFollowsTheBudget() {
        #expect(Trajectory.strategy(steps: 1_000_000, stateSize: 64, budget: MemoryBudget(bytes: 1 << 30)) == .fullTape)
        #expect(Trajectory.strategy(steps: 1_000_000, stateSize: 64, budget: .standard) == .checkpointed(interval: 1000))
        #expect(Trajectory.strategy(steps: 500_000, stateSize: 64, budget: .standard) == .fullTape)
        #expect(Trajectory.stateBytes(steps: 1_000_000, stateSize: 64, strategy: .fullTape) == 8 * 1_000_001 * 64)
        #expect(Trajectory.strategy(steps: 1_000_000, stateSize: 64, budget: MemoryBudget(bytes: 200_000_000)) == .checkpointed(interval: 1000))
        #expect(Trajectory.stateBytes(steps: 1_000_000, stateSize: 64, strategy: .checkpointed(interval: 1000)) == 8 * 2001 * 64)
        #expect(Trajectory.strategy(steps: 3, stateSize: 64, budget: MemoryBudget(bytes: 0)) == .fullTape)
    }
}
