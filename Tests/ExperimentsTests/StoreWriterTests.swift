import Foundation
import Testing
@testable import Sweeps
@testable import Lab
import _ExperimentsFixtures

/// The runner's background writer (`StoreWriter`): everything submitted is committed, in order, before
/// `finish` returns; a failure stops it and surfaces, naming the file, with nothing stored in part.
@Suite struct StoreWriterTests {
    /// 120 configurations (sweepYAML with 10 replicates) and a store for them.
    static func fixture(_ label: String) throws -> (Experiment, [Configuration<ExperimentSpec>], ResultStore, URL) {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml", overrides: ["replicates=10"])
        let dir = try temporaryDirectory(label)
        let store = try ResultStore(directory: dir, sweptPaths: e.grid.sweptPaths, fingerprint: e.fingerprint)
        return (e, Array(e.configurations), store, dir)
    }

    /// Configuration `i`'s result: `i + 1` series points valued i·1000 + step, and optional files.
    static func result(_ i: Int, files: [String: Data] = [:]) -> ConfigurationResult {
        ConfigurationResult(summary: ["index": .integer(Int64(i))],
                            series: (0...i).map { SeriesPoint("grad_norm_log10", step: $0, value: Double(i * 1000 + $0)) },
                            files: files)
    }

    @Test func finishReturnsOnceEverythingSubmittedIsCommittedInOrder() throws {
        let (_, configurations, store, dir) = try Self.fixture("writer-all")
        #expect(configurations.count == 120)
        // Capacity 2: submit blocks while the writer catches up, and batches of one and two both occur.
        let writer = StoreWriter<ExperimentSpec>(store: store, directory: dir, fileWriter: .posix, capacity: 2)
        for (i, c) in configurations.enumerated() {
            try writer.submit(FinishedConfiguration(c, Self.result(i), seconds: Double(i), cpuSeconds: nil))
        }
        try writer.finish()
        let runs = try store.table("SELECT run_id, \"index\", seconds FROM runs ORDER BY rowid").rows
        #expect(runs.map { String.fromDatabaseValue($0[0]) } == configurations.map(\.runID))
        #expect(runs.map { Double.fromDatabaseValue($0[1]) } == (0..<120).map(Double.init))
        let series = try store.table("SELECT COUNT(*), SUM(value) FROM series").rows[0]
        var expectedCount = 0, expectedSum = 0.0
        for i in 0..<120 {
            for step in 0...i { expectedSum += Double(i * 1000 + step) }
            expectedCount += i + 1
        }
        #expect(Int.fromDatabaseValue(series[0]) == expectedCount)
        #expect(Double.fromDatabaseValue(series[1]) == expectedSum)
        try writer.finish() // idempotent
        #expect(throws: RunError.self) { try writer.submit(FinishedConfiguration(configurations[0], Self.result(0), seconds: 0, cpuSeconds: nil)) }
    }

    @Test func aFailedFileStopsTheWriterAndSurfacesNamingIt() throws {
        let (_, configurations, store, dir) = try Self.fixture("writer-fail")
        let writer = StoreWriter<ExperimentSpec>(store: store, directory: dir, fileWriter: .failing("bad.bin"), capacity: 4)
        var thrown: RunError?
        for (i, c) in configurations.prefix(40).enumerated() {
            let files = ["files/\(c.runID)/\(i == 2 ? "bad" : "good").bin": Data("result \(i)".utf8)]
            do {
                try writer.submit(FinishedConfiguration(c, Self.result(i, files: files), seconds: 0, cpuSeconds: nil))
            } catch let e as RunError {
                thrown = e
                break
            }
        }
        let finished = #expect(throws: RunError.self) { try writer.finish() }
        let bad = dir.appendingPathComponent("files/\(configurations[2].runID)/bad.bin").path
        #expect(finished?.description == "cannot write \(bad): No space left on device")
        if let thrown { #expect(thrown.description == finished?.description) }
        // The two results before the failure are stored whole with their files; nothing after it.
        #expect(try store.storedRunIDs() == Set(configurations.prefix(2).map(\.runID)))
        #expect(Int.fromDatabaseValue(try store.table("SELECT COUNT(*) FROM series").rows[0][0]) == 1 + 2)
        for c in configurations.prefix(2) {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("files/\(c.runID)/good.bin").path))
        }
        #expect(!FileManager.default.fileExists(atPath: bad))
    }

    /// Through the runner: a result file that cannot be written fails the run with that file's error,
    /// stores no configuration without its file, and a resumed run completes the sweep.
    @Test func aRunWhoseResultFileFailsThrowsLocatedAndResumes() async throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        let dir = try temporaryDirectory("writer-run")
        var registry = ExecutorRegistry()
        let synthetic = SyntheticExecutor.registry()
        registry.register(.gradientFlow) { configuration, random in
            var result = try synthetic.run(configuration, &random)
            let name = configuration.spec.initialization.weightHH?.spectralRadius == 1 ? "bad.bin" : "good.bin"
            result.files = ["files/\(configuration.runID)/\(name)": Data(configuration.runID.utf8)]
            return result
        }
        var options = RunOptions(outDirectory: dir, jobs: 2, progress: .silent, commandLine: ["test"])
        options.fileWriter = .failing("bad.bin")
        let error = await #expect(throws: RunError.self) { try await Runner.run(e, executor: registry, options: options) }
        #expect(error?.description.hasPrefix("cannot write \(dir.path)/files/") == true)
        #expect(error?.description.hasSuffix("/bad.bin: No space left on device") == true)
        for id in try ResultStore(existing: dir).storedRunIDs() {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("files/\(id)/good.bin").path), "\(id)")
        }
        var resume = RunOptions(outDirectory: dir, jobs: 2, requireExistingRun: true, progress: .silent, commandLine: ["test"])
        resume.fileWriter = .posix
        let report = try await Runner.run(e, executor: registry, options: resume)
        #expect(report.storedInShard == 24 && report.allOK)
        let reference = try temporaryDirectory("writer-reference")
        _ = try await run(e, into: reference, jobs: 1)
        #expect(try seriesFingerprint(dir, experiment: e) == seriesFingerprint(reference, experiment: e))
    }
}
