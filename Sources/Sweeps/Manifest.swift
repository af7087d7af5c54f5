import Foundation
import Linalg

/// `manifest.json` of a run directory: what ran, where, when and how it went. Written when a run
/// starts (no `finished`) and again when it ends.
struct Manifest: Encodable {
    var gradlabVersion = GradLabInfo.version
    var gitCommit: String? = Manifest.gitCommit()
    var experiment: String
    var source: String
    var command: [String]
    var started: Date
    var finished: Date?
    var host = ProcessInfo.processInfo.hostName
    var cores = ProcessInfo.processInfo.activeProcessorCount
    var jobs: Int
    var blasThreadsPerJob: Int
    var shard: String?
    /// `--memory-budget` in bytes: what one configuration may use (the preflight's limit, and the
    /// budget under which gradient-flow keeps its full tape or checkpoints); nil when not given (each
    /// configuration's `diagnostics.memory_budget` then, and the machine's memory for the preflight).
    var memoryBudget: Double?
    var gridPoints: Int
    var replicates: Int
    var gridSize: Int
    var plannedInShard: Int
    var ranNow: Int?
    var skipped: Int?
    /// Why the run ended early (`signal 2` for Ctrl-C), nil when it ran to the end.
    var stopped: String?
    var counts: [String: Int] = [:]

    init<Spec>(experiment: Sweep<Spec>, options: RunOptions, started: Date, planned: Int) {
        self.experiment = experiment.name
        source = experiment.source
        command = options.commandLine
        self.started = started
        jobs = options.jobs
        blasThreadsPerJob = options.blasThreads
        shard = options.shard?.description
        memoryBudget = options.memoryBudget
        gridPoints = experiment.points.count
        replicates = experiment.replicates
        gridSize = experiment.runCount
        plannedInShard = planned
    }

    enum CodingKeys: String, CodingKey {
        case gradlabVersion = "gradlab_version", gitCommit = "git_commit", experiment, source, command
        case started, finished, host, cores, jobs, blasThreadsPerJob = "blas_threads_per_job", shard
        case memoryBudget = "memory_budget"
        case gridPoints = "grid_points", replicates, gridSize = "grid_size", plannedInShard = "planned_in_shard"
        case ranNow = "ran_now", skipped, stopped, counts
    }

    /// Writes the manifest (atomically) with `counts` (stored runs by status; every status listed).
    mutating func write(to directory: URL, counts stored: [String: Int], using writer: FileWriter = .posix) throws {
        counts = Dictionary(uniqueKeysWithValues: ConfigurationResult.Status.allCases.map { ($0.rawValue, stored[$0.rawValue] ?? 0) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(self), to: directory.appendingPathComponent("manifest.json"), using: writer)
    }

    /// `GRADLAB_GIT_COMMIT`, else `git rev-parse HEAD` in the working directory, else nil.
    static func gitCommit() -> String? {
        if let c = ProcessInfo.processInfo.environment["GRADLAB_GIT_COMMIT"], !c.isEmpty { return c }
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "rev-parse", "HEAD"]
        let pipe = Pipe()
        git.standardOutput = pipe
        git.standardError = FileHandle.nullDevice
        do { try git.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        git.waitUntilExit()
        guard git.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
