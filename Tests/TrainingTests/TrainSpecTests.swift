import Foundation
import Testing
@testable import Training

@Suite struct TrainSpecTests {
    func decode(_ json: String) throws -> TrainSpec {
        try JSONDecoder().decode(TrainSpec.self, from: Data(json.utf8))
    }

    @Test func fullSpec() throws {
        let spec = try decode("""
        {"task": {"name": "adding-pascanu2013", "length": 100},
         "optimizer": {"kind": "sgd", "lr": 0.01, "momentum": 0.9, "nesterov": true, "weight_decay": 0.001},
         "schedule": {"kind": "cosine", "period": 5000, "minimum": 0.0001},
         "clipping": {"kind": "global-norm", "threshold": 1.0, "non_finite": "follow-pytorch", "nan_guard": true},
         "training": {"batch_size": 50, "iterations": 5000, "eval_every": 250, "omega": 2.0, "snapshot_every": 100}}
        """)
        let c = try spec.configuration()
        #expect(c.task.name == "adding-pascanu2013" && c.task.nominalLength == 100)
        let sgd = try #require(c.optimizer as? SGD)
        #expect(sgd.learningRate == 0.01 && sgd.momentum == 0.9 && sgd.nesterov && sgd.weightDecay == 0.001)
        #expect(c.schedule == .cosine(period: 5000, minimum: 0.0001))
        #expect(c.clipping == .globalNorm(maxNorm: 1, nonFinite: .followPyTorch) && c.nonFiniteGuard)
        #expect(c.batchSize == 50 && c.iterations == 5000 && c.evaluationInterval == 250 && c.omegaWeight == 2)
        #expect(c.snapshotInterval == 100 && c.recordInterval == 1 && c.stopWhenSolved)
    }

    @Test func defaultsArePyTorchsPerKind() throws {
        let c = try decode(#"{"task": {"name": "sentiment"}}"#).configuration()
        let adam = try #require(c.optimizer as? Adam)
        #expect(adam.learningRate == 1e-3 && adam.beta2 == 0.999 && c.clipping == .none && c.schedule == .constant)
        let rms = try #require(try OptimizerSpec(kind: .rmsprop).make() as? RMSprop)
        #expect(rms.learningRate == 1e-2 && rms.alpha == 0.99)
        let sgd = try #require(try OptimizerSpec(kind: .sgd).make() as? SGD)
        #expect(sgd.learningRate == 1e-3)
        let memorization = try TaskSpec(name: "memorization", length: 50, values: 3, positions: 4).make()
        #expect(memorization.inputSize == 5 && memorization.output == .classification(classes: 4))
    }

    @Test(arguments: [
        (#"{"task": {"name": "copy-memory"}}"#, "task 'copy-memory': task.length is required"),
        (#"{"task": {"name": "copy-memory", "length": 5, "values": 3}}"#, "task 'copy-memory': values and positions apply to memorization only"),
        (#"{"task": {"name": "sentiment"}, "optimizer": {"kind": "adam", "momentum": 0.9}}"#,
         "optimizer: momentum does not apply to optimizer 'adam' (it takes amsgrad, betas, eps, lr, weight_decay)"),
        (#"{"task": {"name": "sentiment"}, "optimizer": {"betas": [0.9]}}"#, "optimizer: Adam: betas needs two values, got 1"),
        (#"{"task": {"name": "sentiment"}, "optimizer": {"kind": "sgd", "lr": -1}}"#, "optimizer: SGD: invalid learning rate -1.0"),
        (#"{"task": {"name": "sentiment"}, "schedule": {"kind": "step"}}"#, "schedule 'step' needs 'every' (steps between decays)"),
        (#"{"task": {"name": "sentiment"}, "schedule": {"kind": "step", "every": 0}}"#,
         "step schedule: 'every' must be a positive number of steps and gamma ≥ 0, got 0 and 0.1"),
        (#"{"task": {"name": "sentiment"}, "clipping": {"kind": "value"}}"#, "clipping kind 'value' needs a threshold"),
        (#"{"task": {"name": "sentiment"}, "clipping": {"kind": "value", "threshold": 1, "non_finite": "error"}}"#,
         "non_finite applies to clipping kind 'global-norm' only"),
        (#"{"task": {"name": "sentiment"}, "clipping": {"kind": "per-tensor-norm", "threshold": 0}}"#,
         "gradient clipping: the threshold must be positive and finite, got 0.0"),
        (#"{"task": {"name": "sentiment"}, "training": {"batch_size": 0}}"#, "training.batch_size must be at least 1, got 0"),
        (#"{"task": {"name": "sentiment"}, "training": {"omega": -1}}"#, "training.omega must be a finite weight ≥ 0, got -1.0"),
    ])
    func oneLineErrors(json: String, message: String) throws {
        let spec = try decode(json)
        do {
            _ = try spec.configuration()
            Issue.record("expected an error: \(message)")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func knownKeysMatchCodingKeys() {
        #expect(OptimizerSpec.knownKeys.contains("weight_decay") && ClippingSpec.knownKeys.contains("non_finite"))
        #expect(LoopSpec.knownKeys.count == 13 && TaskSpec.knownKeys.count == 6 && ScheduleSpec.knownKeys.count == 5)
    }
}
