import Foundation
import Linalg
import Recurrent
import Testing
@testable import Training

@Suite struct WeightConstraintTests {
    func randomMatrix(_ n: Int, scale: Double, seed: UInt64) -> Matrix {
        var rng = RandomStream(seed: seed)
        return rng.normalMatrix(rows: n, cols: n, std: scale / Double(n).squareRoot())
    }

    /// Above the ball: σ_max after = s to 1e−12, the singular values ≤ s unchanged to 1e−12, and
    /// the singular vectors kept (W·v_1 = s·u_1).
    @Test func spectralProjectionIsExact() throws {
        for (seed, n) in [(1, 6), (2, 17), (3, 40)] as [(UInt64, Int)] {
            let w0 = randomMatrix(n, scale: 3, seed: seed)
            let before = try w0.singularValues()
            let s = 1.25
            #expect(before[0] > s && before.last! < s)
            var w = w0
            #expect(try WeightConstraint.spectral(maxNorm: s).apply(to: &w))
            let after = try w.singularValues()
            #expect(abs(after[0] - s) < 1e-12, "σ_max after \(after[0])")
            for (a, b) in zip(after, before) {
                #expect(abs(a - min(b, s)) < 1e-12, "σ \(b) → \(a)")
            }
            // The projection is W − U(Σ − s)₊Vᵀ: the change has Frobenius norm √Σ(σ_i − s)₊².
            let change = try w.adding(w0, scaledBy: -1).withUnsafeBufferPointer { frobeniusNorm($0.baseAddress!, rows: n, cols: n, ld: n) }
            let expected = before.map { max($0 - s, 0) * max($0 - s, 0) }.reduce(0, +).squareRoot()
            #expect(abs(change - expected) < 1e-12)
        }
    }

    /// Inside the ball: unchanged, bit for bit.
    @Test func spectralProjectionLeavesSmallMatricesAlone() throws {
        let w0 = randomMatrix(8, scale: 0.5, seed: 9)
        var w = w0
        #expect(try !WeightConstraint.spectral(maxNorm: 1).apply(to: &w))
        #expect(w == w0)
    }

    /// Gated cells: each H×H gate block is projected on its own.
    @Test func spectralProjectionPerGateBlock() throws {
        let h = 5
        let blocks = [randomMatrix(h, scale: 4, seed: 1), randomMatrix(h, scale: 0.3, seed: 2), randomMatrix(h, scale: 2, seed: 3)]
        var w = Matrix(rows: 3 * h, cols: h)
        for (g, b) in blocks.enumerated() { for i in 0..<h { for j in 0..<h { w[g * h + i, j] = b[i, j] } } }
        #expect(try WeightConstraint.spectral(maxNorm: 1).apply(to: &w, gateCount: 3))
        let sigmas = try (0..<3).map { try w.rows($0 * h..<($0 + 1) * h).spectralNorm() }
        #expect(abs(sigmas[0] - 1) < 1e-12 && abs(sigmas[2] - 1) < 1e-12)
        #expect(try w.rows(h..<2 * h) == blocks[1])
    }

    @Test func elementwiseClippingIsExact() throws {
        var w = try Matrix([[0.5, -2, 3], [-0.1, 0.25, -0.25], [Double.nan, 0.3, -0.31]])
        #expect(try WeightConstraint.elementwise(limit: 0.3).apply(to: &w))
        let expected: [Double] = [0.3, -0.3, 0.3, -0.1, 0.25, -0.25, .nan, 0.3, -0.3]
        for (a, b) in zip(w.elements, expected) { #expect(a == b || (a.isNaN && b.isNaN)) }
        var small = try Matrix([[0.1, -0.2]])
        #expect(try !WeightConstraint.elementwise(limit: 0.3).apply(to: &small))
    }

    @Test func invalidThresholds() throws {
        #expect(throws: TrainingError.self) { try WeightConstraint.spectral(maxNorm: 0).validate() }
        #expect(throws: TrainingError.self) { try WeightConstraint.elementwise(limit: .infinity).validate() }
        #expect(throws: TrainingError.self) { try ConstraintSpec(kind: .spectral).make() }
        #expect(throws: TrainingError.self) { try ConstraintSpec(kind: ConstraintSpec.Kind.none, threshold: 1).make() }
    }

    /// In the loop: every kept record's σ_max after the update is ≤ s, and where the constraint fired
    /// the record shows σ_max before > s.
    @Test func trainingKeepsTheBall() throws {
        let task = try AddingProblem(variant: .arjovsky2016, length: 10)
        var config = TrainingConfiguration(task: task, optimizer: try Adam(learningRate: 0.05))
        config.iterations = 40
        config.spectralInterval = 1
        config.evaluationInterval = 20
        config.evaluationBatches = 1
        config.constraint = .spectral(maxNorm: 0.9)
        var rng = RandomStream(seed: 4, stream: 1)
        var model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 2, hiddenSize: 8, headSize: 1, rng: &rng)
        var tensors = model.parameters.tensors
        tensors[1] = tensors[1].scaled(by: 3)
        try model.setTensors(tensors)
        let result = try train(model, config, rng: RandomStream(seed: 1))
        let trained = result.records.dropFirst()
        #expect(trained.count == 40)
        #expect(trained.allSatisfy { $0.sigmaMax <= 0.9 + 1e-12 && $0.sigmaMaxBefore.isFinite && $0.spectralRadiusBefore.isFinite })
        #expect(trained.allSatisfy { $0.constrained == ($0.sigmaMaxBefore > 0.9) })
        #expect(trained.first?.constrained == true)
    }
}
