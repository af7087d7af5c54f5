import Foundation
import Linalg

/// Options of `gradlab run`.
public struct RunOptions: Sendable {
    /// The run directory (created if missing).
    public var outDirectory: URL
    /// Configurations run at once (≥ 1).
    public var jobs: Int
    /// OpenBLAS threads per BLAS call during the run (≥ 1; default 1). Results are bit-identical
    /// for any `jobs` at a fixed `blasThreads` (threaded BLAS reductions may round differently).
    public var blasThreads: Int
    public var shard: Shard?
    /// `--resume`: the directory must already hold a run of this experiment.
    public var requireExistingRun: Bool
    /// `nil`: a bar on a terminal, lines otherwise.
    public var progress: ProgressReporter.Style?
    /// The command line, for the manifest.
    public var commandLine: [String]

    public init(outDirectory: URL, jobs: Int = ProcessInfo.processInfo.activeProcessorCount, blasThreads: Int = 1, shard: Shard? = nil,
                requireExistingRun: Bool = false, progress: ProgressReporter.Style? = nil,
                commandLine: [String] = CommandLine.arguments) {
        self.outDirectory = outDirectory
        self.jobs = max(1, jobs)
        self.blasThreads = max(1, blasThreads)
        self.shard = shard
        self.requireExistingRun = requireExistingRun
        self.progress = progress
        self.commandLine = commandLine
    }
}

/// What a `run` did.
public struct RunReport: Sendable {
    /// Configurations (× replicates) in this shard of the grid.
    public let planned: Int
    /// Already stored before this run, skipped.
    public let skipped: Int
    /// Results of this invocation by status.
    public let counts: [ConfigurationResult.Status: Int]
    /// Everything stored in the directory by status (earlier runs included).
    public let storedCounts: [String: Int]
    public let seconds: Double

    /// True when nothing in the directory failed or went non-finite.
    public var allOK: Bool { storedCounts.filter { $0.key != ConfigurationResult.Status.ok.rawValue }.values.reduce(0, +) == 0 }
}

/// Problems that stop a run before it starts.
public struct RunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum Runner {
    /// The configurations still to run: this shard's, minus those stored in `directory` (if any).
    public static func pending<Spec>(_ experiment: Sweep<Spec>, shard: Shard?, stored: Set<String>) -> [Configuration<Spec>] {
        experiment.configurations(shard: shard).filter { !stored.contains($0.runID) }
    }

    /// Estimated wall time in seconds for `configurations` on `jobs` workers.
    public static func estimatedSeconds<E: SweepExecutor>(_ configurations: [Configuration<E.Spec>], executor: E, jobs: Int) -> Double {
        let total = configurations.reduce(0.0) { $0 + executor.estimatedSeconds($1.spec) }
        return total / Double(max(1, min(jobs, configurations.count)))
    }

    /// Runs an experiment into `options.outDirectory`: skips configurations already stored, runs the
    /// rest on `options.jobs` concurrent tasks, commits each result in its own transaction as it
    /// arrives, then writes `runs.csv`, `series.csv`, `experiment.yaml` and `manifest.json`.
    ///
    /// BLAS threads: OpenBLAS is set to `options.blasThreads` per call for the duration (default 1:
    /// configurations are the parallel unit, nested BLAS threads would oversubscribe the cores, and a
    /// threaded BLAS reduction may round differently) and restored when the last concurrent run in the
    /// process ends (`BLASThreads.enterScope`). `--jobs 1
    /// --blas-threads N` suits one big configuration.
    ///
    /// Results do not depend on `jobs` or order: each configuration draws only from
    /// `Configuration.randomStream`.
    public static func run<E: SweepExecutor>(_ experiment: Sweep<E.Spec>, executor: E, options: RunOptions) async throws -> RunReport {
        let started = Date()
        let fm = FileManager.default
        let out = options.outDirectory
        for point in experiment.points {
            do {
                try executor.check(point.spec)
            } catch let failure as ConfigurationFailure {
                let which = point.identity.isEmpty ? "" : " (configuration \(point.identity))"
                throw RunError("\(experiment.source): \(failure.reason)\(which)")
            }
        }
        if options.requireExistingRun && !fm.fileExists(atPath: out.appendingPathComponent("results.sqlite").path) {
            throw RunError("--resume: \(out.path) holds no run to resume (no results.sqlite)")
        }
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        let store: ResultStore
        do {
            store = try ResultStore(directory: out, sweptPaths: experiment.grid.sweptPaths, fingerprint: experiment.fingerprint,
                                    summaryColumns: executor.summaryColumns)
        } catch let mismatch as ResultStore.StoreMismatch {
            throw RunError(mismatch.description)
        }
        try experiment.resolvedYAML().write(to: out.appendingPathComponent("experiment.yaml"), atomically: true, encoding: .utf8)

        let planned = experiment.configurations(shard: options.shard)
        let pendingRuns = pending(experiment, shard: options.shard, stored: try store.storedRunIDs())
        var manifest = Manifest(experiment: experiment, options: options, started: started, planned: planned.count)
        try manifest.write(to: out, counts: try store.statusCounts())

        BLASThreads.enterScope(options.blasThreads)
        defer { BLASThreads.leaveScope() }

        let progress = ProgressReporter(total: pendingRuns.count, style: options.progress)
        var counts: [ConfigurationResult.Status: Int] = [:]
        try await withThrowingTaskGroup(of: (Configuration<E.Spec>, ConfigurationResult, Double).self) { group in
            var next = pendingRuns.makeIterator()
            func launch() {
                guard let configuration = next.next() else { return }
                group.addTask { execute(configuration, executor) }
            }
            for _ in 0..<min(options.jobs, pendingRuns.count) { launch() }
            while let (configuration, result, seconds) = try await group.next() {
                try store.insert(configuration, result, seconds: seconds)
                counts[result.status, default: 0] += 1
                progress.advance(failed: result.status != .ok)
                launch()
            }
        }

        try store.exportCSV(to: out)
        let stored = try store.statusCounts()
        manifest.finished = Date()
        manifest.ranNow = pendingRuns.count
        manifest.skipped = planned.count - pendingRuns.count
        try manifest.write(to: out, counts: stored)
        return RunReport(planned: planned.count, skipped: planned.count - pendingRuns.count, counts: counts,
                         storedCounts: stored, seconds: Date().timeIntervalSince(started))
    }

    /// Runs one configuration; failures and non-finite results become statuses, never throws.
    static func execute<E: SweepExecutor>(_ configuration: Configuration<E.Spec>, _ executor: E) -> (Configuration<E.Spec>, ConfigurationResult, Double) {
        let clock = ContinuousClock()
        let start = clock.now
        var random = configuration.randomStream
        let result: ConfigurationResult
        do {
            result = try executor.run(configuration, &random).checkedForNonFinite()
        } catch let failure as ConfigurationFailure {
            result = .failed(failure.reason, step: failure.step)
        } catch {
            result = .failed(String(describing: error))
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (configuration, result, seconds)
    }
}
