import Foundation
import Testing
import _TestSupport
import _ExperimentsFixtures
@testable import Sweeps
@testable import Lab

/// Runs the fixture runner as a child process and returns its exit status and standard error.
private func runChild(_ yaml: URL, _ out: URL, delay: Double) throws -> (status: Int32, stderr: String) {
    let p = Process()
    p.executableURL = try BuiltExecutable.url("_experiments-fixture-runner")
    p.arguments = [yaml.path, out.path, "1", String(delay)]
    p.standardOutput = FileHandle.nullDevice
    let err = Pipe()
    p.standardError = err
    try p.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The bytes of every file in `directory` except the lock, by name.
private func snapshot(_ directory: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name != RunLock.fileName && name != "plots" {
        out[name] = try Data(contentsOf: directory.appendingPathComponent(name))
    }
    return out
}

@Suite struct RunDirectoryTests {
    @Test func aSecondProcessIsRefusedNamingTheHolderAndLeavesTheStoreUntouched() async throws {
        let e = try Experiment(text: baseYAML, source: "exp.yaml")
        let dir = try temporaryDirectory("lock")
        _ = try await run(e, into: dir, jobs: 1)
        let yaml = dir.appendingPathComponent("exp.yaml")
        try baseYAML.write(to: yaml, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        _ = try await run(e, into: out, jobs: 1)
        let before = try snapshot(out)

        // This process holds the lock; a child process running into the directory is refused.
        let lock = try RunLock(directory: out)
        let held = try String(contentsOf: lock.url, encoding: .utf8)
        #expect(held.hasPrefix("pid \(getpid()) host "))
        let refused = try runChild(yaml, out, delay: 0)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is in use by another gradlab run (pid \(getpid()) host"))
        #expect(try snapshot(out) == before)

        // Released (a stale, empty run.lock stays): the next run takes it and skips what is stored.
        lock.release()
        #expect(FileManager.default.fileExists(atPath: lock.url.path))
        let again = try runChild(yaml, out, delay: 0)
        #expect(again.status == 0)
    }

    @Test func twoRunnerProcessesIntoOneDirectory() throws {
        let dir = try temporaryDirectory("lock2")
        let yaml = dir.appendingPathComponent("exp.yaml")
        try (baseYAML + "\nsweep: {init.weight_hh.spectral_radius: [0.5, 0.8, 0.9, 1.0, 1.1, 1.25]}\n").write(to: yaml, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        let first = try startRunner(yaml, out, jobs: 1, delay: 0.15)
        // Wait for the first to hold the lock (its pid written), then start a second.
        let lockFile = out.appendingPathComponent(RunLock.fileName)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, (try? String(contentsOf: lockFile, encoding: .utf8))?.hasPrefix("pid \(first.processIdentifier) ") != true {
            usleep(20_000)
        }
        let second = try runChild(yaml, out, delay: 0)
        first.waitUntilExit()
        #expect(second.status != 0)
        #expect(second.stderr.contains("(pid \(first.processIdentifier) host"))
        #expect(first.terminationStatus == 0)
        #expect(try ResultStore(existing: out).storedRunIDs().count == 12)
    }

    @Test func identicalMeansTheSameResolvedExperimentApartFromPlotsAndDescription() throws {
        func tree(_ text: String) throws -> ConfigNode { try ConfigNode.parse(yaml: text, path: "x.yaml") }
        let a = try tree(sweepYAML)
        #expect(RunDirectory.changes(from: a, to: a).isEmpty)
        let described = try tree(sweepYAML + "\ndescription: other words\nplots:\n  - {recipe: norm-vs-lag}\n")
        #expect(RunDirectory.changes(from: a, to: described).isEmpty)
        let reordered = try tree(edited("[0.5, 1.0, 1.5]", "[1.5, 1.0, 0.50]", in: sweepYAML))
        #expect(RunDirectory.changes(from: a, to: reordered).isEmpty)
        let zipReordered = try tree(edited("sequence.length: [20, 40]\n  model.hidden: [3, 5]", "model.hidden: [5, 3]\n  sequence.length: [40, 20]", in: sweepYAML))
        #expect(RunDirectory.changes(from: a, to: zipReordered).isEmpty)
        let more = try tree(edited("replicates: 2", "replicates: 3", in: sweepYAML))
        #expect(RunDirectory.changes(from: a, to: more) == ["replicates: 2 → 3"])
        let seeded = try tree(edited("seed: 7\n", "", in: sweepYAML))
        #expect(RunDirectory.changes(from: a, to: seeded) == ["seed: 7 → (absent)"])
        let zipped = try tree(edited("model.hidden: [3, 5]", "model.hidden: [5, 3]", in: sweepYAML))
        #expect(RunDirectory.changes(from: a, to: zipped) == ["zip.model.hidden: [3, 5] → [5, 3]"])
    }

    @Test func changedReplicatesAreRefusedAndTheStoreKept() async throws {
        let dir = try temporaryDirectory("changed")
        let e = try Experiment(text: baseYAML, source: "exp.yaml")
        _ = try await run(e, into: dir, jobs: 1)
        let before = try snapshot(dir)
        let more = try Experiment(text: baseYAML, source: "exp.yaml", overrides: ["replicates=5"])
        let error = await #expect(throws: RunError.self) { try await run(more, into: dir, jobs: 1) }
        let message = error?.description ?? ""
        #expect(message.contains("holds a run of a different experiment"))
        #expect(message.contains("  replicates: 2 → 5"))
        #expect(message.contains("--resume") && message.contains("--fresh"))
        #expect(try snapshot(dir) == before)
        // --resume with the identical experiment continues (nothing to run).
        let resumed = try await Runner.run(e, executor: SyntheticExecutor.registry(),
                                           options: RunOptions(outDirectory: dir, jobs: 1, requireExistingRun: true, progress: .silent))
        #expect(resumed.skipped == 2 && resumed.counts.isEmpty)
    }

    @Test func directoryStatesAreCheckedBeforeAnythingIsWritten() async throws {
        let dir = try temporaryDirectory("states")
        let e = try Experiment(text: baseYAML, source: "exp.yaml")
        let file = dir.appendingPathComponent("afile")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let notDirectory = await #expect(throws: RunError.self) { try await run(e, into: file, jobs: 1) }
        #expect(notDirectory?.description.hasSuffix("afile: is a file, not a directory") == true)

        let foreign = dir.appendingPathComponent("foreign")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try "notes".write(to: foreign.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let other = await #expect(throws: RunError.self) { try await run(e, into: foreign, jobs: 1) }
        #expect(other?.description.contains("is not empty and holds no run (it has 'notes.txt'") == true)

        let missing = dir.appendingPathComponent("missing")
        let resume = await #expect(throws: RunError.self) {
            try await Runner.run(e, executor: SyntheticExecutor.registry(),
                                 options: RunOptions(outDirectory: missing, requireExistingRun: true, progress: .silent))
        }
        #expect(resume?.description == "--resume: no run directory at \(missing.relativePath)")
        #expect(!FileManager.default.fileExists(atPath: missing.path))

        let stored = dir.appendingPathComponent("stored")
        _ = try await run(e, into: stored, jobs: 1)
        let fresh = await #expect(throws: RunError.self) {
            try await Runner.run(e, executor: SyntheticExecutor.registry(),
                                 options: RunOptions(outDirectory: stored, fresh: true, progress: .silent))
        }
        #expect(fresh?.description.contains("already holds a run; --fresh starts over in a new directory") == true)
        let missingRun = #expect(throws: RunError.self) { try ResultStore(existing: missing) }
        #expect(missingRun?.description == "no run directory at \(missing.relativePath)")
    }

    @Test func aFullDiskLeavesNoPartialCSVAndResumeRegeneratesThem() async throws {
        let dir = try temporaryDirectory("full")
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        let failing = RunOptions(outDirectory: dir, jobs: 2, progress: .silent, fileWriter: .failing("series.csv", after: 1000))
        let error = await #expect(throws: RunError.self) {
            try await Runner.run(e, executor: SyntheticExecutor.registry(), options: failing)
        }
        #expect(error?.description == "cannot write \(dir.appendingPathComponent("series.csv").path): No space left on device")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(!names.contains("series.csv"))
        #expect(!names.contains { $0.contains(".tmp-") })
        #expect(try ResultStore(existing: dir).storedRunIDs().count == 24) // the results are stored

        // A temporary file left by a killed writer is removed by the next run.
        let leftover = dir.appendingPathComponent(".runs.csv.tmp-99999")
        try "partial".write(to: leftover, atomically: false, encoding: .utf8)
        // --resume runs nothing and writes the CSVs, as an uninterrupted run does.
        let resumed = try await Runner.run(e, executor: SyntheticExecutor.registry(),
                                           options: RunOptions(outDirectory: dir, jobs: 2, requireExistingRun: true, progress: .silent))
        #expect(resumed.skipped == 24 && resumed.counts.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        let reference = try temporaryDirectory("full-reference")
        _ = try await run(e, into: reference, jobs: 1)
        func rows(_ d: URL) throws -> [Substring] {
            try String(contentsOf: d.appendingPathComponent("series.csv"), encoding: .utf8).split(separator: "\n").sorted()
        }
        #expect(try rows(dir) == rows(reference))
    }

    @Test func aCorruptedDatabaseIsNamedWithWhatToDo() async throws {
        let dir = try temporaryDirectory("corrupt")
        let e = try Experiment(text: baseYAML, source: "exp.yaml")
        _ = try await run(e, into: dir, jobs: 1)
        let db = dir.appendingPathComponent("results.sqlite")
        var bytes = try Data(contentsOf: db)
        for i in 0..<min(bytes.count, 4096) { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
        try bytes.write(to: db)
        let read = #expect(throws: RunError.self) { try ResultStore(existing: dir).storedRunIDs() }
        #expect(read?.description.contains("results.sqlite: the database is corrupted") == true)
        #expect(read?.description.contains("new directory") == true)
        let rerun = await #expect(throws: RunError.self) { try await run(e, into: dir, jobs: 1) }
        #expect(rerun?.description.contains("results.sqlite: the database is corrupted") == true)
    }

    @Test func aStopRequestStartsNoNewConfigurationAndResumeCompletesBitIdentically() async throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        let dir = try temporaryDirectory("stop")
        let stop = StopRequest()
        stop.request()
        let stopped = try await Runner.run(e, executor: SyntheticExecutor.registry(),
                                           options: RunOptions(outDirectory: dir, jobs: 2, progress: .silent, stop: stop))
        #expect(stopped.stoppedBy == 0 && stopped.counts.isEmpty)
        let manifest = try String(contentsOf: dir.appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"stopped\" : \"stop requested\""))
        let resumed = try await run(e, into: dir, jobs: 2)
        #expect(resumed.stoppedBy == nil && resumed.counts[.ok] == 24)
    }

    @Test func memoryPreflightNamesTheConfiguration() async throws {
        let text = edited("hidden: 4,", "hidden: 4000,") + "\nsweep: {init.weight_hh.spectral_radius: [0.5, 0.9]}\n"
        let e = try Experiment(text: text, source: "exp.yaml")
        let dir = try temporaryDirectory("memory").appendingPathComponent("run")
        let error = await #expect(throws: RunError.self) {
            try await Runner.run(e, executor: ExecutorRegistry.standard,
                                 options: RunOptions(outDirectory: dir, jobs: 1, progress: .silent, memoryBudget: 64e6))
        }
        #expect(error?.description.hasPrefix("configuration init.weight_hh.spectral_radius=0.5 needs about ") == true)
        #expect(error?.description.contains("more than --memory-budget (64.0 MB)") == true)
        #expect(!FileManager.default.fileExists(atPath: dir.path)) // nothing left behind
    }
}
