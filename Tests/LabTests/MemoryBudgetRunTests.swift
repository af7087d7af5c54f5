import Foundation
import Linalg
import Recurrent
import Sweeps
import Testing
@testable import Lab

/// `diagnostics.memory_budget` and `gradlab run --memory-budget` through the runner: a budget too
/// small for the trajectory checkpoints it, the stored numbers stay the same bit for bit, and the
/// strategy is recorded per configuration and in the manifest.
@Suite struct MemoryBudgetRunTests {
    static let text = """
    name: budget
    mode: gradient-flow
    seed: 4
    model: {cell: rnn, activation: tanh, hidden: 5, input: 2}
    init:
      weight_hh: {kind: gaussian, std: 0.5}
    sequence: {length: 50, input: {kind: gaussian, std: 0.5}}
    measure: [grad_norm, jacobian_norm, singular_values, contributions]
    diagnostics: {lags: all, singular_value_lags: [1, 10, 50]}
    sweep:
      model.cell: [rnn, lstm, gru, indrnn, lnrnn]
    """

    /// Every stored series row, values as bit patterns, and the memory columns of every run.
    static func run(_ e: Experiment, executor: ExecutorRegistry, budget: Double? = nil) async throws -> (series: [String], columns: [[String]], manifest: [String: Any]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-budget-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await Runner.run(e, executor: executor, options: RunOptions(outDirectory: dir, jobs: 1, progress: .silent, memoryBudget: budget))
        let store = try ResultStore(existing: dir)
        let series = try store.table("SELECT run_id, metric, step, component, value FROM series ORDER BY run_id, metric, step, component")
            .rows.map { $0.map { v in Double.fromDatabaseValue(v).map { String($0.bitPattern, radix: 16) } ?? v.description }.joined(separator: " ") }
        let runs = try store.table("SELECT * FROM runs ORDER BY run_id")
        let columns = runs.rows.map { row in ["run_id", "bptt_strategy", "bptt_interval", "tape_bytes", "memory_budget"].map { name in
            runs.columns.firstIndex(of: name).map { row[$0].description } ?? "NULL"
        } }
        let data = try Data(contentsOf: dir.appendingPathComponent("manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (series, columns, manifest)
    }

    /// 1 KiB forces checkpoints every ⌈√50⌉ = 8 steps; the series (‖∂L/∂h_t‖, ‖∂h_T/∂h_t‖ at every lag,
    /// singular values, every step's term of ∂L/∂W_hh) are bit-identical to the full tape's, for five cells.
    @Test func checkpointedRunStoresTheSameNumbers() async throws {
        let full = try await Self.run(try Experiment(text: Self.text, source: "budget.yaml"), executor: .standard)
        let small = try await Self.run(try Experiment(text: Self.text, source: "budget.yaml", overrides: ["diagnostics.memory_budget=1KiB"]),
                                       executor: .standard)
        #expect(full.series.count > 5 * 150)
        #expect(full.series == small.series, "first difference: \(String(describing: zip(full.series, small.series).first { $0 != $1 }))")
        #expect(full.columns.count == 5)
        for row in full.columns { #expect(row[1] == "\"full-tape\"" && row[2] == "NULL" && row[4] == "268435456.0", "\(row)") }
        for row in small.columns { #expect(row[1] == "\"checkpointed\"" && row[2] == "8.0" && row[4] == "1024.0", "\(row)") }
        #expect(full.manifest["memory_budget"] == nil || full.manifest["memory_budget"] is NSNull)
    }

    /// `--memory-budget` (the registry's budget and the preflight's limit) replaces the file's key and
    /// is written to the manifest.
    @Test func commandLineBudgetReplacesTheKey() async throws {
        let e = try Experiment(text: Self.text, source: "budget.yaml", overrides: ["sweep.model.cell=[gru]", "diagnostics.memory_budget=1KiB"])
        let result = try await Self.run(e, executor: .standard(memoryBudget: MemoryBudget(bytes: 1 << 30)), budget: Double(1 << 30))
        #expect(result.columns.first?[1] == "\"full-tape\"")
        #expect(result.columns.first?[4] == "1073741824.0")
        #expect((result.manifest["memory_budget"] as? Double) == Double(1 << 30))
    }

    /// The estimate the preflight checks follows the strategy: a trajectory of 10⁶ steps at H = 64
    /// (512 MB of states) is estimated at the full size under 1 GiB and at a few MB under 100 MB and
    /// under the default budget (256 MiB).
    @Test func preflightEstimateFollowsTheStrategy() throws {
        let e = try Experiment(text: Self.text, source: "budget.yaml",
                               overrides: ["sweep.model.cell=[rnn]", "model.hidden=64", "model.input=1", "sequence.length=1000000", "measure=[grad_norm]"])
        let spec = e.points[0].spec
        #expect(CostModel.bytes(spec, memoryBudget: MemoryBudget(bytes: 1 << 30)) > 512e6)
        #expect(CostModel.bytes(spec) < 40e6)
        #expect(CostModel.bytes(spec, memoryBudget: MemoryBudget(bytes: 100_000_000)) < 40e6)
    }

    /// Stacked models keep a full tape: above the budget they are refused before running, naming what they need.
    @Test func stackedAboveTheBudgetIsRefused() throws {
        let e = try Experiment(text: Self.text, source: "budget.yaml",
                               overrides: ["sweep.model.cell=[rnn]", "model.layers=2", "measure=[grad_norm]", "diagnostics.memory_budget=1KiB"])
        #expect(throws: ConfigurationFailure.self) { try ExecutorRegistry.standard.check(e.points[0].spec) }
        do { try ExecutorRegistry.standard.check(e.points[0].spec) } catch {
            #expect("\(error)".contains("keeps the full tape of its 2 layers") && "\(error)".contains("diagnostics.memory_budget (1KiB)"), "\(error)")
        }
    }
}

/// The schema key: sizes with units, located errors with suggestions, other modes refused.
@Suite struct MemoryBudgetSchemaTests {
    static let base = MemoryBudgetRunTests.text

    @Test func decodesSizes() throws {
        for (text, bytes) in [("1GiB", 1 << 30), ("200MB", 200_000_000), ("512MiB", 512 << 20), ("4G", 4_000_000_000), ("65536", 65536)] {
            let e = try Experiment(text: Self.base, source: "b.yaml", overrides: ["diagnostics.memory_budget=\(text)"])
            #expect(e.points[0].spec.diagnostics.memoryBudget.bytes == bytes, "\(text)")
        }
        #expect(try Experiment(text: Self.base, source: "b.yaml").points[0].spec.diagnostics.memoryBudget == .standard)
    }

    @Test func errorsAreLocated() throws {
        func message(_ overrides: [String], _ text: String = Self.base) -> String {
            do { _ = try Experiment(text: text, source: "b.yaml", overrides: overrides); return "" } catch { return "\(error)" }
        }
        let bad = message([], Self.base.replacingOccurrences(of: "diagnostics: {lags: all", with: "diagnostics: {memory_budget: lots, lags: all"))
        #expect(bad.contains("b.yaml:9:") && bad.contains("diagnostics.memory_budget") && bad.contains("'lots' is not a memory size"), "\(bad)")
        let typo = message(["diagnostics.memory_budgt=1GiB"])
        #expect(typo.contains("did you mean 'memory_budget'"), "\(typo)")
        let zero = message(["diagnostics.memory_budget=0"])
        #expect(zero.contains("more than 0 bytes"), "\(zero)")
        let lyapunov = message(["diagnostics.memory_budget=1GiB", "mode=lyapunov", "measure=[lyapunov]"])
        #expect(lyapunov.contains("applies to mode gradient-flow only"), "\(lyapunov)")
    }
}
