import Foundation
import Linalg
import Testing
import Recurrent
@testable import Diagnostics

/// Per-unit maps summed (squared, per step) equal the stored ‖∂L/∂h_t‖² of `BackwardFlow`.
@Suite("Unit gradient maps")
struct UnitGradientMapTests {
    @Test(arguments: [CellKind.rnn(.tanh), .lstm, .gru])
    func unitMapsSumToTheGradientNorm(kind: CellKind) throws {
        var rng = RandomStream(seed: 9)
        let model = try RecurrentModel.initialized(cell: kind, inputSize: 3, hiddenSize: 7, headSize: nil, rng: &rng)
        let cell = model.makeCell()
        let inputs = rng.normalMatrix(rows: 60, cols: 3)
        let s0 = makeInitialState(.gaussian, hiddenSize: 7, stateSize: model.stateSize, rng: &rng)
        let adjoint = rng.normals(7)
        func check<C: RecurrentCell>(_ c: C) throws {
            let run = try Trajectory(map: c, initialState: s0, inputs: inputs)
            let flow = try BackwardFlow(map: c, trajectory: run, options: .init(jacobianLags: nil, adjoint: adjoint))
            let maps = try UnitGradientMap(cell: c, family: kind.family, trajectory: run, adjoint: adjoint)
            #expect(maps.hiddenLog10.count == 61 && maps.hiddenLog10.allSatisfy { $0.count == 7 })
            for (a, b) in zip(maps.normLog10, flow.gradNormLog10) {
                let x = try #require(a), y = try #require(b)
                #expect(abs(x - y) < 1e-10)
            }
            #expect(maps.gateLog10.count == (kind.family == .rnn ? 0 : kind.gateCount))
            #expect(maps.gateLog10.allSatisfy { $0.count == 60 })
            #expect(Set(maps.unitsByTotalGradient) == Set(0..<7))
        }
        try check(cell)
    }
}
