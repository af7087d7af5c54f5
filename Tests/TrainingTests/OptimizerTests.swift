import Foundation
import Linalg
import Testing
@testable import Training

/// Optimizers and schedules against PyTorch 2.13 (fixtures from scripts/training_fixtures.py):
/// three steps on a 3×2 weight and a 3×1 bias with changing gradients.
@Suite struct OptimizerTests {
    func makeOptimizer(_ name: String, _ o: [String: Any]) throws -> any Optimizer {
        let d = { (k: String, v: Double) in (o[k] as? NSNumber)?.doubleValue ?? v }
        let betas = (o["betas"] as? [NSNumber])?.map(\.doubleValue) ?? [0.9, 0.999]
        switch name {
        case let n where n.hasPrefix("sgd"):
            return try SGD(learningRate: d("lr", 1e-3), momentum: d("momentum", 0), dampening: d("dampening", 0),
                           weightDecay: d("weight_decay", 0), nesterov: (o["nesterov"] as? Bool) ?? false)
        case let n where n.hasPrefix("rmsprop"):
            return try RMSprop(learningRate: d("lr", 1e-2), alpha: d("alpha", 0.99), epsilon: d("eps", 1e-8),
                           weightDecay: d("weight_decay", 0), momentum: d("momentum", 0),
                           centered: (o["centered"] as? Bool) ?? false)
        default:
            return try Adam(learningRate: d("lr", 1e-3), beta1: betas[0], beta2: betas[1], epsilon: d("eps", 1e-8),
                        weightDecay: d("weight_decay", 0), amsgrad: (o["amsgrad"] as? Bool) ?? false)
        }
    }

    @Test(arguments: ["sgd", "sgd-momentum", "sgd-nesterov", "rmsprop", "rmsprop-centered-momentum",
                      "adam", "adam-amsgrad"])
    func matchesPyTorch(name: String) throws {
        let fixture = try loadJSON("optimizers.json")
        let initial = try (fixture["initial"] as? [Any] ?? []).map(matrix)
        let gradients = try (fixture["gradients"] as? [[Any]] ?? []).map { try $0.map(matrix) }
        let cases = fixture["cases"] as? [[String: Any]] ?? []
        let entry = try #require(cases.first { $0["name"] as? String == name })
        var optimizer = try makeOptimizer(name, entry["options"] as? [String: Any] ?? [:])
        let expected = try (entry["after"] as? [[Any]] ?? []).map { try $0.map(matrix) }
        try #require(initial.count == 2 && gradients.count == 3 && expected.count == 3)
        var parameters = initial
        for step in 0..<3 {
            try optimizer.step(&parameters, gradients: gradients[step])
            #expect(maxAbsDifference(parameters, expected[step]) < 1e-14, "\(name) step \(step + 1)")
        }
        // The update really moved the parameters (the fixture is not trivially the initial values).
        #expect(maxAbsDifference(parameters, initial) > 1e-4)
    }

    @Test func defaultsArePyTorchs() throws {
        let sgd = try SGD(), rms = try RMSprop(), adam = try Adam()
        #expect(sgd.learningRate == 1e-3 && sgd.momentum == 0 && sgd.dampening == 0 && !sgd.nesterov)
        #expect(rms.learningRate == 1e-2 && rms.alpha == 0.99 && rms.epsilon == 1e-8 && !rms.centered && rms.momentum == 0)
        #expect(adam.learningRate == 1e-3 && adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.epsilon == 1e-8 && !adam.amsgrad)
    }

    @Test func rejectsMismatchedLists() throws {
        var adam = try Adam()
        var p = [Matrix(rows: 2, cols: 1)]
        #expect(throws: OptimizerError.self) { try adam.step(&p, gradients: [Matrix(rows: 1, cols: 2)]) }
        #expect(throws: OptimizerError.self) { try adam.step(&p, gradients: []) }
        #expect(throws: OptimizerError.self) { _ = try SGD(learningRate: 0.1, momentum: 0, nesterov: true) }
    }

    @Test func rejectsWhatPyTorchRejects() throws {
        #expect(throws: OptimizerError.invalid("SGD: invalid learning rate -0.1")) { _ = try SGD(learningRate: -0.1) }
        #expect(throws: OptimizerError.invalid("Adam: invalid beta2 1.0")) { _ = try Adam(beta2: 1) }
        #expect(throws: OptimizerError.self) { _ = try Adam(learningRate: .nan) }
        #expect(throws: OptimizerError.invalid("RMSprop: invalid epsilon -1.0")) { _ = try RMSprop(epsilon: -1) }
        #expect(throws: OptimizerError.self) { _ = try RMSprop(momentum: -0.5) }
        #expect(throws: TrainingError.self) { try LearningRateSchedule.step(every: 0, gamma: 0.5).validate() }
        #expect(throws: TrainingError.self) { try LearningRateSchedule.cosine(period: 10, minimum: -1).validate() }
        try LearningRateSchedule.cosine(period: 10, minimum: 0).validate()
    }

    @Test func schedulesMatchPyTorch() throws {
        let fixture = try loadJSON("schedules.json")
        let base = (fixture["base"] as? NSNumber)?.doubleValue ?? .nan
        let step = fixture["step"] as? [String: Any] ?? [:], cosine = fixture["cosine"] as? [String: Any] ?? [:]
        let stepRates = (step["rates"] as? [NSNumber] ?? []).map(\.doubleValue)
        let cosineRates = (cosine["rates"] as? [NSNumber] ?? []).map(\.doubleValue)
        try #require(stepRates.count == 12 && cosineRates.count == 12)
        for s in 0..<12 {
            #expect(LearningRateSchedule.step(every: 3, gamma: 0.5).rate(base: base, step: s) == stepRates[s])
            #expect(abs(LearningRateSchedule.cosine(period: 10, minimum: 0.01).rate(base: base, step: s) - cosineRates[s]) < 1e-14)
            #expect(LearningRateSchedule.constant.rate(base: base, step: s) == base)
        }
    }
}
