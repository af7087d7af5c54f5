import Foundation
import Testing
@testable import Sweeps
@testable import Lab
import _ExperimentsFixtures

/// Cost-balanced shard plans (`ShardPlan`) and shard merges (`ShardMerge`), with the synthetic executor.
@Suite struct ShardMergeTests {
    let executor = SyntheticExecutor.registry()

    /// Runs shard `k` (0-based) of the experiment's `count` balanced shards into `root/shards/k`.
    func runShard(_ e: Experiment, _ k: Int, of count: Int, root: URL) async throws {
        let shard = e.balancedShards(count, executor: executor)[k]
        _ = try await Runner.run(e, executor: executor, options: RunOptions(
            outDirectory: root.appendingPathComponent("shards/\(k)"), jobs: 2, shard: shard, progress: .silent, commandLine: ["test"]))
    }

    func shardURLs(_ root: URL, _ count: Int) -> [URL] { (0..<count).map { root.appendingPathComponent("shards/\($0)") } }

    @Test func lptBalancesWhereRoundRobinDoesNot() {
        // Costly points every other index line up with 2 shards under round robin.
        let costs: [Double] = [9, 1, 9, 1, 9, 1, 9, 1]
        let plan = ShardPlan.balanced(costs: costs, shards: 2)
        #expect(plan.flatMap { $0 }.sorted() == Array(0..<8))
        #expect(ShardPlan.loads(plan, costs: costs) == [20, 20])
        #expect(ShardPlan.loads([[0, 2, 4, 6], [1, 3, 5, 7]], costs: costs) == [36, 4])
        // Ties by index, so the plan is a pure function of the costs.
        #expect(plan == [[0, 1, 4, 5], [2, 3, 6, 7]])
        #expect(ShardPlan.balanced(costs: costs, shards: 2) == plan)
        // Non-finite and negative costs count as 0; points of equal cost are dealt out evenly (an
        // executor without an estimate gets shards of equal size); more shards than points leaves some empty.
        #expect(ShardPlan.balanced(costs: [.nan, -1, 3], shards: 4) == [[2], [0], [1], []])
        #expect(ShardPlan.balanced(costs: Array(repeating: 0, count: 7), shards: 3).map(\.count) == [3, 2, 2])
    }

    @Test func lptStaysWithinGrahamsBoundOfTheOptimum() {
        // Against the optimum by brute force (N^n assignments) on small random instances:
        // LPT ≤ (4/3 − 1/(3N))·OPT (Graham 1969).
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 40) / Double(1 << 24)
        }
        for trial in 0..<40 {
            let n = 4 + trial % 6, shards = 2 + trial % 2
            let costs = (0..<n).map { _ in uniform() + 0.01 }
            let plan = ShardPlan.balanced(costs: costs, shards: shards)
            #expect(plan.flatMap { $0 }.sorted() == Array(0..<n))
            let lpt = ShardPlan.loads(plan, costs: costs).max() ?? 0
            var optimum = Double.infinity
            for code in 0..<Int(pow(Double(shards), Double(n))) {
                var loads = Array(repeating: 0.0, count: shards), c = code
                for i in 0..<n { loads[c % shards] += costs[i]; c /= shards }
                optimum = min(optimum, loads.max() ?? 0)
            }
            #expect(lpt <= (4.0 / 3 - 1 / (3 * Double(shards))) * optimum * (1 + 1e-12))
        }
    }

    @Test func balancedShardsPartitionTheGridByCost() throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        let shards = e.balancedShards(3, executor: executor)
        let ids = shards.map { e.configurations(shard: $0).map(\.runID) }
        #expect(ids.flatMap { $0 }.sorted() == e.configurations.map(\.runID).sorted())
        for (shard, list) in zip(shards, ids) {
            #expect(list == e.configurations.filter { shard.gridIndices?.contains($0.point.index) == true }.map(\.runID))
        }
        // The zip's (40, 5) points cost more than the (20, 3) ones; each shard gets its share of both.
        let costs = e.pointCosts(executor)
        let loads = ShardPlan.loads(shards.map { $0.gridIndices ?? [] }, costs: costs)
        #expect((loads.max() ?? 0) - (loads.min() ?? 0) <= (costs.max() ?? 0) + 1e-15)
        // The plan does not depend on anything but the experiment.
        #expect(e.balancedShards(3, executor: executor) == shards)
    }

    @Test func mergeIsBitIdenticalToOneProcessAndIdempotent() async throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        let root = try temporaryDirectory("merge"), single = try temporaryDirectory("single")
        for k in 0..<3 { try await runShard(e, k, of: 3, root: root) }
        _ = try await run(e, into: single, jobs: 2)
        let first = try ShardMerge.merge(e, executor: executor, shards: shardURLs(root, 3), into: root)
        #expect(first.merged == 24 && first.alreadyMerged == 0 && first.missing.isEmpty && first.present == 24)
        let merged = try seriesFingerprint(root, experiment: e)
        #expect(merged == (try seriesFingerprint(single, experiment: e)))
        let runsSQL = "SELECT * FROM runs ORDER BY run_id"
        func runs(_ d: URL) throws -> [String] {
            let t = try ResultStore(existing: d).table(runsSQL)
            let keep = t.columns.enumerated().filter { !["seconds", "cpu_seconds"].contains($0.element) }.map(\.offset)  // timings
            return t.rows.map { row in keep.map { row[$0].description }.joined(separator: "|") }
        }
        #expect(try runs(root) == (try runs(single)))
        // Again: nothing changes.
        let csv = try String(contentsOf: root.appendingPathComponent("series.csv"), encoding: .utf8)
        let second = try ShardMerge.merge(e, executor: executor, shards: shardURLs(root, 3), into: root)
        #expect(second.merged == 0 && second.alreadyMerged == 24 && second.missing.isEmpty)
        #expect(try seriesFingerprint(root, experiment: e) == merged)
        #expect(try String(contentsOf: root.appendingPathComponent("series.csv"), encoding: .utf8) == csv)
    }

    @Test func perRunFilesOfEveryShardAreCopiedOnce() async throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        let root = try temporaryDirectory("files")
        let fm = FileManager.default
        for k in 0..<2 {
            try await runShard(e, k, of: 2, root: root)
            // What a training run (models/) and a grad_units run (unit-maps/<id>/) leave beside the store.
            let shard = root.appendingPathComponent("shards/\(k)")
            for id in try ResultStore(existing: shard).storedRunIDs() {
                try fm.createDirectory(at: shard.appendingPathComponent("unit-maps/\(id)"), withIntermediateDirectories: true)
                try Data("maps of \(id)".utf8).write(to: shard.appendingPathComponent("unit-maps/\(id)/unit-map-h.npy"))
                try fm.createDirectory(at: shard.appendingPathComponent("models"), withIntermediateDirectories: true)
                try Data("model \(id)".utf8).write(to: shard.appendingPathComponent("models/\(id).safetensors"))
            }
            try Data("not a run".utf8).write(to: shard.appendingPathComponent("models/notes.txt"))
        }
        _ = try ShardMerge.merge(e, executor: executor, shards: shardURLs(root, 2), into: root)
        let ids = e.configurations.map(\.runID)
        for id in ids {
            #expect(try String(contentsOf: root.appendingPathComponent("unit-maps/\(id)/unit-map-h.npy"), encoding: .utf8) == "maps of \(id)")
            #expect(try String(contentsOf: root.appendingPathComponent("models/\(id).safetensors"), encoding: .utf8) == "model \(id)")
        }
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("models/notes.txt").path))
        #expect(try fm.contentsOfDirectory(atPath: root.appendingPathComponent("models").path).count == ids.count)
        // A file lost after the rows were merged comes back with the next merge; present files stay.
        try fm.removeItem(at: root.appendingPathComponent("models/\(ids[0]).safetensors"))
        try Data("edited".utf8).write(to: root.appendingPathComponent("models/\(ids[1]).safetensors"))
        let again = try ShardMerge.merge(e, executor: executor, shards: shardURLs(root, 2), into: root)
        #expect(again.merged == 0)
        #expect(fm.fileExists(atPath: root.appendingPathComponent("models/\(ids[0]).safetensors").path))
        #expect(try String(contentsOf: root.appendingPathComponent("models/\(ids[1]).safetensors"), encoding: .utf8) == "edited")
    }

    @Test func missingConfigurationsAreReportedThenFilledIn() async throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        let root = try temporaryDirectory("partial")
        try await runShard(e, 0, of: 3, root: root)
        try await runShard(e, 2, of: 3, root: root)
        let plan = e.balancedShards(3, executor: executor)
        let absent = e.configurations(shard: plan[1]).map(\.runID)
        let partial = try ShardMerge.merge(e, executor: executor, shards: shardURLs(root, 3), into: root)
        #expect(partial.missing.count == absent.count && partial.present == 24 - absent.count)
        #expect(partial.missing.map { String($0.prefix(while: { $0 != " " })) }.sorted() == absent.sorted())
        #expect(partial.missing.allSatisfy { $0.contains("init.weight_hh.spectral_radius=") && $0.contains("replicate ") })
        let progress = try ShardMerge.progress(e, plan: plan, shards: shardURLs(root, 3))
        #expect(progress.map(\.finished) == [true, false, true] && progress[1].stored == 0 && progress[1].total == absent.count)
        // The missing shard arrives; the next merge adds exactly it.
        try await runShard(e, 1, of: 3, root: root)
        let rest = try ShardMerge.merge(e, executor: executor, shards: shardURLs(root, 3), into: root)
        #expect(rest.merged == absent.count && rest.alreadyMerged == 24 - absent.count && rest.missing.isEmpty)
        #expect(try ResultStore(existing: root).storedRunIDs().count == 24)
    }

    @Test func aShardOfAnotherExperimentIsRefused() async throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        let root = try temporaryDirectory("foreign")
        try await runShard(e, 0, of: 2, root: root)
        // Shard 1 ran the same settings with other sweep values: same fingerprint, other experiment.
        let other = try Experiment(text: sweepYAML.replacingOccurrences(of: "[0.5, 1.0, 1.5]", with: "[0.5, 1.0, 2.5]"), source: "other.yaml")
        #expect(other.fingerprint == e.fingerprint && other.resolvedHash != e.resolvedHash)
        try await runShard(other, 1, of: 2, root: root)
        #expect {
            try ShardMerge.merge(e, executor: executor, shards: shardURLs(root, 2), into: root)
        } throws: { error in
            let text = "\(error)"
            return error is ShardMerge.ForeignShard && text.contains("shards/1 holds a different experiment") && text.contains(e.resolvedHash)
        }
        // Refused before anything is written.
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("results.sqlite").path))
        // A different seed changes the fingerprint too.
        let reseeded = try Experiment(text: sweepYAML.replacingOccurrences(of: "seed: 7", with: "seed: 8"), source: "exp.yaml")
        let root2 = try temporaryDirectory("foreign2")
        try await runShard(reseeded, 0, of: 2, root: root2)
        #expect(throws: ShardMerge.ForeignShard.self) {
            try ShardMerge.merge(e, executor: executor, shards: shardURLs(root2, 2), into: root2)
        }
    }
}
