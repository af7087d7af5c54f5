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
    /// `--fresh`: start over; the directory must be missing or empty.
    public var fresh: Bool
    /// `nil`: a bar on a terminal, lines otherwise.
    public var progress: ProgressReporter.Style?
    /// The command line, for the manifest.
    public var commandLine: [String]
    /// Polled between configurations: once set, no new configuration starts (`SignalStop` sets it
    /// on SIGINT/SIGTERM).
    public var stop: StopRequest?
    /// Bytes one configuration may need (`--memory-budget`); nil: the machine's memory
    /// (`Preflight.availableMemory`).
    public var memoryBudget: Double?
    /// How CSVs, the manifest and experiment.yaml are written (tests inject failures).
    public var fileWriter: FileWriter

    public init(outDirectory: URL, jobs: Int = ProcessInfo.processInfo.activeProcessorCount, blasThreads: Int = 1, shard: Shard? = nil,
                requireExistingRun: Bool = false, fresh: Bool = false, progress: ProgressReporter.Style? = nil,
                commandLine: [String] = CommandLine.arguments, stop: StopRequest? = nil, memoryBudget: Double? = nil,
                fileWriter: FileWriter = .posix) {
        self.outDirectory = outDirectory
        self.jobs = max(1, jobs)
        self.blasThreads = max(1, blasThreads)
        self.shard = shard
        self.requireExistingRun = requireExistingRun
        self.fresh = fresh
        self.progress = progress
        self.commandLine = commandLine
        self.stop = stop
        self.memoryBudget = memoryBudget
        self.fileWriter = fileWriter
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
    /// Set when a stop request ended the run early: the signal that asked (0 for a program).
    public var stoppedBy: Int32? = nil

    /// Configurations of this shard stored in the directory (after this run).
    public var storedInShard: Int { skipped + counts.values.reduce(0, +) }

    /// True when nothing in the directory failed or went non-finite.
    public var allOK: Bool { storedCounts.filter { $0.key != ConfigurationResult.Status.ok.rawValue }.values.reduce(0, +) == 0 }
}

/// Problems that stop a run before it starts.
public struct RunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A run directory made ready for a run: checked, created if missing, locked (`RunLock`), its stored
/// configurations read and the pending ones listed. Nothing is written to the store yet, so a caller
/// can print estimates and refuse (`abandon()`) before anything runs.
public final class PreparedRun<Spec: SweepSpec>: @unchecked Sendable {
    public let experiment: Sweep<Spec>
    public let directory: URL
    /// How many configurations this shard has (stored or not).
    public let planned: Int
    /// Those not stored yet.
    public let pending: [Configuration<Spec>]
    let lock: RunLock
    /// Whether `prepare` created the directory (then `abandon` removes it).
    let createdDirectory: Bool

    init(experiment: Sweep<Spec>, directory: URL, planned: Int, pending: [Configuration<Spec>], lock: RunLock, createdDirectory: Bool) {
        self.experiment = experiment
        self.directory = directory
        self.planned = planned
        self.pending = pending
        self.lock = lock
        self.createdDirectory = createdDirectory
    }

    /// Gives the directory up without running: releases the lock, and removes the directory if
    /// `prepare` created it (it holds nothing else then).
    public func abandon() {
        lock.release()
        guard createdDirectory else { return }
        try? FileManager.default.removeItem(at: lock.url)
        try? FileManager.default.removeItem(at: directory)
    }
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

    /// Runs an experiment into `options.outDirectory`: `prepare`, then `run(_:executor:options:)`.
    public static func run<E: SweepExecutor>(_ experiment: Sweep<E.Spec>, executor: E, options: RunOptions) async throws -> RunReport {
        let prepared = try prepare(experiment, executor: executor, options: options)
        return try await run(prepared, executor: executor, options: options)
    }

    /// Checks every grid point with the executor, checks the directory (`RunDirectory.check`: a file,
    /// someone else's directory, a changed experiment, `--resume`/`--fresh`), creates it if missing,
    /// takes its lock (`RunLock`: a second process is refused, naming the holder, before it touches
    /// the store), reads the stored run ids and checks every pending configuration's memory estimate
    /// against `options.memoryBudget` (`Preflight`).
    public static func prepare<E: SweepExecutor>(_ experiment: Sweep<E.Spec>, executor: E, options: RunOptions) throws -> PreparedRun<E.Spec> {
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
        func checkDirectory() throws {
            try RunDirectory.check(experiment.tree, name: experiment.name, into: out,
                                   requireExistingRun: options.requireExistingRun, fresh: options.fresh)
        }
        try checkDirectory()
        let created = !fm.fileExists(atPath: out.path)
        if created {
            do {
                try fm.createDirectory(at: out, withIntermediateDirectories: true)
            } catch {
                throw RunError("\(out.relativePath): cannot create the run directory (\(Preflight.cause(of: error)))")
            }
        }
        let lock = try RunLock(directory: out)
        do {
            try checkDirectory() // again under the lock: another run may have started meanwhile
            var stored: Set<String> = []
            if fm.fileExists(atPath: out.appendingPathComponent("results.sqlite").path) {
                stored = try openStore(experiment, executor: executor, directory: out).storedRunIDs()
            }
            let planned = experiment.configurations(shard: options.shard)
            let pendingRuns = planned.filter { !stored.contains($0.runID) }
            try Preflight.checkMemory(pendingRuns, executor: executor, budget: options.memoryBudget)
            return PreparedRun(experiment: experiment, directory: out, planned: planned.count, pending: pendingRuns, lock: lock, createdDirectory: created)
        } catch {
            PreparedRun<E.Spec>(experiment: experiment, directory: out, planned: 0, pending: [], lock: lock, createdDirectory: created).abandon()
            throw error
        }
    }

    /// Opens (or creates) the store of `directory` for `experiment`; a different experiment's store
    /// is a `RunError`.
    static func openStore<E: SweepExecutor>(_ experiment: Sweep<E.Spec>, executor: E, directory: URL) throws -> ResultStore {
        do {
            return try ResultStore(directory: directory, sweptPaths: experiment.grid.sweptPaths, fingerprint: experiment.fingerprint,
                                   summaryColumns: executor.summaryColumns)
        } catch let mismatch as ResultStore.StoreMismatch {
            throw RunError(mismatch.description)
        }
    }

    /// Runs a prepared run: runs the pending configurations on `options.jobs` concurrent tasks; each
    /// finished one is handed to a `StoreWriter` (its own thread writes the result's files and commits
    /// whole configurations, several per transaction when they queue up) and its slot starts the next
    /// configuration at once, without waiting for the write. Once all are committed, writes `runs.csv`,
    /// `series.csv`, `experiment.yaml` and `manifest.json` (each atomically: a temporary file renamed).
    /// A failed write (a result file, the database) stops the run with that error; what was committed
    /// stays. Releases the directory's lock when done.
    ///
    /// A stop request (`options.stop`) is polled between configurations: none starts after it, those
    /// in flight finish and are stored, the files are written for what is stored, and the report says
    /// `stoppedBy`.
    ///
    /// BLAS threads: OpenBLAS is set to `options.blasThreads` per call for the duration (default 1:
    /// configurations are the parallel unit, nested BLAS threads would oversubscribe the cores, and a
    /// threaded BLAS reduction may round differently) and restored when the last concurrent run in the
    /// process ends (`BLASThreads.enterScope`). `--jobs 1
    /// --blas-threads N` suits one big configuration.
    ///
    /// Results do not depend on `jobs` or order: each configuration draws only from
    /// `Configuration.randomStream`.
    public static func run<E: SweepExecutor>(_ prepared: PreparedRun<E.Spec>, executor: E, options: RunOptions) async throws -> RunReport {
        defer { prepared.lock.release() }
        let started = Date()
        let experiment = prepared.experiment
        let out = prepared.directory
        let store = try openStore(experiment, executor: executor, directory: out)
        AtomicFile.removeLeftovers(in: out, names: ["experiment.yaml", "manifest.json", "runs.csv", "series.csv"])
        try AtomicFile.write(try experiment.resolvedYAML(), to: out.appendingPathComponent("experiment.yaml"), using: options.fileWriter)

        let planned = prepared.planned
        let pendingRuns = prepared.pending
        var manifest = Manifest(experiment: experiment, options: options, started: started, planned: planned)
        try manifest.write(to: out, counts: try store.statusCounts(), using: options.fileWriter)

        BLASThreads.enterScope(options.blasThreads)
        defer { BLASThreads.leaveScope() }

        let progress = ProgressReporter(total: pendingRuns.count, style: options.progress)
        let writer = StoreWriter<E.Spec>(store: store, directory: out, fileWriter: options.fileWriter, capacity: 2 * options.jobs)
        var counts: [ConfigurationResult.Status: Int] = [:]
        var launched = 0
        do {
            try await withThrowingTaskGroup(of: FinishedConfiguration<E.Spec>.self) { group in
                var next = pendingRuns.makeIterator()
                func launch() {
                    guard options.stop?.isRequested != true, let configuration = next.next() else { return }
                    launched += 1
                    group.addTask { execute(configuration, executor) }
                }
                for _ in 0..<min(options.jobs, pendingRuns.count) { launch() }
                while let finished = try await group.next() {
                    // Queued, not written: the freed slot starts its next configuration at once.
                    try writer.submit(finished)
                    launch()
                    counts[finished.result.status, default: 0] += 1
                    progress.advance(failed: finished.result.status != .ok)
                }
            }
            try writer.finish()
        } catch {
            try? writer.finish() // stores what was queued (if the writer has not failed), ends its thread
            throw error
        }
        let stoppedBy = launched < pendingRuns.count ? options.stop?.requestingSignal : nil

        try store.exportCSV(to: out, using: options.fileWriter)
        let stored = try store.statusCounts()
        manifest.finished = Date()
        manifest.ranNow = counts.values.reduce(0, +)
        manifest.skipped = planned - pendingRuns.count
        manifest.stopped = stoppedBy.map { $0 == 0 ? "stop requested" : "signal \($0)" }
        try manifest.write(to: out, counts: stored, using: options.fileWriter)
        var report = RunReport(planned: planned, skipped: planned - pendingRuns.count, counts: counts,
                               storedCounts: stored, seconds: Date().timeIntervalSince(started))
        report.stoppedBy = stoppedBy
        return report
    }

    /// Runs one configuration; failures and non-finite results become statuses, never throws. Returns
    /// the wall time and the thread's CPU time (the executor runs synchronously on one thread).
    static func execute<E: SweepExecutor>(_ configuration: Configuration<E.Spec>, _ executor: E) -> FinishedConfiguration<E.Spec> {
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = threadCPUSeconds()
        var random = configuration.randomStream
        let result: ConfigurationResult
        do {
            result = try executor.run(configuration, &random).checkedForNonFinite()
        } catch let failure as ConfigurationFailure {
            result = .failed(failure.reason, step: failure.step)
        } catch {
            result = .failed(String(describing: error))
        }
        let cpu = threadCPUSeconds() - cpuStart
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return FinishedConfiguration(configuration, result, seconds: seconds, cpuSeconds: cpu)
    }

    /// The calling thread's CPU time in seconds (`CLOCK_THREAD_CPUTIME_ID`).
    public static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
