import Foundation
import Testing
import Recurrent
import Sweeps
import Training
@testable import Lab

/// Mitigation runs through the runner: dropout is bit-identical across `--jobs`, every train run
/// stores its model, and a char-lm run stores its vocabulary and bits per character.
@Suite struct MitigationsRunTests {
    static let yaml = """
    name: mitigations-run
    mode: train
    seed: 11
    replicates: 2
    model: {cell: rnn, hidden: 6}
    task: {name: char-lm, length: 12, generator: dyck}
    optimizer: {kind: adam, lr: 0.01}
    training: {iterations: 12, eval_every: 6, eval_batches: 1, eval_batch_size: 10, batch_size: 4, spectral_every: 1}
    zip:
      method: [dropout, spectral, expm, flossing, cayley, flossing-before, lstm-cayley]
      model.cell: [rnn, rnn, rnn, rnn, rnn, rnn, lstm]
      training.dropout.recurrent: [0.3, 0, 0, 0, 0, 0, 0]
      training.constraint.kind: [none, spectral, none, none, none, none, none]
      training.constraint.threshold: [null, 0.5, null, null, null, null, null]
      model.parametrization.kind: [none, none, expm, none, cayley, none, cayley]
      model.parametrization.negative_ones: [null, null, null, null, 1, null, null]
      training.flossing.weight: [0, 0, 0, 0.5, 0, 0.5, 0]
      training.flossing.before: [0, 0, 0, 0, 0, 4, 0]
      training.flossing.every: [1, 1, 1, 1, 1, 0, 1]
    """

    func run(jobs: Int) async throws -> (URL, ResultStore) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-mitigations-\(UUID().uuidString)")
        let e = try Experiment(text: Self.yaml, source: "m.yaml")
        let report = try await Runner.run(e, executor: ExecutorRegistry.standard, options: RunOptions(outDirectory: dir, jobs: jobs, progress: .silent))
        #expect(report.allOK, "\(report)")
        return (dir, try ResultStore(existing: dir))
    }

    @Test func reproducibleAcrossJobsAndStoresModels() async throws {
        let (d1, s1) = try await run(jobs: 1)
        let (d2, s2) = try await run(jobs: 2)
        defer { try? FileManager.default.removeItem(at: d1); try? FileManager.default.removeItem(at: d2) }
        for metric in [Metric.loss, .evalLoss, .gradNorm, .sigmaMax, .sigmaMaxBefore, .flossLambda1, .flossPhaseLambda, .flossProbeLambda] {
            let a = try s1.series(metric.name), b = try s2.series(metric.name)
            #expect(!a.isEmpty && a.keys.sorted() == b.keys.sorted())
            for (id, points) in a { #expect(points.map(\.value) == b[id]?.map(\.value), "\(metric.name) of \(id)") }
        }
        let runs = try s1.runs()
        #expect(runs.count == 14)
        for r in runs {
            let path = d1.appendingPathComponent(TrainedModelStore.relativePath(runID: r.runID)).path
            let model = try RecurrentModel.read(path).model
            #expect(model.hiddenSize == 6 && model.inputSize == 4 && model.outputSize == 4)
        }
        let t = try s1.table("SELECT vocabulary_size, final_bits_per_char, baseline_bits_per_char FROM runs")
        #expect(t.rows.count == 14)
        for row in t.rows {
            #expect(Double.fromDatabaseValue(row[0]) == 4)
            let bits = try #require(Double.fromDatabaseValue(row[1]))
            #expect(bits > 1 && bits < 3)
            #expect(abs((Double.fromDatabaseValue(row[2]) ?? 0) - 2) < 0.02)
        }
        // The spectral runs kept σ_max ≤ 0.5 after every update; the expm runs σ_max = 1.
        let sigma = try s1.series(Metric.sigmaMax.name)
        for r in runs {
            let values = (sigma[r.runID] ?? []).filter { $0.step > 0 }.map(\.value)
            #expect(!values.isEmpty)
            if r.values["method"]?.description == "spectral" { #expect(values.allSatisfy { $0 <= 0.5 + 1e-12 }) }
            if ["expm", "cayley"].contains(r.values["method"]?.description) { #expect(values.allSatisfy { abs($0 - 1) < 1e-12 }) }
            // LSTM: four orthogonal H×H blocks stacked, σ_max = 2.
            if r.values["method"]?.description == "lstm-cayley" { #expect(values.allSatisfy { abs($0 - 2) < 1e-12 }) }
        }
        // The flossing phase: 4 phase iterations of λ_1 and λ_1 before/after on the probe.
        let phase = try s1.series(Metric.flossPhaseLambda.name)
        let before = try s1.table("SELECT method, floss_lambda_1_before, floss_lambda_1_after FROM runs")
        for row in before.rows {
            let isPhase = String.fromDatabaseValue(row[0]) == "flossing-before"
            #expect((Double.fromDatabaseValue(row[1]) != nil) == isPhase && (Double.fromDatabaseValue(row[2]) != nil) == isPhase)
        }
        for r in runs where r.values["method"]?.description == "flossing-before" {
            #expect((phase[r.runID] ?? []).map(\.step) == [1, 2, 3, 4])
        }
    }
}
