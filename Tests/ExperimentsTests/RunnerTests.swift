import Foundation
import Testing
@testable import Sweeps
@testable import Lab
import _ExperimentsFixtures

/// A fresh temporary directory.
func temporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Series of a run directory as "run_id metric step component bits-of-value" lines, sorted.
func seriesFingerprint(_ directory: URL, experiment: Experiment) throws -> [String] {
    let store = try ResultStore(directory: directory, sweptPaths: experiment.grid.sweptPaths, fingerprint: experiment.fingerprint)
    let table = try store.table("SELECT run_id, metric, step, component, value FROM series")
    return table.rows.map { row in
        row.map { v -> String in
            if let d = Double.fromDatabaseValue(v) , case .double = v.storage { return String(d.bitPattern, radix: 16) }
            return v.description
        }.joined(separator: " ")
    }.sorted()
}

func run(_ e: Experiment, into dir: URL, jobs: Int, shard: Shard? = nil,
         failAt: Set<Double> = [], nanAt: Set<Double> = []) async throws -> RunReport {
    try await Runner.run(e, executor: SyntheticExecutor.registry(failAt: failAt, nanAt: nanAt),
                         options: RunOptions(outDirectory: dir, jobs: jobs, shard: shard, progress: .silent, commandLine: ["test"]))
}

@Suite struct RunnerTests {
    @Test func resultsAreBitIdenticalForOneAndTwoJobs() async throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        let one = try temporaryDirectory("jobs1"), two = try temporaryDirectory("jobs2")
        let r1 = try await run(e, into: one, jobs: 1)
        let r2 = try await run(e, into: two, jobs: 2)
        #expect(r1.counts[.ok] == 24 && r2.counts[.ok] == 24)
        let s1 = try seriesFingerprint(one, experiment: e), s2 = try seriesFingerprint(two, experiment: e)
        let expectedPoints: Int = 12 * 21 + 12 * 41 // 12 runs of length 20 and 12 of length 40, steps 0…T
        #expect(s1.count == expectedPoints)
        #expect(s1 == s2)
        // Replicates differ from each other (independent streams).
        #expect(Set(s1.map { $0.split(separator: " ").dropFirst().joined(separator: " ") }).count == s1.count)
    }

    @Test func aFailingConfigurationDoesNotStopTheSweep() async throws {
        let text = baseYAML + "\nsweep: {init.weight_hh.spectral_radius: [0.5, 0.25, 1.0, 2.0]}\n"
        let e = try Experiment(text: text, source: "exp.yaml")
        let dir = try temporaryDirectory("fail")
        let report = try await run(e, into: dir, jobs: 2, failAt: [1.0], nanAt: [0.25])
        #expect(report.counts == [.ok: 4, .failed: 2, .nonfinite: 2])
        #expect(!report.allOK)
        let store = try ResultStore(directory: dir, sweptPaths: e.grid.sweptPaths, fingerprint: e.fingerprint)
        let rows = try store.table("""
            SELECT "init.weight_hh.spectral_radius", status, reason, failed_step FROM runs ORDER BY 1, replicate
            """).rows.map { $0.map(\.description).joined(separator: "|") }
        #expect(rows == [
            #"0.25|"nonfinite"|"grad_norm_log10 is NaN at step 0"|0"#, #"0.25|"nonfinite"|"grad_norm_log10 is NaN at step 0"|0"#,
            #"0.5|"ok"|NULL|NULL"#, #"0.5|"ok"|NULL|NULL"#,
            #"1|"failed"|"synthetic failure at gain 1.0"|5"#, #"1|"failed"|"synthetic failure at gain 1.0"|5"#,
            #"2|"ok"|NULL|NULL"#, #"2|"ok"|NULL|NULL"#,
        ])
        let manifest = try String(contentsOf: dir.appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"failed\" : 2") && manifest.contains("\"nonfinite\" : 2") && manifest.contains("\"ok\" : 4"))
    }

    @Test func rerunningIntoTheSameDirectorySkipsStoredConfigurations() async throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        let dir = try temporaryDirectory("rerun")
        _ = try await run(e, into: dir, jobs: 2, shard: Shard("1/2"))
        let second = try await run(e, into: dir, jobs: 2)
        #expect(second.skipped == 12 && second.counts[.ok] == 12)
        let third = try await run(e, into: dir, jobs: 2)
        #expect(third.skipped == 24 && third.counts.isEmpty && third.storedCounts == ["ok": 24])
        // The identical experiment continues (sweep values reordered: the same configurations); a wider
        // sweep or a changed setting is refused, naming what differs.
        let reordered = try Experiment(text: edited("[0.5, 1.0, 1.5]", "[1.5, 0.50, 1.0]", in: sweepYAML), source: "other.yaml")
        let fourth = try await run(reordered, into: dir, jobs: 2)
        #expect(fourth.skipped == 24 && fourth.counts.isEmpty)
        let wider = try Experiment(text: edited("[0.5, 1.0, 1.5]", "[0.5, 1.0, 1.5, 2.0]", in: sweepYAML), source: "exp.yaml")
        let refusal = await #expect(throws: RunError.self) { try await run(wider, into: dir, jobs: 2) }
        #expect(refusal?.description.contains("sweep.init.weight_hh.spectral_radius: {0.5, 1, 1.5} → {0.5, 1, 1.5, 2}") == true)
        let changed = try Experiment(text: sweepYAML, source: "exp.yaml", overrides: ["seed=8"])
        await #expect(throws: RunError.self) { try await run(changed, into: dir, jobs: 1) }
        #expect(try ResultStore(existing: dir).storedRunIDs().count == 24)
    }

    @Test func runDirectoryHoldsTablesCSVAndResolvedExperiment() async throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml", overrides: ["seed=3"])
        let dir = try temporaryDirectory("files")
        _ = try await run(e, into: dir, jobs: 2)
        let runs = try String(contentsOf: dir.appendingPathComponent("runs.csv"), encoding: .utf8).split(separator: "\n")
        #expect(runs.count == 25)
        #expect(runs[0] == "run_id,replicate,init.weight_hh.spectral_radius,model.activation,sequence.length,model.hidden,status,reason,failed_step,seconds,cpu_seconds,spectral_radius,sigma_max,slope_log10_per_step,label,horizon,lambda_max,readout_norm")
        let series = try String(contentsOf: dir.appendingPathComponent("series.csv"), encoding: .utf8).split(separator: "\n")
        let expectedLines: Int = 1 + 12 * 21 + 12 * 41
        #expect(series[0] == "run_id,metric,step,component,value,layer,direction" && series.count == expectedLines)
        let resolved = try String(contentsOf: dir.appendingPathComponent("experiment.yaml"), encoding: .utf8)
        #expect(resolved.contains("seed: 3") && resolved.contains("# overrides: seed=3"))
        let reloaded = try Experiment(text: resolved, source: "experiment.yaml")
        #expect(reloaded.fingerprint == e.fingerprint)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("manifest.json").path))
    }

    @Test func csvQuotesOnlyWhatNeedsIt() {
        #expect(CSV.field("plain") == "plain")
        #expect(CSV.field("a,b") == "\"a,b\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("line\r\nbreak") == "\"line\r\nbreak\"") // "\r\n" is one Character
        #expect(CSV.field("ρ(W_hh) ≈ 1") == "ρ(W_hh) ≈ 1")
    }

    @Test func missingExecutorIsReportedBeforeRunning() async throws {
        let e = try Experiment(text: baseYAML, source: "exp.yaml")
        let dir = try temporaryDirectory("noexec")
        await #expect(throws: RunError.self) {
            try await Runner.run(e, executor: ExecutorRegistry(), options: RunOptions(outDirectory: dir, progress: .silent))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results.sqlite").path))
    }
}
