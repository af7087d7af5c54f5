import Sweeps
import Lab
import Foundation
import Linalg
import Recurrent
import Testing
import Training
@testable import Lab

/// The `mode: train` executor behind `gradlab run`: model construction, stored rows and series.
@Suite struct TrainExecutorTests {
    static let tiny = """
    name: train-exec
    mode: train
    seed: 5
    model: {cell: rnn, hidden: 8}
    task: {name: adding-arjovsky2016, length: 2}
    optimizer: {kind: adam, lr: 0.02}
    clipping: {kind: global-norm, threshold: 1.0}
    training: {eval_every: 25, eval_batches: 2, snapshot_every: 10}
    zip:
      training.iterations: [1500, 3]
      method: [long, short]
    """

    static func runDirectory(_ text: String, overrides: [String] = []) async throws -> ResultStore {
        let e = try Experiment(text: text, source: "train.yaml", overrides: overrides)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-train-\(UUID().uuidString)")
        _ = try await Runner.run(e, executor: ExecutorRegistry.standard, options: RunOptions(outDirectory: dir, jobs: 2, progress: .silent))
        return try ResultStore(existing: dir)
    }

    @Test func storesSeriesSummaryAndTheSolvedFlag() async throws {
        let store = try await Self.runDirectory(Self.tiny)
        let t = try store.table("SELECT method, status, solved, iterations_to_solve, iterations, final_eval_loss, baseline_loss, clip_threshold, sequence_length, run_id FROM runs ORDER BY method")
        #expect(t.rows.count == 2)
        let long = t.rows[0], short = t.rows[1]
        #expect(String.fromDatabaseValue(long[0]) == "long" && String.fromDatabaseValue(long[1]) == "ok")
        // T = 2 is learnable in a few hundred Adam steps: solved (MSE < 0.01) and stopped early.
        #expect(Double.fromDatabaseValue(long[2]) == 1)
        let solvedAt = try #require(Double.fromDatabaseValue(long[3]))
        #expect(solvedAt > 0 && solvedAt < 1500 && solvedAt.truncatingRemainder(dividingBy: 25) == 0)
        #expect(Double.fromDatabaseValue(long[4]) == solvedAt)
        #expect(try #require(Double.fromDatabaseValue(long[5])) < 0.01)
        // Three iterations are not enough: unsolved, no iterations_to_solve.
        #expect(Double.fromDatabaseValue(short[2]) == 0 && short[3].isNull && Double.fromDatabaseValue(short[4]) == 3)
        for row in t.rows {
            #expect(Double.fromDatabaseValue(row[6]) == 1.0 / 6 && Double.fromDatabaseValue(row[7]) == 1 && Double.fromDatabaseValue(row[8]) == 2)
        }

        let shortID = try #require(String.fromDatabaseValue(short[9]))
        func steps(_ metric: String) throws -> [Int] { (try store.series(metric)[shortID] ?? []).map(\.step) }
        #expect(try steps("loss") == [1, 2, 3])
        #expect(try steps("eval_loss") == [0, 3])            // iteration 0 and the end
        #expect(try steps("grad_norm") == [1, 2, 3])
        #expect(try steps("clipped") == [1, 2, 3])
        let longID = try #require(String.fromDatabaseValue(long[9]))
        let flow = try #require(try store.series("grad_flow_log10")[longID])
        #expect(Set(flow.map(\.component)) == [1, 2])
        #expect(flow.count == 2 * (Int(solvedAt) / 10))
        #expect(flow.allSatisfy { $0.step % 10 == 0 && $0.value.isFinite })
    }

    /// The model has the task's read-out (O × H head) and, for an LSTM, the forget gate's total bias
    /// b_ih + b_hh equals `forget_bias` exactly.
    @Test func modelHasAHeadAndTheExactForgetBias() throws {
        let text = """
        name: m
        mode: train
        model: {cell: lstm, hidden: 5}
        init:
          bias_ih: {kind: pytorch-default, forget_bias: 1.0}
        task: {name: copy-memory, length: 10}
        """
        let e = try Experiment(text: text, source: "m.yaml")
        let c = e.configurations[0]
        let task = try #require(try c.spec.train?.task.make())
        let model = try c.spec.makeModel(c.randomStream, headSize: task.output.size)
        #expect(model.inputSize == task.inputSize && model.outputSize == task.output.size)
        let bih = try #require(model.parameters[ParameterName.biasIH]), bhh = try #require(model.parameters[ParameterName.biasHH])
        for i in 5..<10 { #expect(bih.elements[i] + bhh.elements[i] == 1) }
        #expect((0..<5).contains { bih.elements[$0] != 0 })
        let head = try #require(model.parameters[ParameterName.headWeight])
        #expect(head.rows == task.output.size && head.cols == 5 && head.elements.allSatisfy { abs($0) <= 1 / 5.0.squareRoot() })
    }

    @Test func sameSeedGivesBitIdenticalTrainingSeries() async throws {
        let text = Self.tiny.replacingOccurrences(of: "[1500, 3]", with: "[40, 3]")
        var tables: [[String]] = []
        for _ in 0..<2 {
            let store = try await Self.runDirectory(text)
            tables.append(try store.table("SELECT run_id, metric, step, component, value FROM series ORDER BY run_id, metric, step, component")
                .rows.map { $0.map { v in Double.fromDatabaseValue(v).map { String($0.bitPattern, radix: 16) } ?? v.description }.joined(separator: " ") })
        }
        #expect(tables[0].count > 100 && tables[0] == tables[1])
    }
}
